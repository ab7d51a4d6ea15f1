// Responses written with RapidJSON's Writer, the one way the API writes JSON
// (strings are escaped by the writer, never by hand). Route files that answer
// with a document include this; request bodies are read by json_body.h.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace interdict::server {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// A response of `status` whose body `fill` writes.
template <typename F>
http::Response JsonResponse(int status, F&& fill) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  fill(w);
  return http::Response::Json(status, std::string(buf.GetString(), buf.GetSize()));
}

// "key": "value".
inline void Str(Writer& w, std::string_view key, std::string_view value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

// "key": the value, or null when there is none.
inline void OptStr(Writer& w, std::string_view key, const std::optional<std::string>& value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  value ? (void)w.String(value->data(), static_cast<rapidjson::SizeType>(value->size()))
        : (void)w.Null();
}
inline void OptInt(Writer& w, std::string_view key, std::optional<std::int64_t> value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  value ? (void)w.Int64(*value) : (void)w.Null();
}

// 200 {"<key>": [ item, ... ]}, each item written by `write(w, item)`.
template <typename T, typename F>
http::Response JsonList(std::string_view key, const std::vector<T>& items, F&& write) {
  return JsonResponse(200, [&](Writer& w) {
    w.StartObject();
    w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    w.StartArray();
    for (const T& item : items) write(w, item);
    w.EndArray();
    w.EndObject();
  });
}

}  // namespace interdict::server
