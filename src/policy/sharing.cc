#include "policy/sharing.h"

#include <fmt/core.h>

#include "audit/audit.h"
#include "base/error_codes.h"
#include "base/json_writer.h"
#include "identity/directory.h"

namespace interdict::policy {
namespace {

using identity::AuditAct;
using identity::Require;

// What the owner's state law says about requester `p` ("" = nothing against).
Result<std::string> LawBars(catalog::Database& db, std::string_view owner_state,
                            const identity::Principal& p) {
  Result<catalog::Statement> q = db.Query(
      "SELECT out_of_state, federal, citation FROM law_profiles WHERE state = ?1", owner_state);
  if (!q.ok()) return q.status();
  if (!q->has_row()) return std::string();
  const bool out_of_state_ok = q->Int(0) != 0, federal_ok = q->Int(1) != 0;
  if (p.agency_kind == "federal" && !federal_ok)
    return fmt::format("{} law forbids federal access ({})", owner_state, q->Text(2));
  if (p.agency_state != owner_state && !out_of_state_ok)
    return fmt::format("{} law forbids out-of-state access ({})", owner_state, q->Text(2));
  return std::string();
}

// Tells both agencies of an agreement about a change to it.
Status NotifyBoth(catalog::Database& db, const Agreement& a, std::string_view what,
                  const identity::Principal& by, std::int64_t now) {
  const std::string message =
      fmt::format("Sharing agreement {} ({} shares {} with {}) was {} by {} of {}.", a.id, a.owner,
                  DataClassName(a.data_class), a.partner, what, by.name, by.agency_code);
  // Addressed to each agency's head by name (GOVERNANCE 15), when one is set.
  for (const std::string& code : {a.owner, a.partner}) {
    Result<catalog::Statement> ins = db.Prepare(
        "INSERT INTO notifications (agency_id, created_at, kind, message, addressee) "
        "SELECT id, ?1, 'sharing', CASE WHEN head_name IS NULL THEN ?2 ELSE 'To ' || head_name "
        "|| coalesce(', ' || head_title, '') || ': ' || ?2 END, coalesce(head_name, '') FROM "
        "agencies WHERE code = ?3");
    if (!ins.ok()) return ins.status();
    ins->Bind(1, now).Bind(2, message).Bind(3, code);
    INTERDICT_RETURN_IF_ERROR(ins->Run());
  }
  return Status::Ok();
}

Result<std::optional<Agreement>> LoadAgreement(catalog::Database& db, std::int64_t id) {
  Result<catalog::Statement> q = db.Query(
      "SELECT g.id, o.code, pa.code, g.data_class, g.effective_from, g.effective_to, g.document, "
      "g.proposed_by, g.approved_by, g.approved_at, g.revoked_at, g.revoked_by, g.owner_id "
      "FROM agreements g JOIN agencies o ON o.id = g.owner_id "
      "JOIN agencies pa ON pa.id = g.partner_id WHERE g.id = ?1",
      id);
  if (!q.ok()) return q.status();
  if (!q->has_row()) return std::optional<Agreement>();
  Agreement a;
  a.id = q->Int(0);
  a.owner = q->Text(1);
  a.partner = q->Text(2);
  Result<DataClass> cls = ParseDataClass(q->Text(3));
  if (!cls.ok()) return cls.status();  // the schema's CHECK makes this impossible
  a.data_class = *cls;
  a.effective_from = q->Int(4);
  a.effective_to = q->OptionalInt(5);
  a.document = q->Text(6);
  a.proposed_by = q->Int(7);
  a.approved_by = q->OptionalInt(8);
  a.approved_at = q->OptionalInt(9);
  a.revoked_at = q->OptionalInt(10);
  a.revoked_by = q->OptionalInt(11);
  return std::optional<Agreement>(std::move(a));
}

}  // namespace

std::string_view DataClassName(DataClass c) {
  switch (c) {
    case DataClass::kReads: return "reads";
    case DataClass::kHits: return "hits";
    case DataClass::kHotlists: return "hotlists";
    case DataClass::kDeconfliction: return "deconfliction";
    case DataClass::kBolos: return "bolos";
    case DataClass::kIntelligence: return "intelligence";
  }
  return "reads";
}

Result<DataClass> ParseDataClass(std::string_view s) {
  if (s == "reads") return DataClass::kReads;
  if (s == "hits") return DataClass::kHits;
  if (s == "hotlists") return DataClass::kHotlists;
  if (s == "deconfliction") return DataClass::kDeconfliction;
  if (s == "bolos") return DataClass::kBolos;
  if (s == "intelligence") return DataClass::kIntelligence;
  return Status::InvalidArgument(
      "data_class: reads, hits, hotlists, deconfliction, bolos or intelligence");
}

std::string AgreementInForceSql(std::string_view g, int now_param) {
  return fmt::format(
      "{0}.approved_at IS NOT NULL AND {0}.revoked_at IS NULL AND {0}.effective_from <= ?{1} "
      "AND ({0}.effective_to IS NULL OR ?{1} < {0}.effective_to)",
      g, now_param);
}

Result<std::vector<VisibleAgency>> VisibleAgencies(catalog::Database& db,
                                                   const identity::Principal& p, DataClass cls,
                                                   std::int64_t now) {
  std::vector<VisibleAgency> out;
  out.push_back({p.agency_id, p.agency_code, std::nullopt});
  Result<catalog::Statement> q = db.Prepare(
      "SELECT o.id, o.code, o.state, MIN(g.id) FROM agreements g JOIN agencies o ON o.id = "
      "g.owner_id WHERE g.partner_id = ?1 AND g.data_class = ?2 AND " +
      AgreementInForceSql("g", 3) + " GROUP BY o.id ORDER BY o.code");
  if (!q.ok()) return q.status();
  q->Bind(1, p.agency_id).Bind(2, DataClassName(cls)).Bind(3, now);
  std::vector<std::pair<VisibleAgency, std::string>> candidates;
  for (;;) {
    Result<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    candidates.push_back({{q->Int(0), q->Text(1), q->Int(3)}, q->Text(2)});
  }
  for (auto& [agency, state] : candidates) {
    Result<std::string> bars = LawBars(db, state, p);
    if (!bars.ok()) return bars.status();
    if (bars->empty()) out.push_back(std::move(agency));
  }
  return out;
}

Result<std::string> WhyNotVisible(catalog::Database& db, const identity::Principal& p,
                                  std::int64_t owner, DataClass cls, std::int64_t now) {
  if (owner == p.agency_id) return std::string();
  Result<std::vector<VisibleAgency>> visible = VisibleAgencies(db, p, cls, now);
  if (!visible.ok()) return visible.status();
  for (const VisibleAgency& v : *visible) {
    if (v.id == owner) return std::string();
  }
  Result<catalog::Statement> q = db.Query("SELECT state FROM agencies WHERE id = ?1", owner);
  if (!q.ok()) return q.status();
  if (!q->has_row()) return std::string("no such agency");
  Result<std::string> bars = LawBars(db, q->Text(0), p);
  if (!bars.ok()) return bars.status();
  if (!bars->empty()) return *bars;
  return fmt::format("no agreement in force shares its {} with {}", DataClassName(cls),
                     p.agency_code);
}

Result<std::int64_t> ProposeAgreement(catalog::Database& db, const identity::Principal& p,
                                      const AgreementRequest& req, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "agreements.propose"));
  if (req.document.empty() || req.document.size() > 500)
    return Status::InvalidArgument("document: the signed agreement's reference, 1 to 500 bytes");
  if (req.effective_to && *req.effective_to <= req.effective_from)
    return Status::InvalidArgument("effective_to: must be after effective_from");
  std::int64_t id = 0;
  Status st = db.Transaction([&]() -> Status {
    Result<std::optional<identity::AgencyRef>> partner = identity::FindAgency(db, req.partner);
    if (!partner.ok()) return partner.status();
    if (!*partner)
      return Status::InvalidArgument(fmt::format("partner: no agency {}", req.partner));
    if ((*partner)->id == p.agency_id)
      return Status::InvalidArgument("partner: an agency always sees its own data");
    Result<catalog::Statement> ins = db.Prepare(
        "INSERT INTO agreements (owner_id, partner_id, data_class, effective_from, effective_to, "
        "document, proposed_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id");
    if (!ins.ok()) return ins.status();
    ins->Bind(1, p.agency_id).Bind(2, (*partner)->id).Bind(3, DataClassName(req.data_class));
    ins->Bind(4, req.effective_from).Bind(5, req.effective_to).Bind(6, req.document);
    ins->Bind(7, p.id).Bind(8, now);
    Result<std::int64_t> inserted = ins->RunReturningId();
    if (!inserted.ok()) return inserted.status();
    id = *inserted;
    Agreement proposed;
    proposed.id = id;
    proposed.owner = p.agency_code;
    proposed.partner = req.partner;
    proposed.data_class = req.data_class;
    INTERDICT_RETURN_IF_ERROR(NotifyBoth(db, proposed, "proposed", p, now));
    return AuditAct(db, p, "agreement.propose", true,
                    json::Object("agreement", id, "partner", req.partner, "data_class",
                                 DataClassName(req.data_class), "document", req.document),
                    now, {p.agency_id, (*partner)->id});
  });
  if (!st.ok()) return st;
  return id;
}

