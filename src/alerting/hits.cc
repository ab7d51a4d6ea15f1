#include "alerting/hits.h"

#include <vector>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include <fmt/core.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "alerting/confirmations.h"
#include "alerting/hotlists.h"
#include "alerting/retention_audit.h"
#include "alerting/webhooks.h"
#include "audit/audit.h"
#include "base/error_codes.h"
#include "base/json.h"
#include "base/json_writer.h"
#include "base/time_format.h"
#include "base/utf8.h"
#include "crypto/keyring.h"
#include "hotlist/entry.h"
#include "identity/directory.h"
#include "policy/sharing.h"
#include "read/native_format.h"

namespace interdict::alerting {
namespace {

constexpr std::int64_t kStaleMs = 24LL * 3'600'000;

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// The read's vehicle against the listed one, field by field, where both say
// something: what an officer must look at before acting (GOVERNANCE D.20).
void WriteComparison(json::Writer& w, const read::Read& r, const std::string& detail_json) {
  // The detail was written by EntryDetail (hotlists.cc): a flat object.
  rapidjson::Document detail;
  (void)json::Parse(detail_json, &detail);  // a damaged detail compares as empty
  auto listed = [&](const char* key) -> std::string {
    if (!detail.IsObject()) return {};
    auto it = detail.FindMember(key);
    if (it == detail.MemberEnd() || !it->value.IsString()) return {};
    return {it->value.GetString(), it->value.GetStringLength()};
  };
  w.StartArray();
  auto field = [&](std::string_view name, const std::string& seen, const std::string& list,
                   bool same) {
    if (seen.empty() || list.empty()) return;
    w.StartObject();
    json::Members(w, "field", name, "read", seen, "listed", list, "same", same);
    w.EndObject();
  };
  auto alnum = [](std::string_view v) {
    std::string o;
    for (char c : Upper(v))
      if (std::isalnum(static_cast<unsigned char>(c))) o += c;
    return o;
  };
  const std::string make = listed("make"), model = listed("model"), color = listed("color");
  field("make", r.vehicle.make, make, Upper(r.vehicle.make) == Upper(make));
  // NCIC models are three-letter abbreviations ("CIV") and vendors write
  // whole names, often after the make ("CIVIC", "honda_civic"): a prefix is
  // the same model, so an officer is not told "mismatch" for a Civic.
  {
    const std::string listed_model = alnum(model), seen_make = alnum(r.vehicle.make);
    // The model as read, without a make in front of it ("HONDACIVIC" after
    // make HONDA, "toyota_camry" after its underscore).
    std::vector<std::string> seen = {alnum(r.vehicle.model)};
    if (!seen_make.empty() && seen[0].starts_with(seen_make))
      seen.push_back(seen[0].substr(seen_make.size()));
    if (const std::size_t cut = r.vehicle.model.find_first_of("_ "); cut != std::string::npos)
      seen.push_back(alnum(r.vehicle.model.substr(cut + 1)));
    bool same = false;
    for (const std::string& v : seen) {
      if (!v.empty() && !listed_model.empty() &&
          (v.starts_with(listed_model) || listed_model.starts_with(v)))
        same = true;
    }
    field("model", r.vehicle.model, model, same);
  }
  // NCIC colours may be two-tone ("WHI/BLK", top over bottom): either is the colour seen.
  {
    bool same = false;
    const std::string seen = Upper(r.vehicle.color), listed_color = Upper(color);
    for (std::size_t start = 0; start <= listed_color.size();) {
      const std::size_t slash = listed_color.find('/', start);
      const std::string part = listed_color.substr(
          start, slash == std::string::npos ? std::string::npos : slash - start);
      if (!part.empty() && part == seen) same = true;
      if (slash == std::string::npos) break;
      start = slash + 1;
    }
    field("color", r.vehicle.color, color, same);
  }
  field("body", r.vehicle.body, listed("body"), Upper(r.vehicle.body) == Upper(listed("body")));
  w.EndArray();
}

struct Sharing {
  catalog::Database& db;
  std::int64_t now;
  std::map<std::int64_t, identity::Principal> principals;
  std::map<std::tuple<std::int64_t, std::int64_t, int>, bool> cache;

