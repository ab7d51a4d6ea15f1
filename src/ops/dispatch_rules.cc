#include "ops/dispatch_rules.h"

#include <fmt/core.h>

#include "base/json_writer.h"
#include "base/utf8.h"

namespace interdict::ops {
namespace {

using identity::AuditAct;
using identity::Require;

constexpr std::size_t kMaxKinds = 20;

std::string Join(const std::set<std::string>& kinds) {
  std::string out;
  for (const std::string& k : kinds) out += (out.empty() ? "" : ",") + k;
  return out;
}

std::set<std::string> Split(std::string_view text) {
  std::set<std::string> out;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    if (comma != 0) out.emplace(text.substr(0, comma));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

Status CheckKinds(std::string_view field, const std::set<std::string>& kinds) {
  if (kinds.size() > kMaxKinds)
    return Status::InvalidArgument(fmt::format("{}: at most {} entry kinds", field, kMaxKinds));
  for (const std::string& k : kinds) {
    const bool ok =
        !k.empty() && k.size() <= 16 &&
        k.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == std::string::npos;
    if (!ok)
      return Status::InvalidArgument(
          fmt::format("{}: '{}' is not an entry kind (1-16 of A-Z, 0-9, '_', '-')", field, k));
  }
  return Status::Ok();
}

}  // namespace

DispatchRules DefaultDispatchRules() {
  DispatchRules r;
  r.policy =
      "Interdict suggests where units may stage ahead of the vehicle, never a pursuit. Follow "
      "your agency's vehicle pursuit policy, and confirm the entry with its source before any "
      "stop.";
  // A wanted person may run on foot (a K-9 team) and may be armed (a medic).
  r.k9_kinds = {"W"};
  r.medic_kinds = {"W"};
  return r;
}

Result<DispatchRules> GetDispatchRules(catalog::Database& db, const identity::Principal& p) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "units.read"));
  Result<catalog::Statement> q = db.Query(
      "SELECT policy, aircraft_kinds, k9_kinds, medic_kinds, changed_at, changed_by FROM "
      "dispatch_rules WHERE agency_id = ?1",
      p.agency_id);
  if (!q.ok()) return q.status();
  if (!q->has_row()) return DefaultDispatchRules();
  DispatchRules r;
  r.policy = q->Text(0);
  r.aircraft_kinds = Split(q->Text(1));
  r.k9_kinds = Split(q->Text(2));
  r.medic_kinds = Split(q->Text(3));
  r.defaults = false;
  r.changed_at = q->Int(4);
  r.changed_by = q->Text(5);
  return r;
}

Status SetDispatchRules(catalog::Database& db, const identity::Principal& p, const DispatchRules& r,
                        std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "units.manage"));
  if (const std::size_t bad = FindInvalidUtf8(r.policy); bad != std::string::npos)
    return Status::InvalidArgument(fmt::format("policy: not UTF-8 at byte {}", bad));
  const std::size_t chars = Utf8Length(r.policy);
  if (chars < 20 || chars > 2000)
    return Status::InvalidArgument("policy: 20 to 2,000 characters of text");
  INTERDICT_RETURN_IF_ERROR(CheckKinds("aircraft_kinds", r.aircraft_kinds));
  INTERDICT_RETURN_IF_ERROR(CheckKinds("k9_kinds", r.k9_kinds));
  INTERDICT_RETURN_IF_ERROR(CheckKinds("medic_kinds", r.medic_kinds));
  return db.Transaction([&]() -> Status {
    Result<catalog::Statement> up = db.Prepare(
        "INSERT INTO dispatch_rules (agency_id, policy, aircraft_kinds, k9_kinds, medic_kinds, "
        "changed_at, changed_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (agency_id) DO "
        "UPDATE SET policy = excluded.policy, aircraft_kinds = excluded.aircraft_kinds, k9_kinds "
        "= excluded.k9_kinds, medic_kinds = excluded.medic_kinds, changed_at = "
        "excluded.changed_at, changed_by = excluded.changed_by");
    if (!up.ok()) return up.status();
    up->Bind(1, p.agency_id).Bind(2, r.policy).Bind(3, Join(r.aircraft_kinds));
    up->Bind(4, Join(r.k9_kinds)).Bind(5, Join(r.medic_kinds)).Bind(6, now).Bind(7, p.Actor());
    INTERDICT_RETURN_IF_ERROR(up->Run());
    return AuditAct(db, p, "dispatch.rules", true,
                    json::Object("aircraft_kinds", Join(r.aircraft_kinds), "k9_kinds",
                                 Join(r.k9_kinds), "medic_kinds", Join(r.medic_kinds)),
                    now);
  });
}

}  // namespace interdict::ops
