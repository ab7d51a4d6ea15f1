#include "alerting/hotlists.h"

#include <rapidjson/document.h>

#include <algorithm>

#include <map>

#include <fmt/core.h>

#include "base/json.h"
#include "base/json_writer.h"
#include "base/time_format.h"
#include "catalog/changes.h"
#include "identity/directory.h"

namespace interdict::alerting {
namespace {

constexpr std::size_t kChunk =
    5000;  // entries per transaction of a reload (each holds the catalog ~30 ms)

std::string EntryDetail(const hotlist::Entry& e) {
  return json::Write([&](json::Writer& w) {
    w.StartObject();
    // Only what the file said: empty fields and zero years are left out.
    auto field = [&](std::string_view k, const std::string& v) {
      if (!v.empty()) json::Members(w, k, v);
    };
    auto number = [&](std::string_view k, std::int64_t v) {
      if (v != 0) json::Members(w, k, v);
    };
    field("record_id", e.record_id);
    field("originating", e.originating);
    if (e.incident_date != 0) field("incident_date", FormatRfc3339(e.incident_date).substr(0, 10));
    number("tag_year", e.tag_year);
    number("vehicle_year", e.vehicle_year);
    field("make", e.make);
    field("model", e.model);
    field("body", e.body);
    field("color", e.color);
    field("reason", e.reason);
    field("case_number", e.case_number);
    field("note", e.note);
    w.EndObject();
  });
}

struct ListRow {
  std::int64_t agency_id = 0;
  std::string kind;
  std::int64_t generation = 0;
};

Result<ListRow> LoadListRow(catalog::Database& db, std::int64_t id) {
  Result<catalog::Statement> q =
      db.Query("SELECT agency_id, kind, generation FROM hotlists WHERE id = ?1", id);
  if (!q.ok()) return q.status();
  if (!q->has_row()) return Status::NotFound(fmt::format("no hotlist {}", id));
  return ListRow{q->Int(0), q->Text(1), q->Int(2)};
}

}  // namespace

Result<std::int64_t> CreateList(catalog::Database& db, const identity::Principal& p,
                                const ListSpec& spec, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "hotlists.manage"));
  if (spec.name.empty() || spec.name.size() > 100) {
    return Status::InvalidArgument("name: 1 to 100 bytes");
  }
  if (spec.kind != hotlist::kNcicListKind && hotlist::FindKind(spec.kind) == nullptr) {
    return Status::InvalidArgument(
        "kind: \"ncic\" (entries carry their file code), \"custom\", or one NCIC file code");
  }
  if (spec.priority < 1 || spec.priority > 3) {
    return Status::InvalidArgument("priority: 1 (urgent), 2 or 3 (routine)");
  }
  std::int64_t id = 0;
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    Result<catalog::Statement> ins = db.Prepare(
        "INSERT INTO hotlists (agency_id, name, kind, priority, one_edit, created_at, created_by) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING RETURNING id");
    if (!ins.ok()) return ins.status();
    const hotlist::KindInfo* info = hotlist::FindKind(spec.kind);  // none for "ncic"
    const bool one_edit = spec.one_edit.value_or(info != nullptr && info->one_edit);
    ins->Bind(1, p.agency_id)
        .Bind(2, spec.name)
        .Bind(3, spec.kind)
        .Bind(4, std::int64_t{spec.priority})
        .Bind(5, std::int64_t{one_edit ? 1 : 0})
        .Bind(6, now)
        .Bind(7, p.Actor());
    Result<std::int64_t> inserted = ins->RunReturningId();
    if (!inserted.ok()) return inserted.status();
    if (*inserted == 0) {
      return Status::AlreadyExists(
          fmt::format("name: {} has a list named so already", p.agency_code));
    }
    id = *inserted;
    std::vector<std::int64_t> touched = {p.agency_id};
    for (const std::string& code : spec.audience) {
      Result<std::optional<identity::AgencyRef>> a = identity::FindAgency(db, code);
      if (!a.ok()) return a.status();
      if (!*a) return Status::InvalidArgument(fmt::format("audience: no agency {}", code));
      const std::int64_t agency = (*a)->id;
      Result<catalog::Statement> ins2 = db.Prepare(
          "INSERT INTO hotlist_audience (hotlist_id, agency_id) VALUES (?1, ?2) ON CONFLICT DO "
          "NOTHING");
      if (!ins2.ok()) return ins2.status();
      ins2->Bind(1, id).Bind(2, agency);
      INTERDICT_RETURN_IF_ERROR(ins2->Run());
      touched.push_back(agency);
    }
    return identity::AuditAct(db, p, "hotlist.create", true,
                              json::Object("hotlist", id, "name", spec.name, "kind", spec.kind),
                              now, touched);
  }));
  return id;
}