  // Whether `viewer` may see `owner`'s `cls` data now.
  Result<bool> May(std::int64_t viewer, std::int64_t owner, policy::DataClass cls) {
    if (viewer == owner) return true;
    const auto key = std::make_tuple(viewer, owner, static_cast<int>(cls));
    if (auto it = cache.find(key); it != cache.end()) return it->second;
    auto pit = principals.find(viewer);
    if (pit == principals.end()) {
      Result<identity::Principal> p = AgencyPrincipal(db, viewer);
      if (!p.ok()) return p.status();
      pit = principals.emplace(viewer, *p).first;
    }
    Result<std::string> why = policy::WhyNotVisible(db, pit->second, owner, cls, now);
    if (!why.ok()) return why.status();
    cache[key] = why->empty();
    return why->empty();
  }
};

// The hit's JSON from its row: one shape for the stream, webhooks and the API.
constexpr std::string_view kHitColumns =
    "h.id, a.code, h.camera, h.read_time, h.plate, h.read, h.hotlist_id, l.name, l.kind, o.code, "
    "l.priority, h.entry, h.list_age_ms, h.match_kind, h.score, h.backfill, h.step, h.outcome, "
    "h.created_at, h.agency_id, h.key_id, c.id, c.priority, c.due_at, c.escalated_at, "
    "c.answer, c.answered_at";
// With the hit's newest confirmation request, if any (in the same query: a
// page of hits is one statement, not one more per hit).
constexpr std::string_view kHitFrom =
    " FROM hits h JOIN agencies a ON a.id = h.agency_id JOIN hotlists l ON l.id = h.hotlist_id "
    "JOIN agencies o ON o.id = l.agency_id LEFT JOIN confirmation_requests c ON c.id = (SELECT "
    "max(id) FROM confirmation_requests WHERE hit_id = h.id) ";

// The read and the entry a hit keeps are opened here when sealed.
Result<std::string> HitJson(catalog::Database& db, catalog::Statement& q) {
  const std::string kind = q.Text(13);
  const std::optional<match::MatchKind> matched = match::ParseMatchKind(kind);
  const bool approximate = matched && match::IsApproximate(*matched);
  const std::int64_t age_ms = q.Int(12);
  Result<std::string> entry = db.OpenValue("hits.entry", q.Text(11));
  if (!entry.ok()) return entry.status();
  Result<std::string> read = db.OpenValue("hits.read", q.Text(5));
  if (!read.ok()) return read.status();
  const double score = q.Real(14);  // two decimals, as matched (0.95)
  return json::Write([&](json::Writer& w) {
    w.StartObject();
    json::Members(w, "hit", q.Int(0), "agency", q.Text(1), "camera", q.Text(2), "time",
                  FormatRfc3339(q.Int(3)), "plate", q.Text(4), "match", kind, "approximate",
                  approximate, "score", score);
    json::Key(w, "list");
    w.StartObject();
    json::Members(w, "id", q.Int(6), "name", q.Text(7), "kind", q.Text(8), "owner", q.Text(9),
                  "priority", q.Int(10), "age_s", age_ms / 1000, "stale", age_ms > kStaleMs);
    w.EndObject();
    json::Members(w, "entry", json::Raw{*entry}, "read", json::Raw{*read}, "backfill",
                  q.Int(15) != 0, "step", q.Text(16), "outcome", q.OptionalText(17), "created_at",
                  FormatRfc3339(q.Int(18)));
    // The NCIC rule: the list owner's confirmation, asked inside Interdict.
    json::Key(w, "confirmation");
    if (!q.IsNull(21)) {
      w.StartObject();
      json::Members(w, "request", q.Int(21), "owner", q.Text(9), "priority", q.Text(22), "due_at",
                    FormatRfc3339(q.Int(23)), "escalated", !q.IsNull(24), "answer",
                    q.OptionalText(25), "answered_at", FormatRfc3339(q.OptionalInt(26)));
      w.EndObject();
    } else {
      w.Null();
    }
    w.EndObject();
  });
}

Result<std::string> LoadHitJson(catalog::Database& db, std::int64_t id) {
  Result<catalog::Statement> q =
      db.Prepare(fmt::format("SELECT {}{}WHERE h.id = ?1", kHitColumns, kHitFrom));
  if (!q.ok()) return q.status();
  q->Bind(1, id);
  Result<bool> row = q->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound(fmt::format("no hit {}", id));
  return HitJson(db, *q);
}

}  // namespace

Result<bool> MaySee(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                    std::int64_t now) {
  Result<catalog::Statement> q = db.Query(
      "SELECT h.agency_id FROM hits h JOIN hit_audience u ON u.hit_id = h.id "
      "WHERE h.id = ?1 AND u.agency_id = ?2",
      id, p.agency_id);
  if (!q.ok()) return q.status();
  if (!q->has_row()) return false;
  const std::int64_t owner = q->Int(0);
  if (owner == p.agency_id) return true;
  Result<std::string> why = policy::WhyNotVisible(db, p, owner, policy::DataClass::kHits, now);
  if (!why.ok()) return why.status();
  return why->empty();
}

Result<identity::Principal> AgencyPrincipal(catalog::Database& db, std::int64_t agency_id) {
  Result<identity::AgencyRef> agency = identity::AgencyById(db, agency_id);
  if (!agency.ok()) return agency.status();
  identity::Principal p;
  p.kind = identity::Principal::Kind::kIntegration;
  p.agency_id = agency_id;
  p.agency_code = agency->code;
  p.agency_state = agency->state;
  p.agency_kind = agency->kind;
  p.name = "agency " + p.agency_code;
  return p;
}

HotlistIndex::HotlistIndex() {
  auto empty = std::make_shared<Snapshot>();
  empty->index = match::Index::Build({}, plate::LookalikeClasses::Default());
  current_ = std::move(empty);
}

std::shared_ptr<const Snapshot> HotlistIndex::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

Status HotlistIndex::Rebuild(catalog::Database& db, std::int64_t now) {
  Result<std::shared_ptr<const Snapshot>> snap = Build(db, now);
  if (!snap.ok()) return snap.status();
  Install(std::move(snap).value());
  return Status::Ok();
}

void HotlistIndex::Install(std::shared_ptr<const Snapshot> snapshot) {
  std::lock_guard<std::mutex> lock(mu_);
  current_ = std::move(snapshot);
}

Result<std::shared_ptr<const Snapshot>> HotlistIndex::Build(catalog::Database& db, std::int64_t now,
                                                            std::optional<Pending> pending) {
  const Pending pend = pending.value_or(Pending{-1, 0, 0});
  auto snap = std::make_shared<Snapshot>();
  snap->built_at = now;
  std::map<std::int64_t, std::uint32_t> list_index;
  std::vector<bool> one_edit;
  {
    Result<catalog::Statement> q = db.Prepare(
        "SELECT id, agency_id, name, kind, priority, COALESCE(published_at, loaded_at, "
        "created_at), one_edit FROM hotlists ORDER BY id");
    if (!q.ok()) return q.status();
    for (;;) {
      Result<bool> row = q->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      list_index[q->Int(0)] = static_cast<std::uint32_t>(snap->lists.size());
      snap->lists.push_back({q->Int(0),
                             q->Int(1),
                             q->Text(2),
                             q->Text(3),
                             static_cast<int>(q->Int(4)),
                             q->Int(0) == pend.list ? pend.published_at : q->Int(5),
                             {}});
      one_edit.push_back(q->Int(6) != 0);
    }
  }
  {
    Result<catalog::Statement> q = db.Prepare("SELECT hotlist_id, agency_id FROM hotlist_audience");
    if (!q.ok()) return q.status();
    for (;;) {
      Result<bool> row = q->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      if (auto it = list_index.find(q->Int(0)); it != list_index.end()) {
        snap->lists[it->second].audience.push_back(q->Int(1));
      }
    }
  }
  std::vector<match::Index::Item> items;
  {
    Result<catalog::Statement> q = db.Prepare(
        "SELECT e.id, e.hotlist_id, e.kind, e.plate, e.state, COALESCE(e.expires_at, 0) "
        "FROM hotlist_entries e JOIN hotlists h ON h.id = e.hotlist_id AND e.generation = "
        "CASE WHEN h.id = ?1 THEN ?2 ELSE h.generation END WHERE e.status = 'active'");
    if (!q.ok()) return q.status();
    q->Bind(1, pend.list).Bind(2, pend.generation);
    for (;;) {
      Result<bool> row = q->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      const std::int64_t expires = q->Int(5);
      if (expires != 0 && expires <= now) continue;
      Result<plate::Plate> p = plate::Plate::FromNormalized(q->Text(3));
      Result<plate::Jurisdiction> j = plate::Jurisdiction::Parse(q->Text(4));
      if (!p.ok() || !j.ok()) continue;  // written by this code; never expected
      const std::uint32_t list = list_index.at(q->Int(1));
      match::Index::Item item;
      item.plate = *p;
      item.state = *j;
      item.ref = static_cast<std::uint32_t>(snap->refs.size());
      item.one_edit = one_edit[list];
      items.push_back(item);
      snap->refs.push_back({q->Int(0), list, q->Text(2), expires});
    }
  }
  snap->index = match::Index::Build(items, plate::LookalikeClasses::Default());
  return std::shared_ptr<const Snapshot>(std::move(snap));
}

std::vector<Found> MatchReads(const Snapshot& snap, const std::vector<ReadForMatching>& reads) {
  std::vector<Found> found;
  if (snap.refs.empty()) return found;
  std::vector<match::Candidate> cands;
  for (std::size_t i = 0; i < reads.size(); ++i) {
    snap.index->Match(*reads[i].read, &cands);
    for (const match::Candidate& c : cands) found.push_back({i, c});
  }
  return found;
}

namespace {

// The hits key of `agency_id` for the bucket of `read_time` (its length from
// the agency's hit retention, as hits are purged by the age of their read).
// `cache` keeps each agency's code and retention for one batch.
Result<std::string> HitKey(catalog::Database& db, const catalog::ValueSealer& sealer,
                           std::map<std::int64_t, std::pair<std::string, std::int64_t>>& cache,
                           std::int64_t agency_id, std::int64_t read_time, std::int64_t now) {
  auto it = cache.find(agency_id);
  if (it == cache.end()) {
    Result<catalog::Statement> q = db.Query(
        "SELECT a.code, coalesce(r.period_ms, -1) FROM agencies a LEFT JOIN retention r ON "
        "r.agency_id = a.id AND r.data_class = 'hits' WHERE a.id = ?1",
        agency_id);
    if (!q.ok()) return q.status();
    if (!q->has_row()) return Status::NotFound(fmt::format("no agency {}", agency_id));
    it = cache.emplace(agency_id, std::make_pair(q->Text(0), q->Int(1))).first;
  }
  const std::int64_t length = crypto::BucketLengthMs(it->second.second);
  const std::int64_t start = crypto::BucketStart(read_time, length);
  return sealer.KeyFor(it->second.first, "hits", start, start + length, now);
}

}  // namespace

Result<std::vector<RecordedHit>> RecordHits(catalog::Database& db, const Snapshot& snap,
                                            const std::vector<ReadForMatching>& reads,
                                            const std::vector<Found>& found, std::int64_t now) {
  std::vector<RecordedHit> out;
  if (found.empty()) return out;
  Sharing sharing{db, now, {}, {}};
  std::map<std::int64_t, std::map<std::string, bool>> kinds;
  // Sealing (encryption at rest): each camera agency's code and hit retention.
  std::map<std::int64_t, std::pair<std::string, std::int64_t>> sealing;
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    for (const Found& f : found) {
      const ReadForMatching& rm = reads[f.read];
      const read::Read& r = *rm.read;
      const EntryRef& ref = snap.refs[f.candidate.ref];
      const ListMeta& list = snap.lists[ref.list];
      if (ref.expires_at != 0 && ref.expires_at <= now) continue;
      const std::int64_t camera_agency = rm.agency_id;
      // May the camera's agency use this list?
      if (list.agency_id != camera_agency) {
        if (std::find(list.audience.begin(), list.audience.end(), camera_agency) ==
            list.audience.end()) {
          continue;
        }
        Result<bool> may = sharing.May(camera_agency, list.agency_id, policy::DataClass::kHotlists);
        if (!may.ok()) return may.status();
        if (!*may) continue;
      }
      if (ref.kind != hotlist::kCustomKind) {
        auto kit = kinds.find(camera_agency);
        if (kit == kinds.end()) {
          Result<std::map<std::string, bool>> k = ListKinds(db, camera_agency);
          if (!k.ok()) return k.status();
          kit = kinds.emplace(camera_agency, std::move(k).value()).first;
        }
        auto e = kit->second.find(ref.kind);
        if (e == kit->second.end() || !e->second) continue;  // a file the agency has not enabled
      }
      // The entry as it is now: the snapshot the hit keeps.
      Result<catalog::Statement> eq = db.Query(
          "SELECT plate, state, kind, detail, entered_by, validated_at, expires_at FROM "
          "hotlist_entries WHERE id = ?1",
          ref.entry_id);
      if (!eq.ok()) return eq.status();
      if (!eq->has_row()) continue;  // removed by a reload since the snapshot
      const std::string detail = eq->Text(3);
      const std::optional<std::int64_t> validated = eq->OptionalInt(5);
      const std::optional<std::int64_t> expires = eq->OptionalInt(6);
      const std::string entry_json = json::Write([&](json::Writer& w) {
        w.StartObject();
        json::Members(w, "id", ref.entry_id, "plate", eq->Text(0), "state", eq->Text(1), "kind",
                      eq->Text(2), "detail", json::Raw{detail}, "entered_by", eq->Text(4),
                      "validated_at", FormatRfc3339(validated), "expires_at",
                      FormatRfc3339(expires));
        json::Key(w, "comparison");
        WriteComparison(w, r, detail);
        json::Members(w, "matched", f.candidate.matched.text());
        w.EndObject();
      });
      std::string read_json = read::FormatNativeRead(r), entry_value = entry_json, key_id;
      if (const catalog::ValueSealer* sealer = db.sealer()) {
        Result<std::string> key = HitKey(db, *sealer, sealing, camera_agency, r.time, now);
        if (!key.ok()) return key.status();
        key_id = std::move(*key);
        Result<std::string> sealed_read = sealer->Seal(key_id, "hits.read", read_json);
        if (!sealed_read.ok()) return sealed_read.status();
        read_json = std::move(*sealed_read);
        Result<std::string> sealed_entry = sealer->Seal(key_id, "hits.entry", entry_json);
        if (!sealed_entry.ok()) return sealed_entry.status();
        entry_value = std::move(*sealed_entry);
      }
      Result<catalog::Statement> ins = db.Prepare(
          "INSERT INTO hits (agency_id, read_id, camera, read_time, plate, read, hotlist_id, "
          "entry_id, entry, list_age_ms, match_kind, score, backfill, created_at, key_id) VALUES "
          "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) ON CONFLICT DO "
          "NOTHING RETURNING id");
      if (!ins.ok()) return ins.status();
      ins->Bind(1, camera_agency)
          .Bind(2, r.id)
          .Bind(3, r.camera)
          .Bind(4, r.time)
          .Bind(5, r.plate.text())
          .Bind(6, read_json)
          .Bind(7, list.id)
          .Bind(8, ref.entry_id)
          .Bind(9, entry_value)
          .Bind(10, std::max<std::int64_t>(0, now - list.published_at))
          .Bind(11, match::MatchKindName(f.candidate.kind))
          .Bind(12, fmt::format("{:.2f}", f.candidate.score))
          .Bind(13, std::int64_t{rm.backfill ? 1 : 0})
          .Bind(14, now)
          .Bind(15, key_id.empty() ? std::nullopt : std::optional<std::string>(key_id));
      Result<std::int64_t> inserted = ins->RunReturningId();
      if (!inserted.ok()) return inserted.status();
      if (*inserted == 0) continue;  // a re-sent read: its hit exists
      RecordedHit hit;
      hit.id = *inserted;
      hit.key_id = key_id;
      hit.live = !rm.backfill && rm.camera_active;
      std::set<std::int64_t> recipients = {camera_agency};
      std::vector<std::int64_t> others = list.audience;
      others.push_back(list.agency_id);
      for (std::int64_t a : others) {
        if (recipients.count(a) != 0) continue;
        Result<bool> may = sharing.May(a, camera_agency, policy::DataClass::kHits);
        if (!may.ok()) return may.status();
        if (*may) recipients.insert(a);
      }
      for (std::int64_t a : recipients) {
        Result<catalog::Statement> au =
            db.Prepare("INSERT INTO hit_audience (hit_id, agency_id) VALUES (?1, ?2)");
        if (!au.ok()) return au.status();
        au->Bind(1, hit.id).Bind(2, a);
        INTERDICT_RETURN_IF_ERROR(au->Run());
        hit.recipients.push_back(a);
      }
      for (const auto& [role, address] :
           {std::pair<const char*, const std::string&>{"plate", r.plate_image},
            std::pair<const char*, const std::string&>{"overview", r.overview_image}}) {
        if (address.empty()) continue;
        Result<catalog::Statement> im =
            db.Prepare("INSERT INTO hit_images (hit_id, role, address) VALUES (?1, ?2, ?3)");
        if (!im.ok()) return im.status();
        im->Bind(1, hit.id).Bind(2, role).Bind(3, address);
        INTERDICT_RETURN_IF_ERROR(im->Run());
      }
      Result<std::string> json = LoadHitJson(db, hit.id);
      if (!json.ok()) return json.status();
      hit.json = std::move(*json);
      audit::Entry e;
      e.time = now;
      e.actor = "system";
      e.agency = camera_agency;
      e.event = "hit.raise";
      e.details =
          json::Object("hit", hit.id, "hotlist", list.id, "entry", ref.entry_id, "match",
                       match::MatchKindName(f.candidate.kind), "recipients", hit.recipients.size());
      e.touched = hit.recipients;
      INTERDICT_RETURN_IF_ERROR(audit::Append(db, e));
      if (hit.live) {
        Result<std::int64_t> queued = EnqueueDeliveries(db, hit, now);
        if (!queued.ok()) return queued.status();
      }
      out.push_back(std::move(hit));
    }
    return Status::Ok();
  }));
  return out;
}

