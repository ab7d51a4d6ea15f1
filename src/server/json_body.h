// Request bodies as JSON objects: parse errors name the byte offset, missing
// or mistyped fields name the field. Responses from Status values.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "http/message.h"

namespace interdict::server {

class JsonBody {
 public:
  // InvalidArgument "body: invalid JSON at byte N: …" or "body: must be a JSON object".
  static Result<JsonBody> Parse(std::string_view body);
  JsonBody(JsonBody&&) noexcept;
  JsonBody& operator=(JsonBody&&) noexcept;
  ~JsonBody();

  // A string field; InvalidArgument naming it when absent (if required) or not a string.
  Result<std::string> String(std::string_view field) const;
  Result<std::optional<std::string>> OptionalString(std::string_view field) const;
  Result<std::optional<std::int64_t>> OptionalInt(std::string_view field) const;
  Result<std::optional<bool>> OptionalBool(std::string_view field) const;
  // Any JSON number (integer or not).
  Result<std::optional<double>> OptionalNumber(std::string_view field) const;
  // An RFC 3339 time as epoch milliseconds; InvalidArgument naming the field.
  Result<std::optional<std::int64_t>> OptionalTime(std::string_view field) const;
  // An array of strings; InvalidArgument naming the field (and the index).
  Result<std::vector<std::string>> StringArray(std::string_view field) const;
  Result<std::optional<std::vector<std::string>>> OptionalStringArray(std::string_view field) const;
  // An object whose members are all strings; InvalidArgument naming the
  // field (and the member) otherwise.
  Result<std::map<std::string, std::string>> StringMap(std::string_view field) const;

 private:
  struct Doc;
  explicit JsonBody(std::unique_ptr<Doc> d);
  std::unique_ptr<Doc> doc_;
};

// The HTTP response for a failed Status: InvalidArgument 400, Unauthenticated
// 401, PermissionDenied 403, NotFound 404, AlreadyExists and
// FailedPrecondition 409, anything else 500 (its message goes to the log, not
// the client).
http::Response ErrorResponse(const Status& s);

}  // namespace interdict::server
