// Writing JSON: RapidJSON's Writer is the one way Interdict writes a JSON
// document, whether an API answer or a document it stores (audit details, a
// hit's entry, a review package). Strings are escaped by the writer, never by
// hand; reading goes through json::Parse (base/json.h).
//
//   json::Object("plate", plate, "reads", n, "hold", std::optional<std::string>{})
//     → {"plate":"7XK3J2","reads":4,"hold":null}
//
// Values: strings, integers, bools, doubles (shortest form that reads back
// exactly; round first for fewer digits; NaN and infinity as null), std::optional (null when
// empty), vectors and sets (arrays), json::Raw (text that is already JSON, such as a stored
// document) and nullptr (null).
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "base/json_writer_fwd.h"

namespace interdict::json {

static_assert(std::is_same_v<Writer, rapidjson::Writer<rapidjson::StringBuffer>>,
              "base/json_writer_fwd.h names another writer than RapidJSON's default");

// Text that is already one JSON value, written as it is.
struct Raw {
  std::string_view text;
};

inline void Key(Writer& w, std::string_view key) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}

inline void Put(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
inline void Put(Writer& w, const char* s) {
  Put(w, std::string_view(s));
}
inline void Put(Writer& w, const std::string& s) {
  Put(w, std::string_view(s));
}
inline void Put(Writer& w, bool b) {
  w.Bool(b);
}
// NaN and infinity are not JSON: they are written as null (RapidJSON would
// write nothing, leaving a key without a value).
inline void Put(Writer& w, double d) {
  if (std::isfinite(d)) {
    w.Double(d);
  } else {
    w.Null();
  }
}
inline void Put(Writer& w, std::nullptr_t) {
  w.Null();
}
inline void Put(Writer& w, Raw r) {
  w.RawValue(r.text.data(), r.text.size(), rapidjson::kObjectType);
}
template <std::integral T>
requires(!std::same_as<T, bool> && !std::same_as<T, char>) void Put(Writer& w, T n) {
  if constexpr (std::is_signed_v<T>) {
    w.Int64(static_cast<std::int64_t>(n));
  } else {
    w.Uint64(static_cast<std::uint64_t>(n));
  }
}
template <typename T>
void Put(Writer& w, const std::optional<T>& v) {
  if (!v) {
    w.Null();
    return;
  }
  Put(w, *v);
}
template <typename T>
void Put(Writer& w, const std::vector<T>& v) {
  w.StartArray();
  for (const T& x : v) Put(w, x);
  w.EndArray();
}
template <typename T>
void Put(Writer& w, const std::set<T>& v) {
  w.StartArray();
  for (const T& x : v) Put(w, x);
  w.EndArray();
}

// Members of an open object: key, value, key, value…
inline void Members(Writer&) {}
template <typename V, typename... Rest>
void Members(Writer& w, std::string_view key, const V& value, const Rest&... rest) {
  static_assert(sizeof...(Rest) % 2 == 0, "json::Members takes key, value pairs");
  Key(w, key);
  Put(w, value);
  Members(w, rest...);
}

// The document `fill(writer)` writes.
template <typename F>
std::string Write(F&& fill) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  fill(w);
  return std::string(buf.GetString(), buf.GetSize());
}

// [value, …].
template <typename T>
std::string Array(const std::vector<T>& values) {
  return Write([&](Writer& w) { Put(w, values); });
}

// {"key": value, …} from key, value pairs.
template <typename... KV>
std::string Object(const KV&... kv) {
  return Write([&](Writer& w) {
    w.StartObject();
    Members(w, kv...);
    w.EndObject();
  });
}

}  // namespace interdict::json