Result<std::string> GetHit(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                           std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "hits.read"));
  Result<bool> may = MaySee(db, p, id, now);
  if (!may.ok()) return may.status();
  if (!*may) return Status::NotFound(fmt::format("no hit {} that {} may see", id, p.agency_code));
  Result<std::string> json = LoadHitJson(db, id);
  if (!json.ok()) return json.status();
  INTERDICT_RETURN_IF_ERROR(db.Transaction(
      [&] { return identity::AuditAct(db, p, "hit.view", true, json::Object("hit", id), now); }));
  return json;
}

namespace {

// The hits `p`'s agency received that it may still see: newest first before
// `before`, or oldest first after `after` (live ones only).
Result<std::vector<RecordedHit>> VisibleHits(catalog::Database& db, const identity::Principal& p,
                                             std::optional<std::int64_t> before,
                                             std::optional<std::int64_t> after, int limit,
                                             std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "hits.read"));
  Result<catalog::Statement> q = db.Prepare(fmt::format(
      "SELECT {}{}JOIN hit_audience u ON u.hit_id = h.id WHERE u.agency_id = ?1 AND {} "
      "LIMIT ?3",
      kHitColumns, kHitFrom,
      after ? "h.id > ?2 AND h.backfill = 0 ORDER BY h.id" : "h.id < ?2 ORDER BY h.id DESC"));
  if (!q.ok()) return q.status();
  q->Bind(1, p.agency_id)
      .Bind(2, after ? *after : before.value_or(INT64_MAX))
      .Bind(3, std::int64_t{limit});
  Sharing sharing{db, now, {{p.agency_id, p}}, {}};
  std::vector<RecordedHit> out;
  for (;;) {
    Result<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    Result<bool> may = sharing.May(p.agency_id, q->Int(19), policy::DataClass::kHits);
    if (!may.ok()) return may.status();
    if (!*may) continue;
    Result<std::string> json = HitJson(db, *q);
    if (!json.ok()) return json.status();
    out.push_back(
        {q->Int(0), {p.agency_id}, std::move(*json), true, q->OptionalText(20).value_or("")});
  }
  return out;
}

}  // namespace

