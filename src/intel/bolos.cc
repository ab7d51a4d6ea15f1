#include "intel/bolos.h"

#include <fmt/core.h>

#include <algorithm>
#include <map>

#include "audit/audit.h"
#include "base/delimited.h"
#include "base/json.h"
#include "base/json_writer.h"
#include "base/time_format.h"
#include "base/utf8.h"
#include "catalog/changes.h"
#include "intel/expiry.h"
#include "intel/match_keys.h"
#include "intel/target_reads.h"
#include "plate/plate.h"
#include "policy/sharing.h"

namespace interdict::intel {
namespace {

using identity::AuditAct;
using identity::Require;

constexpr int kListLimit = 200;

bool IsKind(std::string_view k) {
  for (std::string_view known :
       {"stolen_vehicle", "wanted_person", "missing_person", "officer_safety", "other"})
    if (k == known) return true;
  return false;
}

std::string Upper(std::string_view s) {
  return FoldToAscii(TrimBlanks(s));
}

constexpr std::string_view kColumns =
    "b.id, a.code, a.name, b.kind, b.narrative, coalesce(b.plate, ''), coalesce(b.plate_state, "
    "''), b.make, b.model, b.color, b.body, b.marks, b.person, b.contact_name, b.contact_phone, "
    "b.audience, b.list_id, b.issued_at, b.issued_by, b.expires_at, b.status, b.renewed_at, "
    "b.agency_id, b.photo IS NOT NULL FROM bolos b JOIN agencies a ON a.id = b.agency_id ";

Bolo FromRow(const catalog::Statement& r) {
  Bolo b;
  b.id = r.Int(0);
  b.agency = r.Text(1);
  b.agency_name = r.Text(2);
  b.kind = r.Text(3);
  b.narrative = r.Text(4);
  b.plate = r.Text(5);
  b.plate_state = r.Text(6);
  b.make = r.Text(7);
  b.model = r.Text(8);
  b.color = r.Text(9);
  b.body = r.Text(10);
  b.marks = r.Text(11);
  b.person = r.Text(12);
  b.contact_name = r.Text(13);
  b.contact_phone = r.Text(14);
  if (Result<std::vector<std::string>> a = json::StringArray(r.Text(15)); a.ok())
    b.audience = std::move(*a);
  b.list = r.OptionalInt(16);
  b.issued_at = r.Int(17);
  b.issued_by = r.Text(18);
  b.expires_at = r.Int(19);
  b.status = r.Text(20);
  b.renewed_at = r.OptionalInt(21);
  b.photo = r.Int(23) != 0;
  return b;
}

// "none", "pending" or "active": the plate alert's entry in its list now.
Result<std::string> PlateAlert(catalog::Database& db, const Bolo& b, std::int64_t now) {
  if (!b.list || b.status != "active") return std::string("none");
  Result<catalog::Statement> q = db.Query(
      "SELECT e.status FROM hotlist_entries e JOIN hotlists h ON h.id = e.hotlist_id AND "
      "e.generation = h.generation WHERE h.id = ?1 AND e.status IN ('active', 'pending') AND "
      "(e.expires_at IS NULL OR e.expires_at > ?2) LIMIT 1",
      *b.list, now);
  if (!q.ok()) return q.status();
  return q->has_row() ? q->Text(0) : std::string("none");
}

struct Checked {
  BoloRequest r;
  std::int64_t expires_at = 0;
  std::string audience_json;
};

constexpr std::size_t kMaxAudience = 100;

Result<Checked> Check(catalog::Database& db, const BoloRequest& in, std::int64_t now) {
  Checked c{in, 0, ""};
  if (!IsKind(in.kind))
    return Status::InvalidArgument(
        "kind: stolen_vehicle, wanted_person, missing_person, officer_safety or other");
  INTERDICT_RETURN_IF_ERROR(CheckTextField("narrative", in.narrative, 1, 4000, true));
  for (const auto& [field, value] :
       {std::pair<std::string_view, const std::string*>{"make", &in.make},
        {"model", &in.model},
        {"color", &in.color},
        {"body", &in.body}})
    INTERDICT_RETURN_IF_ERROR(CheckTextField(field, *value, 0, 40));
  INTERDICT_RETURN_IF_ERROR(CheckTextField("marks", in.marks, 0, 500, true));
  INTERDICT_RETURN_IF_ERROR(CheckTextField("person", in.person, 0, 2000, true));
  INTERDICT_RETURN_IF_ERROR(CheckTextField("contact_name", in.contact_name, 1, 100));
  Result<Keyed> phone = KeyPhone(in.contact_phone);
  if (!phone.ok()) return Status::InvalidArgument("contact_" + phone.status().message());
  c.r.contact_phone = phone->normalized;
  c.r.make = VehicleCode(VehicleField::kMake, Upper(in.make));
  c.r.model = Upper(in.model);
  c.r.color = VehicleCode(VehicleField::kColor, Upper(in.color));
  c.r.body = VehicleCode(VehicleField::kBody, Upper(in.body));
  if (!in.plate.empty()) {
    Result<std::string> plate = plate::NormalizePlateText(in.plate);
    if (!plate.ok()) return Status::InvalidArgument("plate: " + plate.status().message());
    c.r.plate = *plate;
    if (!in.plate_state.empty() && (in.plate_state.size() != 2 ||
                                    !std::all_of(in.plate_state.begin(), in.plate_state.end(),
                                                 [](char ch) { return ch >= 'A' && ch <= 'Z'; })))
      return Status::InvalidArgument("plate_state: two capital letters, e.g. MO");
  } else if (!in.plate_state.empty()) {
    return Status::InvalidArgument("plate_state: only with a plate");
  }
  if (c.r.plate.empty() && c.r.make.empty() && c.r.model.empty() && c.r.color.empty() &&
      c.r.body.empty() && TrimBlanks(in.person).empty())
    return Status::InvalidArgument(
        "vehicle or person: a BOLO describes a vehicle (a plate, or its make, model, colour or "
        "body) or a person");
  c.expires_at = in.expires_at.value_or(now + kDefaultBoloLifeMs);
  if (c.expires_at <= now || c.expires_at > now + kMaxBoloLifeMs)
    return Status::InvalidArgument("expires_at: after now and within 90 days");
  // The audience: the region, or agencies of the catalog by code — a region
  // has tens of agencies, and each code costs a look-up.
  if (in.audience.size() > kMaxAudience)
    return Status::InvalidArgument(
        fmt::format("audience: at most {} agencies (or the region)", kMaxAudience));
  const bool region =
      in.audience.empty() || (in.audience.size() == 1 && in.audience[0] == "region");
  if (region) {
    c.r.audience = {"region"};
  } else {
    for (const std::string& code : in.audience) {
      Result<catalog::Statement> q = db.Query("SELECT 1 FROM agencies WHERE code = ?1", code);
      if (!q.ok()) return q.status();
      if (!q->has_row())
        return Status::InvalidArgument(fmt::format("audience: no agency {}", code));
    }
    std::sort(c.r.audience.begin(), c.r.audience.end());
    c.r.audience.erase(std::unique(c.r.audience.begin(), c.r.audience.end()), c.r.audience.end());
  }
  c.audience_json = json::Array(c.r.audience);
  return c;
}

// The agency codes a plate BOLO's list sends its hits to.
Result<std::vector<std::string>> ListAudience(catalog::Database& db, const Bolo& b) {
  if (!(b.audience.size() == 1 && b.audience[0] == "region")) return b.audience;
  std::vector<std::string> codes;
  Result<catalog::Statement> q =
      db.Prepare("SELECT code FROM agencies WHERE code <> ?1 ORDER BY code");
  if (!q.ok()) return q.status();
  q->Bind(1, b.agency);
  INTERDICT_RETURN_IF_ERROR(
      q->ForEach([&](const catalog::Statement& r) { codes.push_back(r.Text(0)); }));
  return codes;
}

// Loads a plate BOLO's alert: its list made on first use, one entry (or none
// when `empty`). Custom entries last at most 30 days (GOVERNANCE 17).
Status LoadAlert(const alerting::WithDb& with, const identity::Principal& p, Bolo& b, bool empty,
                 std::int64_t now) {
  if (b.plate.empty()) return Status::Ok();
  if (!b.list) {
    INTERDICT_RETURN_IF_ERROR(with([&](catalog::Database& db) -> Status {
      Result<std::vector<std::string>> audience = ListAudience(db, b);
      if (!audience.ok()) return audience.status();
      alerting::ListSpec spec{fmt::format("BOLO {}: {}", b.id, b.kind), "custom",
                              b.kind == "officer_safety" || b.kind == "wanted_person" ? 1 : 2,
                              *audience, std::nullopt};
      Result<std::int64_t> list = alerting::CreateList(db, p, spec, now);
      if (!list.ok()) return list.status();
      Result<catalog::Statement> up =
          db.Query("UPDATE bolos SET list_id = ?1 WHERE id = ?2", *list, b.id);
      if (!up.ok()) return up.status();
      b.list = *list;
      return Status::Ok();
    }));
  }
  std::string entries = "[]";
  if (!empty) {
    const std::int64_t expires = std::min<std::int64_t>(b.expires_at, now + 30LL * 86'400'000);
    entries =
        "[" +
        json::Object("plate", b.plate, "state", b.plate_state, "reason",
                     fmt::format("BOLO {} ({}): {}", b.id, b.kind,
                                 std::string(TruncateUtf8(b.narrative, 150))),
                     "case_number", fmt::format("BOLO-{}", b.id), "expires_at",
                     FormatRfc3339(expires), "make", b.make, "model", b.model, "color", b.color) +
        "]";
  }
  alerting::LoadRequest req{*b.list, hotlist::Format::kJson, "{\"entries\":" + entries + "}", now};
  Result<alerting::LoadReport> loaded = alerting::LoadList(with, p, req, now);
  if (!loaded.ok()) return loaded.status().WithContext("the BOLO's plate alert: ");
  if (!loaded->rejected.empty())
    return Status::InvalidArgument("plate: " + loaded->rejected.front().error);
  return Status::Ok();
}

// The BOLOs `p` may see among the rows of `q` (bound), filtered by `query`.
Result<std::vector<Bolo>> Visible(catalog::Database& db, const identity::Principal& p,
                                  catalog::Statement& q, const BoloQuery& query, std::int64_t now) {
  Result<std::vector<policy::VisibleAgency>> sharing =
      policy::VisibleAgencies(db, p, policy::DataClass::kBolos, now);
  if (!sharing.ok()) return sharing.status();
  const std::string plate_key = query.plate.empty() ? "" : PlateKey(query.plate);
  std::vector<std::pair<Bolo, std::int64_t>> rows;
  INTERDICT_RETURN_IF_ERROR(
      q.ForEach([&](const catalog::Statement& r) { rows.emplace_back(FromRow(r), r.Int(22)); }));
  std::vector<Bolo> out;
  for (auto& row : rows) {
    // Named, not bound: lambdas below use them (clang 14 captures no binding).
    Bolo& b = row.first;
    const std::int64_t agency = row.second;
    if (agency != p.agency_id) {
      const bool shared =
          std::any_of(sharing->begin(), sharing->end(),
                      [&](const policy::VisibleAgency& v) { return v.id == agency; });
      const bool addressed =
          std::find(b.audience.begin(), b.audience.end(), "region") != b.audience.end() ||
          std::find(b.audience.begin(), b.audience.end(), p.agency_code) != b.audience.end();
      if (!shared || !addressed) continue;
    }
    if (!plate_key.empty() && (b.plate.empty() || PlateKey(b.plate) != plate_key)) continue;
    if (!query.make.empty() && b.make != VehicleCode(VehicleField::kMake, Upper(query.make)))
      continue;
    if (!query.model.empty() && b.model != Upper(query.model)) continue;
    if (!query.color.empty() && b.color != VehicleCode(VehicleField::kColor, Upper(query.color)))
      continue;
    Result<std::string> alert = PlateAlert(db, b, now);
    if (!alert.ok()) return alert.status();
    b.plate_alert = *alert;
    if (agency == p.agency_id) {
      Result<catalog::Statement> s = db.Prepare(
          "SELECT a.code, s.camera, s.plate, s.read_time FROM bolo_sightings s JOIN agencies a ON "
          "a.id = s.camera_agency_id WHERE s.bolo_id = ?1 ORDER BY s.read_time DESC LIMIT 50");
      if (!s.ok()) return s.status();
      s->Bind(1, b.id);
      INTERDICT_RETURN_IF_ERROR(s->ForEach([&](const catalog::Statement& r) {
        b.sightings.push_back({r.Text(0), r.Text(1), r.Text(2), r.Int(3)});
      }));
    }
    out.push_back(std::move(b));
    if (out.size() >= static_cast<std::size_t>(kListLimit)) break;
  }
  return out;
}

Result<Bolo> Reread(const alerting::WithDb& with, const identity::Principal& p, std::int64_t id,
                    std::int64_t now) {
  Result<Bolo> out = Status::Internal("unread");
  INTERDICT_RETURN_IF_ERROR(with([&](catalog::Database& db) -> Status {
    out = GetBolo(db, p, id, now);
    return out.status();
  }));
  return out;
}

// The caller's agency's active BOLO `id`.
Result<Bolo> OwnActive(catalog::Database& db, const identity::Principal& p, std::int64_t id) {
  Result<catalog::Statement> q =
      db.Query(fmt::format("SELECT {}WHERE b.id = ?1 AND b.agency_id = ?2 AND b.status = 'active'",
                           kColumns),
               id, p.agency_id);
  if (!q.ok()) return q.status();
  if (!q->has_row())
    return Status::NotFound(fmt::format("no active BOLO {} of {}", id, p.agency_code));
  return FromRow(*q);
}

Result<Bolo> OwnActiveWith(const alerting::WithDb& with, const identity::Principal& p,
                           std::int64_t id) {
  Result<Bolo> out = Status::Internal("unread");
  INTERDICT_RETURN_IF_ERROR(with([&](catalog::Database& db) -> Status {
    out = OwnActive(db, p, id);
    return out.status();
  }));
  return out;
}

}  // namespace

Result<Bolo> IssueBolo(const alerting::WithDb& with, const identity::Principal& p,
                       const BoloRequest& r, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "bolos.issue"));
  std::int64_t id = 0;
  INTERDICT_RETURN_IF_ERROR(with([&](catalog::Database& db) -> Status {
    Result<Checked> c = Check(db, r, now);
    if (!c.ok()) return c.status();
    return db.Transaction([&]() -> Status {
      Result<catalog::Statement> ins = db.Prepare(
          "INSERT INTO bolos (agency_id, kind, narrative, plate, plate_state, make, model, color, "
          "body, marks, person, contact_name, contact_phone, audience, issued_at, issued_by, "
          "expires_at, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
          "?14, ?15, ?16, ?17, 'active') RETURNING id");
      if (!ins.ok()) return ins.status();
      const auto optional = [](const std::string& s) {
        return s.empty() ? std::nullopt : std::optional<std::string>(s);
      };
      ins->Bind(1, p.agency_id).Bind(2, c->r.kind).Bind(3, c->r.narrative);
      ins->Bind(4, optional(c->r.plate)).Bind(5, optional(c->r.plate_state));
      ins->Bind(6, c->r.make).Bind(7, c->r.model).Bind(8, c->r.color).Bind(9, c->r.body);
      ins->Bind(10, c->r.marks).Bind(11, c->r.person).Bind(12, c->r.contact_name);
      ins->Bind(13, c->r.contact_phone).Bind(14, c->audience_json).Bind(15, now);
      ins->Bind(16, p.Actor()).Bind(17, c->expires_at);
      Result<std::int64_t> made = ins->RunReturningId();
      if (!made.ok()) return made.status();
      id = *made;
      if (c->r.plate.empty()) {
        Result<std::int64_t> gen = catalog::NoteChange(db, catalog::kBolosTopic, now);
        if (!gen.ok()) return gen.status();
      }
      return AuditAct(db, p, "bolo.issue", true,
                      json::Object("bolo", id, "kind", c->r.kind, "plate", c->r.plate, "audience",
                                   c->r.audience, "expires_at", FormatRfc3339(c->expires_at)),
                      now);
    });
  }));
  Result<Bolo> b = OwnActiveWith(with, p, id);
  if (!b.ok()) return b.status();
  if (Status st = LoadAlert(with, p, *b, false, now); !st.ok()) {
    // No BOLO without the alert it promises: withdrawn, and the reason told
    // (with the withdrawal's own failure, should it fail too).
    const Status withdrawn = with([&](catalog::Database& db) -> Status {
      return db
          .Query(
              "UPDATE bolos SET status = 'cancelled', ended_at = ?2, ended_by = 'system' "
              "WHERE id = ?1",
              id, now)
          .status();
    });
    if (!withdrawn.ok())
      return Status::Internal(fmt::format("{}; withdrawing BOLO {} failed too: {}", st.message(),
                                          id, withdrawn.message()));
    return st;
  }
  return Reread(with, p, id, now);
}