Result<std::vector<StaleList>> StaleLists(catalog::Database& db, std::int64_t now) {
  return db.List<StaleList>(
      "SELECT h.id, a.code, h.name, ?1 - coalesce(h.published_at, h.created_at) FROM hotlists h "
      "JOIN agencies a ON a.id = h.agency_id WHERE ?1 - coalesce(h.published_at, h.created_at) > "
      "?2",
      [](const catalog::Statement& r) {
        return StaleList{r.Int(0), r.Text(1), r.Text(2), r.Int(3)};
      },
      now, kStaleListMs);
}

Result<std::vector<ListInfo>> ListLists(catalog::Database& db, const identity::Principal& p) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "hotlists.read"));
  constexpr std::string_view kVisible =
      "h.agency_id = ?1 OR EXISTS (SELECT 1 FROM hotlist_audience u WHERE u.hotlist_id = h.id "
      "AND u.agency_id = ?1)";
  Result<std::vector<ListInfo>> lists = db.List<ListInfo>(
      fmt::format("SELECT h.id, a.code, h.name, h.kind, h.priority, h.one_edit, h.generation, "
                  "h.published_at, h.loaded_at, "
                  "(SELECT count(*) FROM hotlist_entries e WHERE e.hotlist_id = h.id AND "
                  "e.generation = h.generation AND e.status = 'active'), "
                  "(SELECT count(*) FROM hotlist_entries e WHERE e.hotlist_id = h.id AND "
                  "e.generation = h.generation AND e.status = 'pending') "
                  "FROM hotlists h JOIN agencies a ON a.id = h.agency_id WHERE {} ORDER BY h.id",
                  kVisible),
      [&](const catalog::Statement& r) {
        ListInfo l;
        l.id = r.Int(0);
        l.agency = r.Text(1);
        l.name = r.Text(2);
        l.kind = r.Text(3);
        l.priority = static_cast<int>(r.Int(4));
        l.one_edit = r.Int(5) != 0;
        l.generation = r.Int(6);
        l.published_at = r.OptionalInt(7);
        l.loaded_at = r.OptionalInt(8);
        l.entries = r.Int(9);
        l.pending = r.Int(10);
        return l;
      },
      p.agency_id);
  if (!lists.ok()) return lists.status();
  // Each list's audience, by agency code.
  std::map<std::int64_t, std::vector<std::string>> audience;
  Result<catalog::Statement> q = db.Prepare(fmt::format(
      "SELECT h.id, x.code FROM hotlists h JOIN hotlist_audience w ON w.hotlist_id = h.id JOIN "
      "agencies x ON x.id = w.agency_id WHERE {} ORDER BY h.id, x.code",
      kVisible));
  if (!q.ok()) return q.status();
  q->Bind(1, p.agency_id);
  INTERDICT_RETURN_IF_ERROR(
      q->ForEach([&](const catalog::Statement& r) { audience[r.Int(0)].push_back(r.Text(1)); }));
  for (ListInfo& l : *lists) {
    auto it = audience.find(l.id);
    if (it != audience.end()) l.audience = std::move(it->second);
  }
  return lists;
}