Status ApproveAgreement(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                        std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "agreements.approve"));
  Status refusal = Status::Ok();
  Status st = db.Transaction([&]() -> Status {
    Result<std::optional<Agreement>> a = LoadAgreement(db, id);
    if (!a.ok()) return a.status();
    if (!*a || (*a)->owner != p.agency_code)
      return Status::NotFound(fmt::format("no agreement {} of {}", id, p.agency_code));
    const Agreement& g = **a;
    if (g.approved_at || g.revoked_at)
      return Status::FailedPrecondition(fmt::format("agreement {} is already decided", id));
    // Two people, a supervisor and an administrator between them.
    Result<catalog::Statement> q = db.Query("SELECT role FROM users WHERE id = ?1", g.proposed_by);
    if (!q.ok()) return q.status();
    const std::string proposer_role = q->has_row() ? q->Text(0) : "";
    std::string why;
    if (g.proposed_by == p.id) {
      why = "the proposer cannot approve their own proposal: a second person must";
    } else if (!identity::AreSupervisorAndAdministrator(proposer_role, p.role)) {
      why = fmt::format(
          "sharing needs a supervisor and an administrator; proposed by a {}, approved by a {}",
          proposer_role, p.role);
    }
    const std::string details = json::Object("agreement", id, "partner", g.partner, "reason", why);
    if (!why.empty()) {
      refusal = Status::PermissionDenied(why).WithReason(codes::kSecondPersonRequired);
      return AuditAct(db, p, "agreement.approve", false, details, now);
    }
    Result<catalog::Statement> up =
        db.Prepare("UPDATE agreements SET approved_by = ?1, approved_at = ?2 WHERE id = ?3");
    if (!up.ok()) return up.status();
    up->Bind(1, p.id).Bind(2, now).Bind(3, id);
    INTERDICT_RETURN_IF_ERROR(up->Run());
    INTERDICT_RETURN_IF_ERROR(NotifyBoth(db, g, "approved", p, now));
    return AuditAct(db, p, "agreement.approve", true, details, now);
  });
  if (!st.ok()) return st;
  return refusal;
}