Result<std::vector<std::string>> ListHits(catalog::Database& db, const identity::Principal& p,
                                          std::optional<std::int64_t> before, int limit,
                                          std::int64_t now) {
  Result<std::vector<RecordedHit>> hits = VisibleHits(db, p, before, std::nullopt, limit, now);
  if (!hits.ok()) return hits.status();
  std::vector<std::string> out;
  for (RecordedHit& h : *hits) out.push_back(std::move(h.json));
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&] {
    return identity::AuditAct(db, p, "hits.list", true, json::Object("hits", out.size()), now);
  }));
  return out;
}

Result<std::optional<RecordedHit>> LoadRecordedHit(catalog::Database& db, std::int64_t id) {
  Result<catalog::Statement> q = db.Query(
      fmt::format("SELECT {}{}WHERE h.id = ?1 AND h.backfill = 0", kHitColumns, kHitFrom), id);
  if (!q.ok()) return q.status();
  if (!q->has_row()) return std::optional<RecordedHit>();
  Result<std::string> json = HitJson(db, *q);
  if (!json.ok()) return json.status();
  RecordedHit hit{id, {}, std::move(*json), true, q->OptionalText(20).value_or("")};
  Result<std::vector<std::int64_t>> to = db.List<std::int64_t>(
      "SELECT agency_id FROM hit_audience WHERE hit_id = ?1 ORDER BY agency_id",
      [](const catalog::Statement& r) { return r.Int(0); }, id);
  if (!to.ok()) return to.status();
  hit.recipients = std::move(to).value();
  return std::optional<RecordedHit>(std::move(hit));
}

