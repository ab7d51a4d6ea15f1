#include "identity/admin.h"

#include <fmt/core.h>

#include "audit/audit.h"
#include "base/json_writer.h"
#include "base/utf8.h"
#include "crypto/crypto.h"
#include "plate/jurisdiction.h"

namespace interdict::identity {
namespace {

bool AllOf(std::string_view s, bool (*ok)(char)) {
  for (char c : s) {
    if (!ok(c)) return false;
  }
  return true;
}

}  // namespace

Status CheckAgencyCode(std::string_view code) {
  if (code.empty() || code.size() > 32 || !AllOf(code, [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      })) {
    return Status::InvalidArgument(
        "agency code: 1 to 32 characters of A-Z, 0-9, '-' and '_' (e.g. STLPD)");
  }
  return Status::Ok();
}

Status CheckOri(std::string_view ori) {
  if (ori.size() != 9 ||
      !AllOf(ori, [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); })) {
    return Status::InvalidArgument("ori: 9 characters of A-Z and 0-9 (e.g. MO0950000)");
  }
  return Status::Ok();
}

Status CheckUsername(std::string_view username) {
  if (username.size() < 2 || username.size() > 64 || !AllOf(username, [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
      })) {
    return Status::InvalidArgument(
        "username: 2 to 64 characters of a-z, 0-9, '.', '-' and '_' (one person each)");
  }
  return Status::Ok();
}

Status CheckDisplayName(std::string_view field, std::string_view name) {
  if (name.empty() || name.size() > 200 || FindInvalidUtf8(name) != std::string_view::npos) {
    return Status::InvalidArgument(fmt::format("{}: 1 to 200 bytes of UTF-8 text", field));
  }
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20)
      return Status::InvalidArgument(fmt::format("{}: no control characters", field));
  }
  return Status::Ok();
}