Result<Bolo> RenewBolo(const alerting::WithDb& with, const identity::Principal& p, std::int64_t id,
                       std::optional<std::int64_t> expires_at, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "bolos.issue"));
  const std::int64_t until = expires_at.value_or(now + kDefaultBoloLifeMs);
  if (until <= now || until > now + kMaxBoloLifeMs)
    return Status::InvalidArgument("expires_at: after now and within 90 days");
  Result<Bolo> b = OwnActiveWith(with, p, id);
  if (!b.ok()) return b.status();
  INTERDICT_RETURN_IF_ERROR(with([&](catalog::Database& db) -> Status {
    return db.Transaction([&]() -> Status {
      Result<catalog::Statement> up = db.Query(
          "UPDATE bolos SET expires_at = ?2, renewed_at = ?3, renewed_by = ?4 WHERE id = ?1", id,
          until, now, p.Actor());
      if (!up.ok()) return up.status();
      return AuditAct(db, p, "bolo.renew", true,
                      json::Object("bolo", id, "expires_at", FormatRfc3339(until)), now);
    });
  }));
  b->expires_at = until;
  INTERDICT_RETURN_IF_ERROR(LoadAlert(with, p, *b, false, now));
  return Reread(with, p, id, now);
}

Result<Bolo> CancelBolo(const alerting::WithDb& with, const identity::Principal& p, std::int64_t id,
                        std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "bolos.issue"));
  Result<Bolo> b = OwnActiveWith(with, p, id);
  if (!b.ok()) return b.status();
  INTERDICT_RETURN_IF_ERROR(with([&](catalog::Database& db) -> Status {
    return db.Transaction([&]() -> Status {
      Result<catalog::Statement> up = db.Query(
          "UPDATE bolos SET status = 'cancelled', ended_at = ?2, ended_by = ?3, photo = NULL, "
          "photo_type = NULL WHERE id = ?1",
          id, now, p.Actor());
      if (!up.ok()) return up.status();
      Result<std::int64_t> gen = catalog::NoteChange(db, catalog::kBolosTopic, now);
      if (!gen.ok()) return gen.status();
      return AuditAct(db, p, "bolo.cancel", true, json::Object("bolo", id), now);
    });
  }));
  if (b->list) INTERDICT_RETURN_IF_ERROR(LoadAlert(with, p, *b, true, now));
  b->status = "cancelled";
  return b;
}

