// API answers written with json::Writer (base/json_writer.h), the one way
// Interdict writes JSON. Route files that answer with a document include this;
// request bodies are read by json_body.h.
#pragma once

#include <string_view>
#include <utility>
#include <vector>

#include "base/json_writer.h"
#include "http/message.h"

namespace interdict::server {

using json::Writer;

// A response of `status` whose body `fill` writes.
template <typename F>
http::Response JsonResponse(int status, F&& fill) {
  return http::Response::Json(status, json::Write(std::forward<F>(fill)));
}

// A response of `status` with the object of these key, value pairs.
template <typename... KV>
http::Response JsonObject(int status, const KV&... kv) {
  return http::Response::Json(status, json::Object(kv...));
}

// 200 {"<key>": [ item, ... ]}, each item written by `write(w, item)`.
template <typename T, typename F>
http::Response JsonList(std::string_view key, const std::vector<T>& items, F&& write) {
  return JsonResponse(200, [&](Writer& w) {
    w.StartObject();
    json::Key(w, key);
    w.StartArray();
    for (const T& item : items) write(w, item);
    w.EndArray();
    w.EndObject();
  });
}

}  // namespace interdict::server
