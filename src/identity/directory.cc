#include "identity/directory.h"

#include <fmt/core.h>

namespace interdict::identity {

Result<std::optional<AgencyRef>> FindAgency(catalog::Database& db, std::string_view code) {
  Result<catalog::Statement> q =
      db.Query("SELECT id, code, state, kind FROM agencies WHERE code = ?1", code);
  if (!q.ok()) return q.status();
  if (!q->has_row()) return std::optional<AgencyRef>();
  return std::optional<AgencyRef>(AgencyRef{q->Int(0), q->Text(1), q->Text(2), q->Text(3)});
}

Result<AgencyRef> AgencyById(catalog::Database& db, std::int64_t id) {
  Result<catalog::Statement> q =
      db.Query("SELECT id, code, state, kind FROM agencies WHERE id = ?1", id);
  if (!q.ok()) return q.status();
  if (!q->has_row()) return Status::NotFound(fmt::format("no agency {}", id));
  return AgencyRef{q->Int(0), q->Text(1), q->Text(2), q->Text(3)};
}

Result<std::map<std::int64_t, std::string>> AgencyCodes(catalog::Database& db) {
  Result<catalog::Statement> q = db.Prepare("SELECT id, code FROM agencies");
  if (!q.ok()) return q.status();
  std::map<std::int64_t, std::string> out;
  INTERDICT_RETURN_IF_ERROR(
      q->ForEach([&](const catalog::Statement& row) { out[row.Int(0)] = row.Text(1); }));
  return out;
}

Result<std::map<std::string, std::string>> ActorNames(catalog::Database& db) {
  std::map<std::string, std::string> out;
  for (const auto& [prefix, sql] :
       {std::pair{"user:", "SELECT id, username FROM users"},
        std::pair{"integration:", "SELECT id, name FROM integrations"}}) {
    Result<catalog::Statement> q = db.Prepare(sql);
    if (!q.ok()) return q.status();
    const std::string kind = prefix;  // clang 14 cannot capture a structured binding
    INTERDICT_RETURN_IF_ERROR(q->ForEach([&](const catalog::Statement& row) {
      out[kind + std::to_string(row.Int(0))] = row.Text(1);
    }));
  }
  return out;
}

}  // namespace interdict::identity