namespace {

// The list a load or check is for, refused when it is another agency's or
// the file's format does not fit its kind.
Result<ListRow> ListToLoad(const WithDb& with, const identity::Principal& p, std::int64_t id,
                           hotlist::Format format) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "hotlists.load"));
  ListRow list;
  INTERDICT_RETURN_IF_ERROR(with([&](catalog::Database& db) -> Status {
    Result<ListRow> r = LoadListRow(db, id);
    if (!r.ok()) return r.status();
    list = *r;
    return Status::Ok();
  }));
  if (list.agency_id != p.agency_id) {
    return Status::PermissionDenied(
        fmt::format("hotlist {} belongs to another agency; only its owner loads it", id));
  }
  if ((list.kind == hotlist::kNcicListKind) != hotlist::CarriesKind(format)) {
    return Status::InvalidArgument(
        list.kind == hotlist::kNcicListKind
            ? "format: an \"ncic\" list loads ncic or csv extracts (entries carry their file code)"
            : "format: this list takes genetec or json files; NCIC extracts go to an \"ncic\" "
              "list");
  }
  return list;
}

}  // namespace

Result<hotlist::ParsedList> CheckList(const WithDb& with, const identity::Principal& p,
                                      std::int64_t list, hotlist::Format format,
                                      std::string_view text) {
  Result<ListRow> row = ListToLoad(with, p, list, format);
  if (!row.ok()) return row.status();
  return hotlist::ParseList(format, text, row->kind);
}

Result<LoadReport> LoadList(const WithDb& with, const identity::Principal& p,
                            const LoadRequest& req, std::int64_t now, const LoadHooks& hooks) {
  Result<ListRow> target = ListToLoad(with, p, req.list, req.format);
  if (!target.ok()) return target.status();
  const ListRow& list = *target;
  const bool carries = hotlist::CarriesKind(req.format);
  Result<hotlist::ParsedList> parsed = hotlist::ParseList(req.format, req.text, list.kind);
  if (!parsed.ok()) return parsed.status();

  const bool custom = !carries;
  // A custom entry always waits for a second person, a supervisor's own too.
  const bool approved = !custom;
  LoadReport report;
  report.generation = list.generation + 1;
  report.rejected = std::move(parsed->rejected);
  // Write the new generation in chunks; readers keep seeing the old one.
  const auto& entries = parsed->entries;
  for (std::size_t base = 0; base < entries.size(); base += kChunk) {
    INTERDICT_RETURN_IF_ERROR(with([&](catalog::Database& db) {
      return db.Transaction([&]() -> Status {
        Result<catalog::Statement> ins = db.Prepare(
            "INSERT INTO hotlist_entries (hotlist_id, generation, kind, plate, state, detail, "
            "entered_by, entered_at, expires_at, validated_at, status, approved_by, approved_at) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?8, ?10, ?11, ?12)");
        if (!ins.ok()) return ins.status();
        const std::size_t end = std::min(entries.size(), base + kChunk);
        for (std::size_t i = base; i < end; ++i) {
          const hotlist::Entry& e = entries[i];
          std::optional<std::int64_t> expires;
          if (e.expires_at != 0) expires = e.expires_at;
          if (custom) {
            const std::int64_t cap = now + kCustomEntryMaxMs;
            expires = std::min(expires.value_or(cap), cap);
          }
          ins->Bind(1, req.list)
              .Bind(2, report.generation)
              .Bind(3, e.kind)
              .Bind(4, e.plate.text())
              .Bind(5, e.state.code())
              .Bind(6, EntryDetail(e))
              .Bind(7, p.Actor())
              .Bind(8, now)
              .Bind(9, expires)
              .Bind(10, approved ? "active" : "pending");
          if (approved && custom) {
            ins->Bind(11, p.id).Bind(12, now);
          } else {
            ins->BindNull(11).BindNull(12);
          }
          INTERDICT_RETURN_IF_ERROR(ins->Run());
          ins->Reset();
        }
        return Status::Ok();
      });
    }));
  }
  report.active = approved ? entries.size() : 0;
  report.pending = approved ? 0 : entries.size();
  const std::int64_t published_at = req.published_at.value_or(now);
  if (hooks.prepare) {
    INTERDICT_RETURN_IF_ERROR(hooks.prepare(req.list, report.generation, published_at));
  }
  // The switch: one commit makes the new generation current.
  INTERDICT_RETURN_IF_ERROR(with([&](catalog::Database& db) {
    return db.Transaction([&]() -> Status {
      Result<catalog::Statement> cnt =
          db.Query("SELECT count(*) FROM hotlist_entries WHERE hotlist_id = ?1 AND generation = ?2",
                   req.list, list.generation);
      if (!cnt.ok()) return cnt.status();
      report.removed = static_cast<std::size_t>(cnt->Int(0));
      Result<catalog::Statement> up = db.Prepare(
          "UPDATE hotlists SET generation = ?2, published_at = ?3, loaded_at = ?4, entry_count = "
          "?5 WHERE id = ?1 AND generation = ?6");
      if (!up.ok()) return up.status();
      up->Bind(1, req.list)
          .Bind(2, report.generation)
          .Bind(3, published_at)
          .Bind(4, now)
          .Bind(5, static_cast<std::int64_t>(entries.size()))
          .Bind(6, list.generation);
      INTERDICT_RETURN_IF_ERROR(up->Run());
      if (db.Changes() == 0) {
        return Status::FailedPrecondition(
            fmt::format("hotlist {} was reloaded meanwhile; load again", req.list));
      }
      INTERDICT_RETURN_IF_ERROR(catalog::NoteChange(db, catalog::kHotlistsTopic, now).status());
      return identity::AuditAct(db, p, "hotlist.load", true,
                                json::Object("hotlist", req.list, "generation", report.generation,
                                             "format", hotlist::FormatName(req.format), "entries",
                                             report.active, "pending", report.pending, "rejected",
                                             report.rejected.size(), "replaced", report.removed),
                                now);
    });
  }));
  if (hooks.switched) hooks.switched();
  // Old generations are deleted after the switch, in chunks.
  for (;;) {
    int deleted = 0;
    INTERDICT_RETURN_IF_ERROR(with([&](catalog::Database& db) -> Status {
      Result<catalog::Statement> del = db.Prepare(
          "DELETE FROM hotlist_entries WHERE id IN (SELECT id FROM hotlist_entries WHERE "
          "hotlist_id = ?1 AND generation < ?2 LIMIT ?3)");
      if (!del.ok()) return del.status();
      del->Bind(1, req.list).Bind(2, report.generation).Bind(3, static_cast<std::int64_t>(kChunk));
      INTERDICT_RETURN_IF_ERROR(del->Run());
      deleted = db.Changes();
      return Status::Ok();
    }));
    if (deleted == 0) break;
  }
  return report;
}