Status RevokeAgreement(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                       std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "agreements.propose"));
  return db.Transaction([&]() -> Status {
    Result<std::optional<Agreement>> a = LoadAgreement(db, id);
    if (!a.ok()) return a.status();
    if (!*a || (*a)->owner != p.agency_code)
      return Status::NotFound(fmt::format("no agreement {} of {}", id, p.agency_code));
    if ((*a)->revoked_at)
      return Status::FailedPrecondition(fmt::format("agreement {} is already revoked", id));
    Result<catalog::Statement> up =
        db.Prepare("UPDATE agreements SET revoked_at = ?1, revoked_by = ?2 WHERE id = ?3");
    if (!up.ok()) return up.status();
    up->Bind(1, now).Bind(2, p.id).Bind(3, id);
    INTERDICT_RETURN_IF_ERROR(up->Run());
    INTERDICT_RETURN_IF_ERROR(NotifyBoth(db, **a, "revoked", p, now));
    return AuditAct(db, p, "agreement.revoke", true,
                    json::Object("agreement", id, "partner", (*a)->partner), now);
  });
}

Result<std::vector<Agreement>> ListAgreements(catalog::Database& db, const identity::Principal& p) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "agreements.read"));
  Result<catalog::Statement> q =
      db.Prepare("SELECT id FROM agreements WHERE owner_id = ?1 OR partner_id = ?1 ORDER BY id");
  if (!q.ok()) return q.status();
  q->Bind(1, p.agency_id);
  std::vector<std::int64_t> ids;
  for (;;) {
    Result<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    ids.push_back(q->Int(0));
  }
  std::vector<Agreement> out;
  for (std::int64_t id : ids) {
    Result<std::optional<Agreement>> a = LoadAgreement(db, id);
    if (!a.ok()) return a.status();
    if (*a) out.push_back(std::move(**a));
  }
  return out;
}

