// json::Writer by name only, for headers that take one (base/json_writer.h
// has the writer itself and checks that the two agree).
#pragma once

#include <rapidjson/fwd.h>

namespace interdict::json {

using Writer = rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<char>,
                                 rapidjson::UTF8<char>, rapidjson::CrtAllocator, 0u>;

}  // namespace interdict::json
