#include "catalog/database.h"

#include <algorithm>

#include <fmt/core.h>

#include "catalog/engines.h"

namespace interdict::catalog {

Result<Location> Location::Parse(std::string_view text) {
  constexpr std::string_view kSqlite = "sqlite:";
  constexpr std::string_view kPostgres = "postgresql:";
  if (text.starts_with(kSqlite) && text.size() > kSqlite.size())
    return Sqlite(std::string(text.substr(kSqlite.size())));
  if (text.starts_with(kPostgres) && text.size() > kPostgres.size()) {
    // "postgresql://…" is a libpq URL as it stands; "postgresql:host=…" a keyword string.
    std::string_view rest = text.substr(kPostgres.size());
    return Postgres(rest.starts_with("//") ? std::string(text) : std::string(rest));
  }
  return Status::InvalidArgument(
      fmt::format("catalog location '{}': expected sqlite:PATH or postgresql:CONNINFO", text));
}

bool IsSealedValue(std::string_view value) {
  return value.substr(0, 7) == "sealed:";
}

Result<std::string> Database::OpenValue(std::string_view column, std::string value) const {
  if (!IsSealedValue(value)) return value;
  if (sealer_ == nullptr) {
    return Status::FailedPrecondition(
        fmt::format("{} is sealed, and this catalog connection has no keys "
                    "(encryption.master_key_file)",
                    column));
  }
  return sealer_->Open(column, value);
}

std::string Location::Describe() const {
  if (engine == Engine::kSqlite) return target;
  // Drop a password from "password=…" keywords and from "user:password@" in a URL.
  std::string out;
  std::string_view s = target;
  for (std::size_t i = 0; i < s.size();) {
    if (s.substr(i).starts_with("password=")) {
      // The value: a quoted string (with \' and \\ escapes), or up to a space
      // (keyword form) or an ampersand (a URL's parameters).
      std::size_t end = i + 9;
      if (end < s.size() && s[end] == '\'') {
        for (++end; end < s.size() && s[end] != '\''; ++end)
          if (s[end] == '\\') ++end;
        end = std::min(end + 1, s.size());
      } else {
        end = std::min(s.find(' ', end), s.find('&', end));
        if (end == std::string_view::npos) end = s.size();
      }
      out += "password=***";
      i = end;
      continue;
    }
    out += s[i++];
  }
  const std::size_t scheme = out.find("://");
  const std::size_t at = out.find('@');
  if (scheme != std::string::npos && at != std::string::npos && at > scheme) {
    const std::size_t colon = out.find(':', scheme + 3);
    if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
  }
  return "postgresql:" + out;
}

Result<std::unique_ptr<Database>> Database::Open(const Location& where) {
  return where.engine == Engine::kSqlite ? internal::OpenSqlite(where.target, false)
                                         : internal::OpenPostgres(where, false);
}

Result<std::unique_ptr<Database>> Database::OpenReadOnly(const Location& where) {
  return where.engine == Engine::kSqlite ? internal::OpenSqlite(where.target, true)
                                         : internal::OpenPostgres(where, true);
}

}  // namespace interdict::catalog
