// json::Parse, the one parser of outside JSON: any bytes give a document or an
// InvalidArgument that names a byte offset or a limit, never a crash — and an
// accepted document never nests deeper than the limit nor holds U+0000 or a
// member name twice.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "base/json.h"

namespace {

// Checks what the parser promises of an accepted document, without recursion.
void CheckAccepted(const rapidjson::Value& root) {
  std::vector<std::pair<const rapidjson::Value*, int>> todo = {{&root, 0}};
  while (!todo.empty()) {
    auto [v, depth] = todo.back();
    todo.pop_back();
    if (v->IsString() && std::memchr(v->GetString(), 0, v->GetStringLength()) != nullptr)
      std::abort();
    if (v->IsArray()) {
      if (depth + 1 > interdict::json::kMaxDepth) std::abort();
      for (const auto& e : v->GetArray()) todo.emplace_back(&e, depth + 1);
    } else if (v->IsObject()) {
      if (depth + 1 > interdict::json::kMaxDepth) std::abort();
      std::set<std::string_view> names;
      for (const auto& m : v->GetObject()) {
        const std::string_view n(m.name.GetString(), m.name.GetStringLength());
        if (!names.insert(n).second || n.find('\0') != std::string_view::npos) std::abort();
        todo.emplace_back(&m.value, depth + 1);
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  rapidjson::Document d;
  const interdict::Status s = interdict::json::Parse(text, &d);
  if (!s.ok()) {
    if (s.code() != interdict::StatusCode::kInvalidArgument || !d.IsNull() ||
        (s.message().find("byte") == std::string::npos))
      std::abort();
    return 0;
  }
  CheckAccepted(d);
  return 0;
}