Status SetBoloPhoto(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                    std::string_view bytes, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "bolos.issue"));
  if (bytes.size() > kMaxPhotoBytes) return Status::InvalidArgument("photo: at most 2 MiB");
  std::string type;
  if (bytes.starts_with("\xFF\xD8\xFF"))
    type = "image/jpeg";
  else if (bytes.starts_with("\x89PNG\r\n\x1A\n"))
    type = "image/png";
  else
    return Status::InvalidArgument("photo: a JPEG or PNG image (its first bytes say neither)");
  return db.Transaction([&]() -> Status {
    Result<Bolo> b = OwnActive(db, p, id);
    if (!b.ok()) return b.status();
    Result<catalog::Statement> up =
        db.Prepare("UPDATE bolos SET photo = ?2, photo_type = ?3 WHERE id = ?1");
    if (!up.ok()) return up.status();
    up->Bind(1, id).BindBlob(2, bytes).Bind(3, type);
    INTERDICT_RETURN_IF_ERROR(up->Run());
    return AuditAct(db, p, "bolo.photo", true,
                    json::Object("bolo", id, "bytes", static_cast<std::int64_t>(bytes.size())),
                    now);
  });
}

Result<Photo> BoloPhoto(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                        std::int64_t now) {
  Result<Bolo> b = GetBolo(db, p, id, now);
  if (!b.ok()) return b.status();
  if (!b->photo) return Status::NotFound(fmt::format("BOLO {} has no photo", id));
  Result<catalog::Statement> q = db.Query("SELECT photo, photo_type FROM bolos WHERE id = ?1", id);
  if (!q.ok()) return q.status();
  if (!q->has_row() || q->IsNull(0))
    return Status::NotFound(fmt::format("BOLO {} has no photo", id));
  return Photo{q->Blob(0), q->Text(1)};
}