Result<std::vector<RecordedHit>> LiveHitsAfter(catalog::Database& db, std::int64_t after,
                                               int limit) {
  Result<catalog::Statement> q =
      db.Prepare(fmt::format("SELECT {}{}WHERE h.id > ?1 AND h.backfill = 0 ORDER BY h.id LIMIT ?2",
                             kHitColumns, kHitFrom));
  if (!q.ok()) return q.status();
  q->Bind(1, after).Bind(2, std::int64_t{limit});
  Result<std::vector<RecordedHit>> hits = std::vector<RecordedHit>{};
  for (;;) {
    Result<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    Result<std::string> json = HitJson(db, *q);
    if (!json.ok()) return json.status();
    hits->push_back(
        RecordedHit{q->Int(0), {}, std::move(*json), true, q->OptionalText(20).value_or("")});
  }
  if (!hits.ok() || hits->empty()) return hits;
  Result<std::vector<std::pair<std::int64_t, std::int64_t>>> to =
      db.List<std::pair<std::int64_t, std::int64_t>>(
          "SELECT hit_id, agency_id FROM hit_audience WHERE hit_id > ?1 AND hit_id <= ?2 "
          "ORDER BY hit_id, agency_id",
          [](const catalog::Statement& r) { return std::make_pair(r.Int(0), r.Int(1)); }, after,
          hits->back().id);
  if (!to.ok()) return to.status();
  std::size_t at = 0;
  for (RecordedHit& h : *hits) {
    while (at < to->size() && (*to)[at].first < h.id) ++at;
    while (at < to->size() && (*to)[at].first == h.id) h.recipients.push_back((*to)[at++].second);
  }
  return hits;
}