Result<std::int64_t> ApprovePending(catalog::Database& db, const identity::Principal& p,
                                    std::int64_t list, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "hotlists.approve"));
  std::int64_t n = 0;
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    Result<ListRow> row = LoadListRow(db, list);
    if (!row.ok()) return row.status();
    if (row->agency_id != p.agency_id) {
      return Status::PermissionDenied(fmt::format("hotlist {} belongs to another agency", list));
    }
    Result<catalog::Statement> up = db.Prepare(
        "UPDATE hotlist_entries SET status = 'active', approved_by = ?3, approved_at = ?4 "
        "WHERE hotlist_id = ?1 AND generation = ?2 AND status = 'pending' AND entered_by <> ?5");
    if (!up.ok()) return up.status();
    up->Bind(1, list).Bind(2, row->generation).Bind(3, p.id).Bind(4, now).Bind(5, p.Actor());
    INTERDICT_RETURN_IF_ERROR(up->Run());
    n = db.Changes();
    if (n == 0) {
      return Status::FailedPrecondition(
          "no pending entries that another person loaded: an approver does not approve their own");
    }
    INTERDICT_RETURN_IF_ERROR(catalog::NoteChange(db, catalog::kHotlistsTopic, now).status());
    return identity::AuditAct(db, p, "hotlist.approve", true,
                              json::Object("hotlist", list, "entries", n), now);
  }));
  return n;
}