namespace {

// The document of the seeded deconfliction agreements (also catalog version 26's).
constexpr std::string_view kDeconflictionDefaultDocument =
    "task-force default: every member deconflicts with every other (revocable)";

Result<InitResult> CreateAgency(catalog::Database& db, const InitRequest& req, std::int64_t now_ms,
                                bool first) {
  INTERDICT_RETURN_IF_ERROR(CheckAgencyCode(req.agency_code));
  INTERDICT_RETURN_IF_ERROR(CheckDisplayName("agency name", req.agency_name));
  INTERDICT_RETURN_IF_ERROR(CheckOri(req.ori));
  Result<plate::Jurisdiction> state = plate::Jurisdiction::Parse(req.state);
  if (!state.ok() || state->code().rfind("US-", 0) != 0)
    return Status::InvalidArgument("state: a US state or territory, e.g. MO or US-MO");
  if (req.kind != "local" && req.kind != "county" && req.kind != "state" && req.kind != "federal")
    return Status::InvalidArgument("kind: local, county, state or federal");
  INTERDICT_RETURN_IF_ERROR(CheckUsername(req.admin_username));
  INTERDICT_RETURN_IF_ERROR(CheckDisplayName("administrator name", req.admin_name));

  InitResult out;
  out.enrolment_secret = crypto::Base32Encode(crypto::RandomBytes(20));
  out.enrolment_expires_at = now_ms + kEnrolmentValidityMs;
  Status st = db.Transaction([&]() -> Status {
    {
      Result<catalog::Statement> q = db.Prepare("SELECT count(*) FROM agencies");
      if (!q.ok()) return q.status();
      if (Result<bool> row = q->Step(); !row.ok()) return row.status();
      if (first && q->Int(0) > 0) {
        return Status::FailedPrecondition(fmt::format(
            "{} already has agencies; add more with interdict admin add-agency", db.name()));
      }
      if (!first && q->Int(0) == 0) {
        return Status::FailedPrecondition(
            fmt::format("{} has no agency yet; start with interdict admin init", db.name()));
      }
    }
    Result<catalog::Statement> a = db.Prepare(
        "INSERT INTO agencies (code, name, ori, state, kind, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id");
    if (!a.ok()) return a.status();
    a->Bind(1, req.agency_code).Bind(2, req.agency_name).Bind(3, req.ori);
    a->Bind(4, state->code()).Bind(5, req.kind).Bind(6, now_ms);
    Result<std::int64_t> inserted = a->RunReturningId();
    if (!inserted.ok()) {
      const Status& run = inserted.status();
      if (run.code() == StatusCode::kAlreadyExists)
        return Status::AlreadyExists("agency code or ORI: already in the catalog");
      return run;
    }
    out.agency_id = *inserted;

    Result<catalog::Statement> u = db.Prepare(
        "INSERT INTO users (agency_id, username, display_name, role, enrolment_hash, "
        "enrolment_expires_at, created_at, created_by) "
        "VALUES (?1, ?2, ?3, 'administrator', ?4, ?5, ?6, 'interdict admin') RETURNING id");
    if (!u.ok()) return u.status();
    u->Bind(1, out.agency_id).Bind(2, req.admin_username).Bind(3, req.admin_name);
    u->BindBlob(4, crypto::AsBytes(crypto::Sha256(out.enrolment_secret)));
    u->Bind(5, out.enrolment_expires_at).Bind(6, now_ms);
    Result<std::int64_t> user = u->RunReturningId();
    if (!user.ok()) {
      const Status& run = user.status();
      if (run.code() == StatusCode::kAlreadyExists)
        return Status::AlreadyExists(fmt::format("username: {} is taken", req.admin_username));
      return run;
    }
    out.user_id = *user;

    // Retention: the state's preset when there is one, else the default.
    {
      Result<catalog::Statement> p =
          db.Prepare("SELECT count(*) FROM retention_presets WHERE preset = ?1");
      if (!p.ok()) return p.status();
      p->Bind(1, state->code());
      if (Result<bool> row = p->Step(); !row.ok()) return row.status();
      out.retention_preset = p->Int(0) > 0 ? std::string(state->code()) : "default";
    }
    Result<catalog::Statement> r = db.Prepare(
        "INSERT INTO retention (agency_id, data_class, period_ms, preset, changed_at, changed_by) "
        "SELECT ?1, data_class, period_ms, preset, ?2, 'interdict admin' FROM retention_presets "
        "WHERE preset = ?3");
    if (!r.ok()) return r.status();
    r->Bind(1, out.agency_id).Bind(2, now_ms).Bind(3, out.retention_preset);
    INTERDICT_RETURN_IF_ERROR(r->Run());

    // Deconfliction with every other member, both ways: the task force's
    // default (docs/format/intel.md), approved by no one person; either side
    // may revoke it as any agreement.
    Result<catalog::Statement> d = db.Prepare(
        "INSERT INTO agreements (owner_id, partner_id, data_class, effective_from, document, "
        "approved_at, created_at) SELECT x, y, 'deconfliction', ?2, ?3, ?2, ?2 FROM ("
        "SELECT ?1 AS x, id AS y FROM agencies WHERE id <> ?1 UNION ALL "
        "SELECT id AS x, ?1 AS y FROM agencies WHERE id <> ?1) pairs");
    if (!d.ok()) return d.status();
    d->Bind(1, out.agency_id).Bind(2, now_ms).Bind(3, kDeconflictionDefaultDocument);
    INTERDICT_RETURN_IF_ERROR(d->Run());

    audit::Entry e;
    e.time = now_ms;
    e.actor = "system";
    e.agency = out.agency_id;
    e.event = first ? "admin.init" : "admin.add-agency";
    e.details = json::Object("agency", req.agency_code, "ori", req.ori, "administrator",
                             req.admin_username, "retention_preset", out.retention_preset);
    e.touched = {out.agency_id};
    return audit::Append(db, e);
  });
  if (!st.ok()) return st;
  return out;
}

}  // namespace

Result<InitResult> InitCatalog(catalog::Database& db, const InitRequest& req, std::int64_t now_ms) {
  return CreateAgency(db, req, now_ms, true);
}

Result<InitResult> AddAgency(catalog::Database& db, const InitRequest& req, std::int64_t now_ms) {
  return CreateAgency(db, req, now_ms, false);
}

}  // namespace interdict::identity