Result<std::int64_t> NewestHitId(catalog::Database& db) {
  Result<catalog::Statement> q = db.Query("SELECT coalesce(max(id), 0) FROM hits");
  if (!q.ok()) return q.status();
  return q->Int(0);
}

Result<PlateHits> HitsOfPlate(catalog::Database& db, std::int64_t agency_id,
                              std::string_view plate) {
  Result<catalog::Statement> q = db.Query(
      "SELECT count(*), coalesce(max(read_time), 0) FROM hits WHERE agency_id = ?1 AND plate = ?2",
      agency_id, plate);
  if (!q.ok()) return q.status();
  return PlateHits{q->Int(0), q->Int(1)};
}

Result<std::vector<RecordedHit>> HitsAfter(catalog::Database& db, const identity::Principal& p,
                                           std::int64_t after, int limit, std::int64_t now) {
  return VisibleHits(db, p, std::nullopt, after, limit, now);
}

Result<std::int64_t> PurgeExpiredHits(catalog::Database& db, std::int64_t now, int limit) {
  std::int64_t deleted = 0;
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    Result<catalog::Statement> q = db.Prepare(
        "SELECT h.id, h.agency_id FROM hits h JOIN retention r ON r.agency_id = h.agency_id AND "
        "r.data_class = 'hits' WHERE h.read_time < ?1 - r.period_ms AND NOT EXISTS (SELECT 1 "
        "FROM holds k WHERE k.agency_id = h.agency_id AND k.released_at IS NULL AND "
        "k.expires_at > ?1 AND (k.plate IS NULL OR k.plate = h.plate) AND (k.camera IS NULL OR "
        "k.camera = h.camera) AND (k.window_from IS NULL OR h.read_time >= k.window_from) AND "
        "(k.window_to IS NULL OR h.read_time < k.window_to)) LIMIT ?2");
    if (!q.ok()) return q.status();
    q->Bind(1, now).Bind(2, std::int64_t{limit});
    std::map<std::int64_t, std::int64_t> by_agency;
    std::vector<std::int64_t> ids;
    for (;;) {
      Result<bool> row = q->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      ids.push_back(q->Int(0));
      ++by_agency[q->Int(1)];
    }
    for (std::string_view table : {"hit_events", "hit_audience", "webhook_deliveries", "hit_images",
                                   "confirmation_requests", "hit_assignments"}) {
      Result<catalog::Statement> del =
          db.Prepare(fmt::format("DELETE FROM {} WHERE hit_id = ?1", table));
      if (!del.ok()) return del.status();
      for (std::int64_t id : ids) {
        del->Bind(1, id);
        INTERDICT_RETURN_IF_ERROR(del->Run());
        del->Reset();
      }
    }
    Result<catalog::Statement> del = db.Prepare("DELETE FROM hits WHERE id = ?1");
    if (!del.ok()) return del.status();
    for (std::int64_t id : ids) {
      del->Bind(1, id);
      INTERDICT_RETURN_IF_ERROR(del->Run());
      del->Reset();
    }
    INTERDICT_RETURN_IF_ERROR(AuditPurges(db, by_agency, "hits", now));
    deleted = static_cast<std::int64_t>(ids.size());
    return Status::Ok();
  }));
  return deleted;
}

