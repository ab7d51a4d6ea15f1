#include "oversight/read_counts.h"

#include <fmt/core.h>

#include "identity/directory.h"

namespace interdict::oversight {

std::int64_t UtcDay(std::int64_t ms) {
  constexpr std::int64_t kDay = 86'400'000;
  return ms >= 0 ? ms / kDay : -((-ms + kDay - 1) / kDay);
}

DayKeys KeysOf(const std::vector<read::Read>& reads) {
  DayKeys keys;
  keys.reserve(reads.size());
  for (const read::Read& r : reads) keys.push_back({r.agency, r.camera, UtcDay(r.time)});
  return keys;
}

void Count(const DayKeys& keys, const std::vector<bool>& kept, DayCounts& counts) {
  for (std::size_t i = 0; i < keys.size() && i < kept.size(); ++i) {
    if (kept[i]) ++counts[keys[i]];
  }
}

Status AddReadCounts(catalog::Database& db, const DayCounts& counts) {
  if (counts.empty()) return Status::Ok();
  return db.Transaction([&]() -> Status {
    Result<catalog::Statement> up = db.Prepare(
        "INSERT INTO read_counts (agency_id, camera, day, reads) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (agency_id, day, camera) DO UPDATE SET reads = read_counts.reads + "
        "excluded.reads");
    if (!up.ok()) return up.status();
    std::string last;
    std::int64_t agency = 0;
    for (const auto& [key, n] : counts) {
      if (key.agency != last) {
        Result<std::optional<identity::AgencyRef>> found = identity::FindAgency(db, key.agency);
        if (!found.ok()) return found.status();
        if (!*found) return Status::NotFound(fmt::format("read counts: no agency {}", key.agency));
        agency = (*found)->id;
        last = key.agency;
      }
      up->Reset();
      up->Bind(1, agency).Bind(2, key.camera).Bind(3, key.day).Bind(4, n);
      INTERDICT_RETURN_IF_ERROR(up->Run());
    }
    return Status::Ok();
  });
}

void ReadCounter::Add(const std::vector<read::Read>& reads, const std::vector<bool>& kept) {
  // On the ingest path: a batch is mostly runs of one camera and day, so
  // count runs and touch the map (and copy the names) once per run.
  DayCounts local;
  std::int64_t run = 0;
  const read::Read* first = nullptr;
  std::int64_t day = 0;
  auto close = [&] {
    if (run > 0) local[{first->agency, first->camera, day}] += run;
    run = 0;
  };
  for (std::size_t i = 0; i < reads.size() && i < kept.size(); ++i) {
    if (!kept[i]) continue;
    const read::Read& r = reads[i];
    const std::int64_t d = UtcDay(r.time);
    if (run == 0 || d != day || r.camera != first->camera || r.agency != first->agency) {
      close();
      first = &r;
      day = d;
    }
    ++run;
  }
  close();
  if (local.empty()) return;
  std::lock_guard l(mu_);
  for (const auto& [key, n] : local) pending_[key] += n;
}

bool ReadCounter::Empty() {
  std::lock_guard l(mu_);
  return pending_.empty();
}

Status ReadCounter::Flush(catalog::Database& db) {
  DayCounts taken;
  {
    std::lock_guard l(mu_);
    taken.swap(pending_);
  }
  Status st = AddReadCounts(db, taken);
  if (!st.ok()) {
    std::lock_guard l(mu_);
    for (const auto& [key, n] : taken) pending_[key] += n;
  }
  return st;
}

}  // namespace interdict::oversight