Result<std::vector<Bolo>> ListBolos(catalog::Database& db, const identity::Principal& p,
                                    const BoloQuery& query, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "bolos.read"));
  Result<catalog::Statement> q = db.Prepare(fmt::format(
      "SELECT {}WHERE (?1 = 0 OR b.status = 'active') ORDER BY b.id DESC LIMIT 5000", kColumns));
  if (!q.ok()) return q.status();
  q->Bind(1, query.active_only ? 1 : 0);
  return Visible(db, p, *q, query, now);
}

Result<Bolo> GetBolo(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                     std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "bolos.read"));
  Result<catalog::Statement> q = db.Prepare(fmt::format("SELECT {}WHERE b.id = ?1", kColumns));
  if (!q.ok()) return q.status();
  q->Bind(1, id);
  Result<std::vector<Bolo>> seen = Visible(db, p, *q, BoloQuery{{}, {}, {}, {}, false}, now);
  if (!seen.ok()) return seen.status();
  if (seen->empty())
    return Status::NotFound(fmt::format("no BOLO {} that {} may see", id, p.agency_code));
  return std::move(seen->front());
}

Result<std::int64_t> ExpireBolos(catalog::Database& db, std::int64_t now) {
  // A plate alert's entry expires with its BOLO (or at 30 days, whichever is
  // first): nothing to reload here.
  return ExpireDue(db, catalog::kBolosTopic, "bolo.expire", "bolos", now,
                   [&]() -> Result<std::int64_t> {
                     Result<catalog::Statement> up = db.Query(
                         "UPDATE bolos SET status = 'expired', ended_at = ?1, ended_by = "
                         "'expiry', photo = NULL, photo_type = NULL WHERE status = 'active' AND "
                         "expires_at <= ?1",
                         now);
                     if (!up.ok()) return up.status();
                     return db.Changes();
                   });
}