Result<HitSighting> SightingOfHit(catalog::Database& db, const identity::Principal& p,
                                  std::int64_t id, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "hits.read"));
  Result<bool> may = MaySee(db, p, id, now);
  if (!may.ok()) return may.status();
  if (!*may) return Status::NotFound(fmt::format("no hit {} that {} may see", id, p.agency_code));
  Result<catalog::Statement> q = db.Query(
      "SELECT a.code, h.camera, h.read_time, h.entry, h.plate FROM hits h JOIN agencies a ON "
      "a.id = h.agency_id WHERE h.id = ?1",
      id);
  if (!q.ok()) return q.status();
  if (!q->has_row()) return Status::NotFound(fmt::format("no hit {}", id));
  HitSighting s{id, q->Text(0), q->Text(1), q->Int(2), "", q->Text(4)};
  Result<std::string> entry = db.OpenValue("hits.entry", q->Text(3));
  if (!entry.ok()) return entry.status();
  rapidjson::Document d;
  if (json::Parse(*entry, &d).ok() && d.IsObject() && d.HasMember("kind") && d["kind"].IsString())
    s.entry_kind = d["kind"].GetString();
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&] {
    return identity::AuditAct(db, p, "hit.intercept", true, json::Object("hit", id), now);
  }));
  return s;
}

Result<HeldImage> HitImage(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                           const std::string& role, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "hits.read"));
  Result<bool> may = MaySee(db, p, id, now);
  if (!may.ok()) return may.status();
  if (!*may) return Status::NotFound(fmt::format("no hit {} that {} may see", id, p.agency_code));
  Result<catalog::Statement> q = db.Query(
      "SELECT i.address, h.agency_id FROM hit_images i JOIN hits h ON h.id = i.hit_id WHERE "
      "i.hit_id = ?1 AND i.role = ?2",
      id, role);
  if (!q.ok()) return q.status();
  if (!q->has_row()) return Status::NotFound(fmt::format("hit {} has no {} image", id, role));
  Result<HeldImage> image = FindHeldImage(db, q->Int(1), q->Text(0));
  if (!image.ok()) return image.status();
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&] {
    return identity::AuditAct(db, p, "hit.image", true, json::Object("hit", id, "image", role),
                              now);
  }));
  return image;
}

static_assert(std::size(kHitStateNames) == static_cast<std::size_t>(HitState::kClosed) + 1);
static_assert(
    [] {
      for (std::size_t i = 0; i < std::size(kHitActions); ++i)
        if (kHitActions[i].action != static_cast<HitAction>(i)) return false;
      return true;
    }(),
    "kHitActions is indexed by HitAction");

std::string_view HitStateName(HitState s) {
  return kHitStateNames[static_cast<std::size_t>(s)];
}

Result<HitState> ParseHitState(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kHitStateNames); ++i)
    if (kHitStateNames[i] == name) return static_cast<HitState>(i);
  return Status::Internal(fmt::format("unknown hit step '{}'", name));
}

const HitActionInfo& Describe(HitAction a) {
  return kHitActions[static_cast<std::size_t>(a)];
}

Result<HitAction> ParseHitAction(std::string_view route) {
  for (const HitActionInfo& a : kHitActions)
    if (a.route == route) return a.action;
  return Status::InvalidArgument("action: acknowledge, visual-check, confirm or close");
}

