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

Result<std::vector<TargetReadNotice>> RecordTargetReads(catalog::Database& db,
                                                        const std::vector<TargetRead>& reads,
                                                        std::int64_t now) {
  std::vector<TargetReadNotice> out;
  Status st = db.Transaction([&]() -> Status {
    out.clear();
    std::map<std::string, std::int64_t> agency_ids;  // camera agency code → id
    for (const TargetRead& r : reads) {
      auto id = agency_ids.find(r.camera_agency);
      if (id == agency_ids.end()) {
        Result<catalog::Statement> q =
            db.Query("SELECT id FROM agencies WHERE code = ?1", r.camera_agency);
        if (!q.ok()) return q.status();
        if (!q->has_row()) continue;
        id = agency_ids.emplace(r.camera_agency, q->Int(0)).first;
      }
      Result<identity::Principal> owner = AgencyAsRequester(db, r.owner);
      if (!owner.ok()) return owner.status();
      Result<std::string> why =
          policy::WhyNotVisible(db, *owner, id->second, policy::DataClass::kReads, now);
      if (!why.ok()) return why.status();
      if (!why->empty()) continue;  // the owner may not see that agency's reads
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
      e.touched = {r.owner, id->second};
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