Result<std::vector<VehicleBolo>> LoadVehicleBolos(catalog::Database& db, std::int64_t now) {
  Result<catalog::Statement> q = db.Prepare(
      "SELECT id, agency_id, make, model, color, body FROM bolos WHERE status = 'active' AND "
      "expires_at > ?1 AND plate IS NULL AND (make <> '' OR model <> '' OR color <> '' OR body <> "
      "'')");
  if (!q.ok()) return q.status();
  q->Bind(1, now);
  std::vector<VehicleBolo> out;
  INTERDICT_RETURN_IF_ERROR(q->ForEach([&](const catalog::Statement& r) {
    out.push_back({r.Int(0), r.Int(1), r.Text(2), r.Text(3), r.Text(4), r.Text(5)});
  }));
  return out;
}

bool VehicleMatches(const VehicleBolo& b, std::string_view make, std::string_view model,
                    std::string_view color, std::string_view body) {
  // A read's attributes as vendors send them: NCIC codes mostly, words at
  // times; the model has no code, only its name.
  const auto upper = [](std::string_view s) {
    std::string out;
    for (char c : TrimBlanks(s))
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
  };
  return (b.make.empty() || VehicleCode(VehicleField::kMake, make) == b.make) &&
         (b.model.empty() || upper(model) == b.model) &&
         (b.color.empty() || VehicleCode(VehicleField::kColor, color) == b.color) &&
         (b.body.empty() || VehicleCode(VehicleField::kBody, body) == b.body);
}

Result<std::int64_t> RecordSightings(catalog::Database& db, const std::vector<BoloSighting>& seen,
                                     std::int64_t now) {
  std::int64_t n = 0;
  Status st = db.Transaction([&]() -> Status {
    n = 0;
    ReadsVisibility visible(db, now);
    for (const BoloSighting& s : seen) {
      Result<bool> may = visible.MaySee(s.owner, s.camera_agency);
      if (!may.ok()) return may.status();
      if (!*may) continue;
      Result<catalog::Statement> count =
          db.Query("SELECT count(*) FROM bolo_sightings WHERE bolo_id = ?1", s.bolo);
      if (!count.ok()) return count.status();
      if (count->Int(0) >= kMaxSightingsPerBolo) continue;
      Result<catalog::Statement> ins = db.Query(
          "INSERT INTO bolo_sightings (bolo_id, camera_agency_id, camera, plate, read_time, "
          "seen_at) SELECT ?1, id, ?3, ?4, ?5, ?6 FROM agencies WHERE code = ?2 ON CONFLICT DO "
          "NOTHING",
          s.bolo, s.camera_agency, s.camera, s.plate, s.time, now);
      if (!ins.ok()) return ins.status();
      n += db.Changes();
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return n;
}

}  // namespace interdict::intel