Status AddNotice(catalog::Database& db, std::int64_t agency, std::string_view kind,
                 std::string_view message, std::string_view addressee, std::int64_t now) {
  Result<catalog::Statement> ins = db.Prepare(
      "INSERT INTO notifications (agency_id, created_at, kind, message, addressee) VALUES (?1, "
      "?2, ?3, ?4, ?5)");
  if (!ins.ok()) return ins.status();
  ins->Bind(1, agency).Bind(2, now).Bind(3, kind).Bind(4, message).Bind(5, addressee);
  return ins->Run();
}

Result<std::vector<Notice>> ListNotices(catalog::Database& db, const identity::Principal& p) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "agency.read"));
  return db.List<Notice>(
      "SELECT id, created_at, kind, message, read_at IS NOT NULL, addressee FROM notifications "
      "WHERE agency_id = ?1 ORDER BY id DESC LIMIT 200",
      [&](const catalog::Statement& r) {
        return Notice{r.Int(0), r.Int(1), r.Text(2), r.Text(3), r.Int(4) != 0, r.Text(5)};
      },
      p.agency_id);
}

Status SetAgencyHead(catalog::Database& db, const identity::Principal& p, const AgencyHead& head,
                     std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "users.manage"));
  if (head.name.empty() || head.name.size() > 200)
    return Status::InvalidArgument("name: the head of the agency, 1 to 200 bytes");
  if (head.title.size() > 100) return Status::InvalidArgument("title: at most 100 bytes");
  if (head.contact.empty() || head.contact.size() > 200)
    return Status::InvalidArgument("contact: an e-mail address or phone number, 1 to 200 bytes");
  return db.Transaction([&]() -> Status {
    Result<catalog::Statement> up = db.Prepare(
        "UPDATE agencies SET head_name = ?1, head_title = nullif(?2, ''), head_contact = ?3 "
        "WHERE id = ?4");
    if (!up.ok()) return up.status();
    up->Bind(1, head.name).Bind(2, head.title).Bind(3, head.contact).Bind(4, p.agency_id);
    INTERDICT_RETURN_IF_ERROR(up->Run());
    return AuditAct(db, p, "agency.head", true,
                    json::Object("name", head.name, "title", head.title, "contact", head.contact),
                    now);
  });
}

Status MarkNoticeRead(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                      std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "agency.read"));
  Result<catalog::Statement> up = db.Prepare(
      "UPDATE notifications SET read_at = ?1, read_by = ?2 WHERE id = ?3 AND agency_id = ?4 "
      "AND read_at IS NULL");
  if (!up.ok()) return up.status();
  up->Bind(1, now).Bind(2, p.id).Bind(3, id).Bind(4, p.agency_id);
  INTERDICT_RETURN_IF_ERROR(up->Run());
  if (db.Changes() == 0)
    return Status::NotFound(fmt::format("no unread notice {} for {}", id, p.agency_code));
  return Status::Ok();
}

}  // namespace interdict::policy