Result<std::vector<EntryInfo>> ListEntries(catalog::Database& db, const identity::Principal& p,
                                           std::int64_t list, std::string_view status,
                                           std::int64_t after_id, std::size_t limit,
                                           std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "hotlists.read"));
  if (!status.empty() && status != "active" && status != "pending")
    return Status::InvalidArgument("status: active or pending");
  std::vector<EntryInfo> out;
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    Result<ListRow> row = LoadListRow(db, list);
    if (!row.ok()) return row.status();
    if (row->agency_id != p.agency_id) {
      // Not another agency's list: its entries reach others only as hits.
      return Status::NotFound(fmt::format("no hotlist {} of {}", list, p.agency_code));
    }
    Result<catalog::Statement> q = db.Prepare(
        "SELECT e.id, e.plate, e.state, e.kind, e.status, e.detail, "
        "coalesce(u.username, e.entered_by), e.entered_at, e.expires_at FROM hotlist_entries e "
        "LEFT JOIN users u ON e.entered_by = 'user:' || u.id "
        "WHERE e.hotlist_id = ?1 AND e.generation = ?2 AND e.id > ?3 "
        "AND e.status IN ('active', 'pending') AND (?4 = '' OR e.status = ?4) "
        "ORDER BY e.id LIMIT ?5");
    if (!q.ok()) return q.status();
    q->Bind(1, list).Bind(2, row->generation).Bind(3, after_id).Bind(4, status);
    q->Bind(5, static_cast<std::int64_t>(limit));
    INTERDICT_RETURN_IF_ERROR(q->ForEach([&](const catalog::Statement& e) {
      out.push_back({e.Int(0), e.Text(1), e.Text(2), e.Text(3), e.Text(4), e.Text(5), e.Text(6),
                     e.Int(7), e.OptionalInt(8)});
    }));
    return identity::AuditAct(
        db, p, "hotlist.entries.read", true,
        json::Object("hotlist", list, "status", status, "after", after_id, "entries", out.size()),
        now);
  }));
  return out;
}

Result<std::map<std::string, bool>> ListKinds(catalog::Database& db, std::int64_t agency_id) {
  std::map<std::string, bool> out;
  for (const hotlist::KindInfo& k : hotlist::Kinds()) {
    if (k.code != hotlist::kCustomKind) out[std::string(k.code)] = false;
  }
  Result<catalog::Statement> q =
      db.Prepare("SELECT kind, enabled FROM agency_list_kinds WHERE agency_id = ?1");
  if (!q.ok()) return q.status();
  q->Bind(1, agency_id);
  for (;;) {
    Result<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out[q->Text(0)] = q->Int(1) != 0;
  }
  return out;
}

namespace {

// Writes one file's switch (inside the caller's transaction).
Status WriteKind(catalog::Database& db, std::int64_t agency, std::string_view kind, bool on,
                 std::int64_t now, const std::string& by) {
  Result<catalog::Statement> up = db.Prepare(
      "INSERT INTO agency_list_kinds (agency_id, kind, enabled, changed_at, changed_by) "
      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (agency_id, kind) DO UPDATE SET enabled = ?3, "
      "changed_at = ?4, changed_by = ?5");
  if (!up.ok()) return up.status();
  up->Bind(1, agency).Bind(2, kind).Bind(3, std::int64_t{on ? 1 : 0}).Bind(4, now).Bind(5, by);
  return up->Run();
}

}  // namespace

