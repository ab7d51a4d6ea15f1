#include "intel/expiry.h"

#include "audit/audit.h"
#include "base/json_writer.h"
#include "catalog/changes.h"

namespace interdict::intel {

Result<std::int64_t> ExpireDue(catalog::Database& db, std::string_view topic,
                               std::string_view event, std::string_view what, std::int64_t now,
                               const std::function<Result<std::int64_t>()>& expire) {
  std::int64_t n = 0;
  Status st = db.Transaction([&]() -> Status {
    Result<std::int64_t> ended = expire();
    if (!ended.ok()) return ended.status();
    n = *ended;
    if (n == 0) return Status::Ok();
    Result<std::int64_t> gen = catalog::NoteChange(db, topic, now);
    if (!gen.ok()) return gen.status();
    audit::Entry e;
    e.time = now;
    e.actor = "system";
    e.event = std::string(event);
    e.details = json::Object(what, n);
    return audit::Append(db, e);
  });
  if (!st.ok()) return st;
  return n;
}

}  // namespace interdict::intel
