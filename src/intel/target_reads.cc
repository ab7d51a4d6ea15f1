#include "intel/target_reads.h"

#include <fmt/core.h>

#include <map>

#include "audit/audit.h"
#include "base/json_writer.h"
#include "base/time_format.h"
#include "identity/accounts.h"
#include "policy/sharing.h"

namespace interdict::intel {
namespace {

// The owner agency as a requester of reads, for the sharing rules.
Result<identity::Principal> AgencyAsRequester(catalog::Database& db, std::int64_t agency) {
  Result<catalog::Statement> q =
      db.Query("SELECT code, state, kind FROM agencies WHERE id = ?1", agency);
  if (!q.ok()) return q.status();
  if (!q->has_row()) return Status::NotFound(fmt::format("no agency {}", agency));
  identity::Principal p;
  p.agency_id = agency;
  p.agency_code = q->Text(0);
  p.agency_state = q->Text(1);
  p.agency_kind = q->Text(2);
  return p;
}

}  // namespace

Result<bool> ReadsVisibility::MaySee(std::int64_t owner, const std::string& camera_agency) {
  if (auto known = known_.find({owner, camera_agency}); known != known_.end()) return known->second;
  Result<catalog::Statement> q =
      db_.Query("SELECT id FROM agencies WHERE code = ?1", camera_agency);
  if (!q.ok()) return q.status();
  bool may = false;
  if (q->has_row()) {
    const std::int64_t id = q->Int(0);
    may = id == owner;
    if (!may) {
      Result<identity::Principal> requester = AgencyAsRequester(db_, owner);
      if (!requester.ok()) return requester.status();
      Result<std::string> why =
          policy::WhyNotVisible(db_, *requester, id, policy::DataClass::kReads, now_);
      if (!why.ok()) return why.status();
      may = why->empty();
    }
  }
  known_.emplace(std::pair{owner, camera_agency}, may);
  return may;
}

Result<std::vector<TargetReadNotice>> RecordTargetReads(catalog::Database& db,
                                                        const std::vector<TargetRead>& reads,
                                                        std::int64_t now) {
  std::vector<TargetReadNotice> out;
  Status st = db.Transaction([&]() -> Status {
    out.clear();
    ReadsVisibility visible(db, now);
    for (const TargetRead& r : reads) {
      Result<bool> may = visible.MaySee(r.owner, r.camera_agency);
      if (!may.ok()) return may.status();
      if (!*may) continue;  // the owner may not see that agency's reads
      Result<catalog::Statement> t = db.Query(
          "SELECT case_number FROM targets WHERE id = ?1 AND removed_at IS NULL", r.target);
      if (!t.ok()) return t.status();
      if (!t->has_row()) continue;  // removed since the index was loaded
      const std::string case_number = t->Text(0);
      INTERDICT_RETURN_IF_ERROR(policy::AddNotice(
          db, r.owner, "target",
          fmt::format("Target plate {} (target {}, case {}) read by {} camera {} at {}.", r.plate,
                      r.target, case_number, r.camera_agency, r.camera, FormatRfc3339(r.time)),
          "", now));
      audit::Entry e;
      e.time = now;
      e.actor = "system";
      e.agency = r.owner;
      e.event = "target.read";
      e.details = json::Object("target", r.target, "plate", r.plate, "agency", r.camera_agency,
                               "camera", r.camera, "time", FormatRfc3339(r.time));
      Result<catalog::Statement> camera_agency =
          db.Query("SELECT id FROM agencies WHERE code = ?1", r.camera_agency);
      if (!camera_agency.ok()) return camera_agency.status();
      e.touched = {r.owner, camera_agency->Int(0)};
      INTERDICT_RETURN_IF_ERROR(audit::Append(db, e));
      out.push_back({r.owner, json::Object("target", r.target, "case", case_number, "plate",
                                           r.plate, "agency", r.camera_agency, "camera", r.camera,
                                           "time", FormatRfc3339(r.time))});
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

}  // namespace interdict::intel