Result<std::vector<std::int64_t>> SetListKinds(catalog::Database& db, const identity::Principal& p,
                                               const std::map<std::string, bool>& kinds,
                                               std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "hotlists.manage"));
  for (const auto& [k, on] : kinds) {
    const hotlist::KindInfo* info = hotlist::FindKind(k);
    if (info == nullptr || info->code == hotlist::kCustomKind) {
      return Status::InvalidArgument(fmt::format("kinds: {} is not an NCIC file code", k));
    }
    if (on && !p.Can("hotlists.kinds")) {
      return Status::PermissionDenied(fmt::format(
          "kinds: turning on {} takes a supervisor and an administrator (hotlists.kinds)", k));
    }
  }
  std::vector<std::int64_t> opened;
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    Result<std::map<std::string, bool>> current = ListKinds(db, p.agency_id);
    if (!current.ok()) return current.status();
    std::vector<std::string> off;  // kinds turned off
    for (const auto& [k, on] : kinds) {
      if (on) {
        if ((*current)[k]) continue;  // already on
        Result<catalog::Statement> open = db.Query(
            "SELECT id FROM list_kind_requests WHERE agency_id = ?1 AND kind = ?2 AND "
            "approved_at IS NULL AND withdrawn_at IS NULL",
            p.agency_id, k);
        if (!open.ok()) return open.status();
        if (open->has_row()) continue;  // already asked for
        Result<catalog::Statement> ins = db.Prepare(
            "INSERT INTO list_kind_requests (agency_id, kind, proposed_by, proposed_at) VALUES "
            "(?1, ?2, ?3, ?4) RETURNING id");
        if (!ins.ok()) return ins.status();
        ins->Bind(1, p.agency_id).Bind(2, k).Bind(3, p.id).Bind(4, now);
        Result<std::int64_t> inserted = ins->RunReturningId();
        if (!inserted.ok()) return inserted.status();
        opened.push_back(*inserted);
        INTERDICT_RETURN_IF_ERROR(identity::AuditAct(
            db, p, "hotlist.kinds.request", true,
            json::Object("request", opened.back(), "kind", k, "role", p.role), now));
        continue;
      }
      // Off at once; an open request for it is withdrawn.
      INTERDICT_RETURN_IF_ERROR(WriteKind(db, p.agency_id, k, false, now, p.Actor()));
      Result<catalog::Statement> withdraw = db.Prepare(
          "UPDATE list_kind_requests SET withdrawn_at = ?3 WHERE agency_id = ?1 AND kind = ?2 "
          "AND approved_at IS NULL AND withdrawn_at IS NULL");
      if (!withdraw.ok()) return withdraw.status();
      withdraw->Bind(1, p.agency_id).Bind(2, k).Bind(3, now);
      INTERDICT_RETURN_IF_ERROR(withdraw->Run());
      off.push_back(k);
    }
    if (off.empty()) return Status::Ok();
    return identity::AuditAct(db, p, "hotlist.kinds", true, json::Write([&](json::Writer& w) {
                                w.StartObject();
                                json::Key(w, "kinds");
                                w.StartObject();
                                for (const std::string& k : off) json::Members(w, k, false);
                                w.EndObject();
                                w.EndObject();
                              }),
                              now);
  }));
  return opened;
}

Result<std::vector<KindRequest>> ListKindRequests(catalog::Database& db,
                                                  const identity::Principal& p) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "hotlists.read"));
  Result<catalog::Statement> q = db.Prepare(
      "SELECT r.id, r.kind, u.username, u.role, r.proposed_at FROM list_kind_requests r JOIN "
      "users u ON u.id = r.proposed_by WHERE r.agency_id = ?1 AND r.approved_at IS NULL AND "
      "r.withdrawn_at IS NULL ORDER BY r.id");
  if (!q.ok()) return q.status();
  q->Bind(1, p.agency_id);
  std::vector<KindRequest> out;
  INTERDICT_RETURN_IF_ERROR(q->ForEach([&](const catalog::Statement& row) {
    out.push_back({row.Int(0), row.Text(1), row.Text(2), row.Text(3), row.Int(4)});
  }));
  return out;
}