Result<std::string> AdvanceHit(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                               const HitStep& step, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "hits.work"));
  static const std::set<std::string, std::less<>> kOutcomes = {
      "misread", "stale_entry", "wrong_state", "vehicle_mismatch",
      "stop",    "arrest",      "recovery",    "no_action"};
  static const std::set<std::string, std::less<>> kActionable = {"stop", "arrest", "recovery"};
  if (step.note.size() > 2000) return Status::InvalidArgument("note: at most 2000 bytes");
  std::string json;
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    Result<bool> may = MaySee(db, p, id, now);
    if (!may.ok()) return may.status();
    if (!*may) return Status::NotFound(fmt::format("no hit {} that {} may see", id, p.agency_code));
    Result<catalog::Statement> q = db.Query("SELECT step, agency_id FROM hits WHERE id = ?1", id);
    if (!q.ok()) return q.status();
    Result<HitState> from = ParseHitState(q->Text(0));
    if (!from.ok()) return from.status();
    const std::int64_t camera_agency = q->Int(1);
    const HitActionInfo& action = Describe(step.action);
    // The step's record (hit_events.detail): what the officer recorded, and
    // the note when there is one.
    rapidjson::StringBuffer detail_text;
    rapidjson::Writer<rapidjson::StringBuffer> detail(detail_text);
    detail.StartObject();
    auto wrong = [&](std::string_view need) {
      return Status::FailedPrecondition(
          fmt::format("hit {} is {}; this step needs it {}", id, HitStateName(*from), need));
    };
    switch (step.action) {
      case HitAction::kAcknowledge:
        if (*from != HitState::kNew) return wrong("new");
        break;
      case HitAction::kVisualCheck:
        if (*from != HitState::kAcknowledged) return wrong("acknowledged");
        if (!step.plate_matches || !step.state_matches || !step.vehicle_matches) {
          return Status::InvalidArgument(
              "plate_matches, state_matches and vehicle_matches: each true or false, as seen "
              "against the image and the entry");
        }
        detail.Key("plate_matches");
        detail.Bool(*step.plate_matches);
        detail.Key("state_matches");
        detail.Bool(*step.state_matches);
        detail.Key("vehicle_matches");
        detail.Bool(*step.vehicle_matches);
        break;
      case HitAction::kConfirm: {
        if (*from != HitState::kVisuallyChecked) return wrong("visually_checked");
        // The owner's answer inside Interdict counts; a denial stops the step.
        Result<std::optional<ConfirmationRequest>> asked = LatestConfirmation(db, id);
        if (!asked.ok()) return asked.status();
        const std::string answer = *asked ? (*asked)->answer : "";
        if (answer == "denied" || answer == "no_record") {
          return Status::FailedPrecondition(
              fmt::format("{} answered confirmation request {}: {}; close the hit with outcome "
                          "stale_entry",
                          (*asked)->owner, (*asked)->id, answer));
        }
        if (answer == "confirmed") {
          detail.Key("confirmation_request");
          detail.Int64((*asked)->id);
        } else if (!step.source_confirmed.value_or(false)) {
          return Status::InvalidArgument(
              "source_confirmed: true once the source confirms the entry is current (or ask the "
              "list's owner in Interdict: POST /api/v1/hits/{id}/confirmation); otherwise close "
              "the hit with outcome stale_entry");
        }
        detail.Key("source_confirmed");
        detail.Bool(true);
        break;
      }
      case HitAction::kClose:
        if (*from == HitState::kNew || *from == HitState::kClosed)
          return wrong("acknowledged at least, not closed");
        if (kOutcomes.count(step.outcome) == 0) {
          return Status::InvalidArgument(
              "outcome: misread, stale_entry, wrong_state, vehicle_mismatch, stop, arrest, "
              "recovery or no_action");
        }
        if (kActionable.count(step.outcome) != 0 && *from != HitState::kConfirmedWithSource) {
          // Exigent circumstances: after the visual check, with a reason on record.
          const std::size_t chars = Utf8Length(step.proceed_reason);
          if (*from != HitState::kVisuallyChecked || step.proceed_reason.empty()) {
            return Status::FailedPrecondition(
                       fmt::format(
                           "a {} needs the hit visually checked and confirmed with the source "
                           "first, or after the visual check a recorded proceed_reason (it is "
                           "{})",
                           step.outcome, HitStateName(*from)))
                .WithReason(codes::kConfirmationRequired);
          }
          if (chars < 20 || chars > 1000)
            return Status::InvalidArgument(
                "proceed_reason: why the officer proceeded without the source's confirmation, "
                "20 to 1,000 characters");
          Result<std::optional<ConfirmationRequest>> asked = LatestConfirmation(db, id);
          if (!asked.ok()) return asked.status();
          if (*asked && ((*asked)->answer == "denied" || (*asked)->answer == "no_record")) {
            return Status::FailedPrecondition(
                       fmt::format("{} answered confirmation request {}: {}; the entry is not "
                                   "valid, whatever the reason",
                                   (*asked)->owner, (*asked)->id, (*asked)->answer))
                .WithReason(codes::kConfirmationRequired);
          }
          detail.Key("proceeded_without_confirmation");
          detail.String(step.proceed_reason.data(),
                        static_cast<rapidjson::SizeType>(step.proceed_reason.size()));
        }
        detail.Key("outcome");
        detail.String(step.outcome.data(), static_cast<rapidjson::SizeType>(step.outcome.size()));
        break;
    }
    Result<catalog::Statement> up =
        db.Prepare("UPDATE hits SET step = ?2, outcome = ?3 WHERE id = ?1");
    if (!up.ok()) return up.status();
    const std::string_view to = HitStateName(action.to);
    up->Bind(1, id).Bind(2, to);
    if (step.action == HitAction::kClose) {
      up->Bind(3, step.outcome);
    } else {
      up->BindNull(3);
    }
    INTERDICT_RETURN_IF_ERROR(up->Run());
    Result<catalog::Statement> ev = db.Prepare(
        "INSERT INTO hit_events (hit_id, step, detail, user_id, at) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!ev.ok()) return ev.status();
    if (!step.note.empty()) {
      detail.Key("note");
      detail.String(step.note.data(), static_cast<rapidjson::SizeType>(step.note.size()));
    }
    detail.EndObject();
    ev->Bind(1, id).Bind(2, to).Bind(
        3, std::string_view(detail_text.GetString(), detail_text.GetSize()));
    if (p.kind == identity::Principal::Kind::kUser) {
      ev->Bind(4, p.id);
    } else {
      ev->BindNull(4);
    }
    ev->Bind(5, now);
    INTERDICT_RETURN_IF_ERROR(ev->Run());
    INTERDICT_RETURN_IF_ERROR(identity::AuditAct(db, p, action.event, true,
                                                 json::Object("hit", id, "step", to), now,
                                                 {p.agency_id, camera_agency}));
    Result<std::string> j = LoadHitJson(db, id);
    if (!j.ok()) return j.status();
    json = std::move(*j);
    return Status::Ok();
  }));
  return json;
}

}  // namespace interdict::alerting
