#include "alerting/images.h"

#include <map>

#include <fmt/core.h>

#include "alerting/retention_audit.h"
#include "audit/audit.h"
#include "crypto/crypto.h"

namespace interdict::alerting {

Status RecordImage(catalog::Database& db, std::int64_t agency_id, const std::string& address,
                   const std::string& content_type, std::size_t bytes, std::int64_t now,
                   const std::string& key_id) {
  Result<catalog::Statement> ins = db.Prepare(
      "INSERT INTO images (address, agency_id, content_type, bytes, created_at, key_id) VALUES "
      "(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING");
  if (!ins.ok()) return ins.status();
  ins->Bind(1, address)
      .Bind(2, agency_id)
      .Bind(3, content_type)
      .Bind(4, static_cast<std::int64_t>(bytes))
      .Bind(5, now);
  if (key_id.empty()) {
    ins->BindNull(6);
  } else {
    ins->Bind(6, key_id);
  }
  return ins->Run();
}

namespace {

Result<std::string> AgencyCode(catalog::Database& db, std::int64_t agency_id) {
  Result<catalog::Statement> q = db.Query("SELECT code FROM agencies WHERE id = ?1", agency_id);
  if (!q.ok()) return q.status();
  if (!q->has_row()) return Status::NotFound(fmt::format("no agency {}", agency_id));
  return q->Text(0);
}

// The agency's image retention; negative when it has none (kept without limit).
Result<std::int64_t> ImageRetentionMs(catalog::Database& db, std::int64_t agency_id) {
  Result<catalog::Statement> q = db.Query(
      "SELECT period_ms FROM retention WHERE agency_id = ?1 AND data_class = 'images'", agency_id);
  if (!q.ok()) return q.status();
  return q->has_row() ? q->Int(0) : std::int64_t{-1};
}

}  // namespace

Result<std::string> StoreImage(catalog::Database& db, media::ImageStore& images,
                               crypto::KeyRing* keys, std::int64_t agency_id,
                               std::string_view bytes, std::int64_t now) {
  Result<media::CheckedImage> image = media::ImageStore::Check(bytes);  // hashed once
  if (!image.ok()) return image.status();
  const std::string& address = image->address();
  const std::string& type = image->content_type();
  if (keys == nullptr) {
    Result<std::string> stored = images.Put(*image);
    if (!stored.ok()) return stored;
    INTERDICT_RETURN_IF_ERROR(RecordImage(db, agency_id, address, type, bytes.size(), now));
    return stored;
  }
  Result<std::string> agency = AgencyCode(db, agency_id);
  if (!agency.ok()) return agency.status();
  // A copy the agency already holds keeps its key (its row names it); a
  // plain copy from before encryption was on is sealed now.
  Result<catalog::Statement> held = db.Query(
      "SELECT key_id FROM images WHERE address = ?1 AND agency_id = ?2", address, agency_id);
  if (!held.ok()) return held.status();
  std::shared_ptr<const crypto::DataKey> key;
  if (held->has_row() && !held->IsNull(0)) {
    Result<std::shared_ptr<const crypto::DataKey>> k = keys->Find(held->Text(0));
    if (!k.ok()) return k.status();
    key = *k;
    if (images.ContainsSealed(address, *agency)) return address;
  } else {
    Result<std::int64_t> retention = ImageRetentionMs(db, agency_id);
    if (!retention.ok()) return retention.status();
    const std::int64_t length = crypto::BucketLengthMs(*retention);
    const std::int64_t start = crypto::BucketStart(now, length);
    Result<std::shared_ptr<const crypto::DataKey>> k =
        keys->ForBucket(*agency, "images", start, start + length, now);
    if (!k.ok()) return k.status();
    key = *k;
  }
  Result<std::string> stored = images.PutSealed(*image, *agency, *key);
  if (!stored.ok()) return stored;
  if (held->has_row()) {
    Result<catalog::Statement> up =
        db.Prepare("UPDATE images SET key_id = ?1 WHERE address = ?2 AND agency_id = ?3");
    if (!up.ok()) return up.status();
    up->Bind(1, key->id).Bind(2, address).Bind(3, agency_id);
    INTERDICT_RETURN_IF_ERROR(up->Run());
    // The shared plain file goes once no agency holds the image in plain.
    Result<catalog::Statement> plain =
        db.Query("SELECT 1 FROM images WHERE address = ?1 AND key_id IS NULL", address);
    if (!plain.ok()) return plain.status();
    if (!plain->has_row()) INTERDICT_RETURN_IF_ERROR(images.Remove(address));
  } else {
    INTERDICT_RETURN_IF_ERROR(
        RecordImage(db, agency_id, address, type, bytes.size(), now, key->id));
  }
  return stored;
}

Result<HeldImage> FindHeldImage(catalog::Database& db, std::int64_t agency_id,
                                const std::string& address) {
  Result<catalog::Statement> q = db.Query(
      "SELECT i.content_type, a.code, i.key_id IS NOT NULL FROM images i JOIN agencies a ON "
      "a.id = i.agency_id WHERE i.address = ?1 AND i.agency_id = ?2",
      address, agency_id);
  if (!q.ok()) return q.status();
  if (!q->has_row()) return Status::NotFound(fmt::format("no image {}", address));
  return HeldImage{address, q->Text(0), q->Text(1), q->Int(2) != 0};
}

Result<std::string> ReadHeldImage(const media::ImageStore& images, const crypto::KeyRing* keys,
                                  const HeldImage& image) {
  if (!image.sealed) return images.Get(image.address);
  if (keys == nullptr) {
    return Status::FailedPrecondition(
        fmt::format("image {} is sealed and encryption is not configured", image.address));
  }
  return images.GetSealed(image.address, image.agency, *keys);
}

Status RemoveImageFile(media::ImageStore& images, const ImageFile& file) {
  return file.agency.empty() ? images.Remove(file.address)
                             : images.RemoveSealed(file.address, file.agency);
}

Result<bool> AgencyHoldsImage(catalog::Database& db, std::int64_t agency_id,
                              const std::string& address) {
  Result<catalog::Statement> q =
      db.Prepare("SELECT 1 FROM images WHERE address = ?1 AND agency_id = ?2");
  if (!q.ok()) return q.status();
  q->Bind(1, address).Bind(2, agency_id);
  return q->Step();
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

Result<std::vector<ImageFile>> ExpireImages(catalog::Database& db, std::int64_t now, int limit) {
  std::vector<ImageFile> gone;
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    Result<catalog::Statement> q = db.Prepare(
        "SELECT i.address, i.agency_id, a.code, i.key_id IS NOT NULL FROM images i JOIN "
        "agencies a ON a.id = i.agency_id JOIN retention r ON r.agency_id = i.agency_id AND "
        "r.data_class = 'images' WHERE i.created_at < ?1 - r.period_ms AND NOT "
        "EXISTS (SELECT 1 FROM hit_images h WHERE h.address = i.address) AND NOT EXISTS (SELECT "
        "1 FROM image_reads ir JOIN holds k ON k.agency_id = ir.agency_id AND k.released_at IS "
        "NULL AND k.expires_at > ?1 AND (k.plate IS NULL OR k.plate = ir.plate) AND (k.camera "
        "IS NULL OR k.camera = ir.camera) AND (k.window_from IS NULL OR ir.read_time >= "
        "k.window_from) AND (k.window_to IS NULL OR ir.read_time < k.window_to) WHERE "
        "ir.address = i.address AND ir.agency_id = i.agency_id) LIMIT ?2");
    if (!q.ok()) return q.status();
    q->Bind(1, now).Bind(2, std::int64_t{limit});
    struct Expired {
      std::string address;
      std::int64_t agency = 0;
      std::string code;
      bool sealed = false;
    };
    std::vector<Expired> expired;
    for (;;) {
      Result<bool> row = q->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      expired.push_back({q->Text(0), q->Int(1), q->Text(2), q->Int(3) != 0});
    }
    std::map<std::int64_t, std::int64_t> by_agency;
    for (const auto& [address, agency, code, sealed] : expired) {
      for (const char* sql : {"DELETE FROM images WHERE address = ?1 AND agency_id = ?2",
                              "DELETE FROM image_reads WHERE address = ?1 AND agency_id = ?2"}) {
        Result<catalog::Statement> del = db.Prepare(sql);
        if (!del.ok()) return del.status();
        del->Bind(1, address).Bind(2, agency);
        INTERDICT_RETURN_IF_ERROR(del->Run());
      }
      ++by_agency[agency];
      if (sealed) {
        gone.push_back({address, code});
        continue;
      }
      Result<catalog::Statement> left =
          db.Query("SELECT 1 FROM images WHERE address = ?1 AND key_id IS NULL", address);
      if (!left.ok()) return left.status();
      if (!left->has_row()) gone.push_back({address, {}});
    }
    INTERDICT_RETURN_IF_ERROR(AuditPurges(db, by_agency, "images", now));
    return Status::Ok();
  }));
  return gone;
}

}  // namespace interdict::alerting