Status ApproveListKind(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                       std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "hotlists.kinds"));
  Status refusal = Status::Ok();
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    Result<catalog::Statement> q = db.Query(
        "SELECT r.kind, r.proposed_by, u.role FROM list_kind_requests r JOIN users u ON u.id = "
        "r.proposed_by WHERE r.id = ?1 AND r.agency_id = ?2 AND r.approved_at IS NULL AND "
        "r.withdrawn_at IS NULL",
        id, p.agency_id);
    if (!q.ok()) return q.status();
    if (!q->has_row())
      return Status::NotFound(fmt::format("no open request {} in {}", id, p.agency_code));
    const std::string kind = q->Text(0), proposer_role = q->Text(2);
    const std::int64_t proposer = q->Int(1);
    if (proposer == p.id || proposer_role == p.role) {
      refusal = Status::PermissionDenied(
          "turning on an NCIC file takes a supervisor and an administrator: the other role "
          "approves, never the person who asked");
      return identity::AuditAct(db, p, "hotlist.kinds.approve", false,
                                json::Object("request", id, "kind", kind, "reason",
                                             proposer == p.id ? "same person" : "same role"),
                                now);
    }
    Result<catalog::Statement> up = db.Prepare(
        "UPDATE list_kind_requests SET approved_by = ?1, approved_at = ?2 WHERE id = ?3");
    if (!up.ok()) return up.status();
    up->Bind(1, p.id).Bind(2, now).Bind(3, id);
    INTERDICT_RETURN_IF_ERROR(up->Run());
    INTERDICT_RETURN_IF_ERROR(WriteKind(db, p.agency_id, kind, true, now, p.Actor()));
    return identity::AuditAct(db, p, "hotlist.kinds.approve", true,
                              json::Object("request", id, "kind", kind, "proposed_by", proposer),
                              now);
  }));
  return refusal;
}

Status RevalidateEntry(catalog::Database& db, const identity::Principal& p, std::int64_t list,
                       std::int64_t entry, std::string_view reason, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(identity::Require(p, "hotlists.manage"));
  if (reason.size() < 10 || reason.size() > hotlist::kMaxTextBytes) {
    return Status::InvalidArgument(fmt::format(
        "reason: why the entry is still needed, 10 to {} bytes", hotlist::kMaxTextBytes));
  }
  return db.Transaction([&]() -> Status {
    Result<ListRow> row = LoadListRow(db, list);
    if (!row.ok()) return row.status();
    if (row->agency_id != p.agency_id)
      return Status::NotFound(fmt::format("no hotlist {} of {}", list, p.agency_code));
    Result<catalog::Statement> q = db.Query(
        "SELECT detail, plate FROM hotlist_entries WHERE id = ?1 AND hotlist_id = ?2 AND "
        "generation = ?3 AND status IN ('active', 'pending') AND expires_at IS NOT NULL",
        entry, list, row->generation);
    if (!q.ok()) return q.status();
    if (!q->has_row()) {
      return Status::NotFound(
          fmt::format("no custom entry {} in the current entries of hotlist {}", entry, list));
    }
    // The entry's detail is a JSON object the loader wrote; its reason is replaced.
    rapidjson::Document detail;
    if (!json::Parse(q->Text(0), &detail).ok() || !detail.IsObject())
      return Status::Corruption(
          fmt::format("hotlist entry {}: its detail is not an object", entry));
    const auto old = detail.FindMember("reason");
    if (old != detail.MemberEnd() && old->value.IsString() &&
        std::string_view(old->value.GetString(), old->value.GetStringLength()) == reason) {
      return Status::InvalidArgument(
          "reason: a new reason — the one it was entered for does not renew it");
    }
    rapidjson::Value text(reason.data(), static_cast<rapidjson::SizeType>(reason.size()),
                          detail.GetAllocator());
    if (old != detail.MemberEnd()) {
      old->value = text;
    } else {
      detail.AddMember("reason", text, detail.GetAllocator());
    }
    const std::string plate = q->Text(1);
    Result<catalog::Statement> up = db.Prepare(
        "UPDATE hotlist_entries SET detail = ?1, expires_at = ?2, validated_at = ?3 WHERE id = ?4");
    if (!up.ok()) return up.status();
    up->Bind(1, json::Write([&](json::Writer& w) { detail.Accept(w); }))
        .Bind(2, now + kCustomEntryMaxMs)
        .Bind(3, now)
        .Bind(4, entry);
    INTERDICT_RETURN_IF_ERROR(up->Run());
    INTERDICT_RETURN_IF_ERROR(catalog::NoteChange(db, catalog::kHotlistsTopic, now).status());
    return identity::AuditAct(
        db, p, "hotlist.revalidate", true,
        json::Object("hotlist", list, "entry", entry, "plate", plate, "reason", reason,
                     "expires_at", FormatRfc3339(now + kCustomEntryMaxMs)),
        now);
  });
}

}  // namespace interdict::alerting
