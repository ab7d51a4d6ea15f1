#include "server/json_body.h"

#include <fmt/core.h>
#include <rapidjson/document.h>

#include "base/json.h"
#include "base/time_format.h"

namespace interdict::server {

struct JsonBody::Doc {
  rapidjson::Document d;
};

JsonBody::JsonBody(std::unique_ptr<Doc> d) : doc_(std::move(d)) {}
JsonBody::JsonBody(JsonBody&&) noexcept = default;
JsonBody& JsonBody::operator=(JsonBody&&) noexcept = default;
JsonBody::~JsonBody() = default;

Result<JsonBody> JsonBody::Parse(std::string_view body) {
  auto doc = std::make_unique<Doc>();
  if (Status s = json::Parse(body, &doc->d); !s.ok()) return s.WithContext("body: ");
  if (!doc->d.IsObject()) return Status::InvalidArgument("body: must be a JSON object");
  return JsonBody(std::move(doc));
}

Result<std::optional<std::string>> JsonBody::OptionalString(std::string_view field) const {
  const auto it = doc_->d.FindMember(
      rapidjson::Value(field.data(), static_cast<rapidjson::SizeType>(field.size())));
  if (it == doc_->d.MemberEnd() || it->value.IsNull()) return std::optional<std::string>();
  if (!it->value.IsString())
    return Status::InvalidArgument(fmt::format("{}: must be a string", field));
  return std::optional<std::string>(
      std::string(it->value.GetString(), it->value.GetStringLength()));
}

Result<std::string> JsonBody::String(std::string_view field) const {
  Result<std::optional<std::string>> v = OptionalString(field);
  if (!v.ok()) return v.status();
  if (!*v) return Status::InvalidArgument(fmt::format("{}: required", field));
  return **v;
}

Result<std::optional<std::int64_t>> JsonBody::OptionalInt(std::string_view field) const {
  const auto it = doc_->d.FindMember(
      rapidjson::Value(field.data(), static_cast<rapidjson::SizeType>(field.size())));
  if (it == doc_->d.MemberEnd() || it->value.IsNull()) return std::optional<std::int64_t>();
  if (!it->value.IsInt64())
    return Status::InvalidArgument(fmt::format("{}: must be an integer", field));
  return std::optional<std::int64_t>(it->value.GetInt64());
}

Result<std::optional<bool>> JsonBody::OptionalBool(std::string_view field) const {
  const auto it = doc_->d.FindMember(
      rapidjson::Value(field.data(), static_cast<rapidjson::SizeType>(field.size())));
  if (it == doc_->d.MemberEnd() || it->value.IsNull()) return std::optional<bool>();
  if (!it->value.IsBool())
    return Status::InvalidArgument(fmt::format("{}: must be true or false", field));
  return std::optional<bool>(it->value.GetBool());
}

Result<std::optional<double>> JsonBody::OptionalNumber(std::string_view field) const {
  const auto it = doc_->d.FindMember(
      rapidjson::Value(field.data(), static_cast<rapidjson::SizeType>(field.size())));
  if (it == doc_->d.MemberEnd() || it->value.IsNull()) return std::optional<double>();
  if (!it->value.IsNumber())
    return Status::InvalidArgument(fmt::format("{}: must be a number", field));
  return std::optional<double>(it->value.GetDouble());
}

Result<std::optional<std::int64_t>> JsonBody::OptionalTime(std::string_view field) const {
  Result<std::optional<std::string>> s = OptionalString(field);
  if (!s.ok()) return s.status();
  if (!*s) return std::optional<std::int64_t>();
  Result<UnixMillis> t = ParseRfc3339(**s);
  if (!t.ok()) return Status::InvalidArgument(fmt::format("{}: {}", field, t.status().message()));
  return std::optional<std::int64_t>(*t);
}

Result<std::optional<std::vector<std::string>>> JsonBody::OptionalStringArray(
    std::string_view field) const {
  const auto it = doc_->d.FindMember(
      rapidjson::Value(field.data(), static_cast<rapidjson::SizeType>(field.size())));
  if (it == doc_->d.MemberEnd() || it->value.IsNull())
    return std::optional<std::vector<std::string>>();
  if (!it->value.IsArray())
    return Status::InvalidArgument(fmt::format("{}: must be an array of strings", field));
  std::vector<std::string> out;
  for (rapidjson::SizeType i = 0; i < it->value.Size(); ++i) {
    const auto& v = it->value[i];
    if (!v.IsString())
      return Status::InvalidArgument(fmt::format("{}[{}]: must be a string", field, i));
    out.emplace_back(v.GetString(), v.GetStringLength());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

Result<std::vector<std::string>> JsonBody::StringArray(std::string_view field) const {
  Result<std::optional<std::vector<std::string>>> v = OptionalStringArray(field);
  if (!v.ok()) return v.status();
  if (!*v) return Status::InvalidArgument(fmt::format("{}: required", field));
  return **v;
}

Result<std::map<std::string, std::string>> JsonBody::StringMap(std::string_view field) const {
  const auto it = doc_->d.FindMember(
      rapidjson::Value(field.data(), static_cast<rapidjson::SizeType>(field.size())));
  if (it == doc_->d.MemberEnd() || it->value.IsNull())
    return Status::InvalidArgument(fmt::format("{}: required", field));
  if (!it->value.IsObject())
    return Status::InvalidArgument(fmt::format("{}: must be an object of strings", field));
  std::map<std::string, std::string> out;
  for (const auto& m : it->value.GetObject()) {
    const std::string name(m.name.GetString(), m.name.GetStringLength());
    if (!m.value.IsString())
      return Status::InvalidArgument(fmt::format("{}.{}: must be a string", field, name));
    out[name] = std::string(m.value.GetString(), m.value.GetStringLength());
  }
  return out;
}

http::Response ErrorResponse(const Status& s) {
  // The status's own reason when it has one, else the kind's generic code.
  const auto code = [&](std::string_view generic) -> std::string_view {
    return s.reason().empty() ? generic : s.reason();
  };
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
      return http::Response::Error(400, code("invalid_request"), s.message());
    case StatusCode::kUnauthenticated:
      return http::Response::Error(401, code("unauthenticated"), s.message());
    case StatusCode::kPermissionDenied:
      return http::Response::Error(403, code("forbidden"), s.message());
    case StatusCode::kNotFound: return http::Response::Error(404, code("not_found"), s.message());
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
      return http::Response::Error(409, code("conflict"), s.message());
    default:
      return http::Response::Error(500, "internal", "internal error; the server log has details");
  }
}

}  // namespace interdict::server
