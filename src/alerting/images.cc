#include "alerting/images.h"

#include <map>

#include <fmt/core.h>

#include "alerting/retention_audit.h"
#include "audit/audit.h"

namespace interdict::alerting {

Status RecordImage(catalog::Database& db, std::int64_t agency_id, const std::string& address,
                   const std::string& content_type, std::size_t bytes, std::int64_t now) {
  Result<catalog::Statement> ins = db.Prepare(
      "INSERT INTO images (address, agency_id, content_type, bytes, created_at) VALUES "
      "(?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING");
  if (!ins.ok()) return ins.status();
  ins->Bind(1, address)
      .Bind(2, agency_id)
      .Bind(3, content_type)
      .Bind(4, static_cast<std::int64_t>(bytes))
      .Bind(5, now);
  return ins->Run();
}

Result<bool> AgencyHoldsImage(catalog::Database& db, std::int64_t agency_id,
                              const std::string& address) {
  Result<catalog::Statement> q =
      db.Prepare("SELECT 1 FROM images WHERE address = ?1 AND agency_id = ?2");
  if (!q.ok()) return q.status();
  q->Bind(1, address).Bind(2, agency_id);
  return q->Step();
}

Result<std::string> ImageContentType(catalog::Database& db, const std::string& address) {
  Result<catalog::Statement> q =
      db.Query("SELECT content_type FROM images WHERE address = ?1 LIMIT 1", address);
  if (!q.ok()) return q.status();
  if (!q->has_row()) return Status::NotFound(fmt::format("no image {}", address));
  return q->Text(0);
}

Status RecordImageReads(catalog::Database& db, const std::vector<ImageRead>& reads) {
  if (reads.empty()) return Status::Ok();
  return db.Transaction([&]() -> Status {
    Result<catalog::Statement> ins = db.Prepare(
        "INSERT INTO image_reads (address, agency_id, plate, camera, read_time) VALUES (?1, ?2, "
        "?3, ?4, ?5)");
    if (!ins.ok()) return ins.status();
    for (const ImageRead& r : reads) {
      ins->Bind(1, r.address).Bind(2, r.agency_id).Bind(3, r.plate).Bind(4, r.camera);
      ins->Bind(5, r.read_time);
      INTERDICT_RETURN_IF_ERROR(ins->Run());
      ins->Reset();
    }
    return Status::Ok();
  });
}

Result<std::vector<std::string>> ExpireImages(catalog::Database& db, std::int64_t now, int limit) {
  std::vector<std::string> gone;
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    Result<catalog::Statement> q = db.Prepare(
        "SELECT i.address, i.agency_id FROM images i JOIN retention r ON r.agency_id = "
        "i.agency_id AND r.data_class = 'images' WHERE i.created_at < ?1 - r.period_ms AND NOT "
        "EXISTS (SELECT 1 FROM hit_images h WHERE h.address = i.address) AND NOT EXISTS (SELECT "
        "1 FROM image_reads ir JOIN holds k ON k.agency_id = ir.agency_id AND k.released_at IS "
        "NULL AND k.expires_at > ?1 AND (k.plate IS NULL OR k.plate = ir.plate) AND (k.camera "
        "IS NULL OR k.camera = ir.camera) AND (k.window_from IS NULL OR ir.read_time >= "
        "k.window_from) AND (k.window_to IS NULL OR ir.read_time < k.window_to) WHERE "
        "ir.address = i.address AND ir.agency_id = i.agency_id) LIMIT ?2");
    if (!q.ok()) return q.status();
    q->Bind(1, now).Bind(2, std::int64_t{limit});
    std::vector<std::pair<std::string, std::int64_t>> expired;
    for (;;) {
      Result<bool> row = q->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      expired.emplace_back(q->Text(0), q->Int(1));
    }
    std::map<std::int64_t, std::int64_t> by_agency;
    for (const auto& [address, agency] : expired) {
      for (const char* sql : {"DELETE FROM images WHERE address = ?1 AND agency_id = ?2",
                              "DELETE FROM image_reads WHERE address = ?1 AND agency_id = ?2"}) {
        Result<catalog::Statement> del = db.Prepare(sql);
        if (!del.ok()) return del.status();
        del->Bind(1, address).Bind(2, agency);
        INTERDICT_RETURN_IF_ERROR(del->Run());
      }
      ++by_agency[agency];
      Result<catalog::Statement> left =
          db.Query("SELECT 1 FROM images WHERE address = ?1", address);
      if (!left.ok()) return left.status();
      if (!left->has_row()) gone.push_back(address);
    }
    INTERDICT_RETURN_IF_ERROR(AuditPurges(db, by_agency, "images", now));
    return Status::Ok();
  }));
  return gone;
}

}  // namespace interdict::alerting
