#include "audit/audit.h"

#include <fmt/core.h>

#include <algorithm>
#include <atomic>
#include <map>

#include "base/json_escape.h"
#include "base/json_writer.h"
#include "base/time_format.h"
#include "crypto/crypto.h"

namespace interdict::audit {
namespace {

constexpr std::string_view kDomain = "interdict-audit-v1\n";

std::atomic<std::int64_t> write_failures{0};

std::string ZeroHash() {
  return std::string(32, '\0');
}

Result<std::vector<std::int64_t>> Touched(catalog::Database& db, std::int64_t seq) {
  Result<catalog::Statement> st =
      db.Prepare("SELECT agency_id FROM audit_touched WHERE seq = ?1 ORDER BY agency_id");
  if (!st.ok()) return st.status();
  st->Bind(1, seq);
  std::vector<std::int64_t> out;
  for (;;) {
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(st->Int(0));
  }
  return out;
}

Outcome ParseOutcome(const std::string& s) {
  if (s == "denied") return Outcome::kDenied;
  if (s == "failed") return Outcome::kFailed;
  return Outcome::kOk;
}

// An entry from a row whose first seven columns are seq, time, actor,
// agency_id, event, outcome and details, with the agencies it touched.
// `outcome` gets the stored outcome text (an unknown one reads as ok here and
// fails verification by its hash).
Result<Entry> ReadEntry(catalog::Database& db, const catalog::Statement& st,
                        std::string* outcome = nullptr) {
  Entry e;
  e.seq = st.Int(0);
  e.time = st.Int(1);
  e.actor = st.Text(2);
  e.agency = st.OptionalInt(3);
  e.event = st.Text(4);
  const std::string stored = st.Text(5);
  e.outcome = ParseOutcome(stored);
  if (outcome) *outcome = stored;
  e.details = st.Text(6);
  Result<std::vector<std::int64_t>> touched = Touched(db, e.seq);
  if (!touched.ok()) return touched.status();
  e.touched = std::move(touched).value();
  return e;
}

}  // namespace

std::string_view OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kOk: return "ok";
    case Outcome::kDenied: return "denied";
    case Outcome::kFailed: return "failed";
  }
  return "failed";
}

// The chain's canonical form (docs/format/audit.md): bytes fixed once and
// hashed, not a document anyone reads, so it keeps its own serialization
// (JsonQuote's escaping) and is never written through json::Writer — a
// different escaping of one control character would break every chain
// stored before the change.
std::string EntryHash(const std::string& prev, const Entry& e) {
  std::string body = fmt::format(R"({{"seq":{},"time":{},"actor":{},"agency":{},"event":{},)",
                                 e.seq, e.time, JsonQuote(e.actor),
                                 e.agency ? std::to_string(*e.agency) : "null", JsonQuote(e.event));
  body +=
      fmt::format(R"("outcome":"{}","details":{},"touched":[)", OutcomeName(e.outcome), e.details);
  for (std::size_t i = 0; i < e.touched.size(); ++i) {
    if (i) body += ',';
    body += std::to_string(e.touched[i]);
  }
  body += "]}";
  return std::string(crypto::AsBytes(crypto::Sha256({kDomain, prev, body})));
}

namespace {

Status AppendUncounted(catalog::Database& db, Entry& e) {
  std::sort(e.touched.begin(), e.touched.end());
  e.touched.erase(std::unique(e.touched.begin(), e.touched.end()), e.touched.end());
  // The chain's head: the last entry, else the anchor, else the start.
  std::int64_t last_seq = 0;
  std::string prev = ZeroHash();
  {
    Result<catalog::Statement> st =
        db.Query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
    if (!st.ok()) return st.status();
    if (st->has_row()) {
      last_seq = st->Int(0);
      prev = st->Blob(1);
    } else {
      Result<catalog::Statement> a = db.Query("SELECT seq, hash FROM audit_anchor");
      if (!a.ok()) return a.status();
      if (a->has_row()) {
        last_seq = a->Int(0);
        prev = a->Blob(1);
      }
    }
  }
  e.seq = last_seq + 1;
  const std::string hash = EntryHash(prev, e);
  Result<catalog::Statement> ins = db.Prepare(
      "INSERT INTO audit (seq, time, actor, agency_id, event, outcome, details, prev, hash) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  if (!ins.ok()) return ins.status();
  ins->Bind(1, e.seq).Bind(2, e.time).Bind(3, e.actor).Bind(4, e.agency).Bind(5, e.event);
  ins->Bind(6, OutcomeName(e.outcome)).Bind(7, e.details).BindBlob(8, prev).BindBlob(9, hash);
  INTERDICT_RETURN_IF_ERROR(ins->Run().WithContext("audit: "));
  Result<catalog::Statement> t =
      db.Prepare("INSERT INTO audit_touched (seq, agency_id) VALUES (?1, ?2)");
  if (!t.ok()) return t.status();
  for (std::int64_t agency : e.touched) {
    t->Reset();
    t->Bind(1, e.seq).Bind(2, agency);
    INTERDICT_RETURN_IF_ERROR(t->Run().WithContext("audit: "));
  }
  return Status::Ok();
}

}  // namespace

std::int64_t WriteFailures() {
  return write_failures.load(std::memory_order_relaxed);
}

Status Append(catalog::Database& db, Entry& e) {
  Status st = AppendUncounted(db, e);
  if (st.ok()) return st;
  write_failures.fetch_add(1, std::memory_order_relaxed);
  // Whatever the database said (a constraint, a full disk), the caller's act
  // fails as a server error, never as a conflict the client could fix.
  return Status::IOError(fmt::format("{} (the act it recorded was refused)", st.message()));
}

Result<VerifyResult> Verify(catalog::Database& db) {
  VerifyResult out;
  std::int64_t expect = 1;
  std::string prev = ZeroHash();
  {
    Result<catalog::Statement> a = db.Query("SELECT seq, hash FROM audit_anchor");
    if (!a.ok()) return a.status();
    if (a->has_row()) {
      expect = a->Int(0) + 1;
      prev = a->Blob(1);
    }
  }
  Result<catalog::Statement> st = db.Prepare(
      "SELECT seq, time, actor, agency_id, event, outcome, details, prev, hash FROM audit "
      "ORDER BY seq");
  if (!st.ok()) return st.status();
  for (;;) {
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    std::string outcome;
    Result<Entry> read = ReadEntry(db, *st, &outcome);
    if (!read.ok()) return read.status();
    const Entry& e = *read;
    auto bad = [&](std::int64_t seq, std::string problem) {
      out.first_bad = seq;
      out.problem = std::move(problem);
      return out;
    };
    if (e.seq != expect) {
      return bad(expect, e.seq > expect
                             ? fmt::format("entries {}–{} are missing", expect, e.seq - 1)
                             : fmt::format("entry {} is out of order", e.seq));
    }
    if (st->Blob(7) != prev) return bad(e.seq, "does not follow the entry before it");
    if (OutcomeName(e.outcome) != outcome || EntryHash(prev, e) != st->Blob(8))
      return bad(e.seq, "its contents do not match its hash (edited)");
    prev = st->Blob(8);
    ++expect;
    ++out.entries;
  }
  out.head = crypto::HexEncode(prev);
  return out;
}

Result<std::int64_t> PurgeBefore(catalog::Database& db, std::int64_t cutoff, std::int64_t now,
                                 std::int64_t max_entries) {
  std::int64_t purged = 0;
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    // The prefix: every entry before the first one still within the period
    // (a clock stepped back cannot cut a hole in the chain), at most
    // max_entries of it.
    Result<catalog::Statement> bounds = db.Query(
        "SELECT min(seq), coalesce((SELECT min(seq) FROM audit WHERE time >= ?1), max(seq) + 1) "
        "- 1 FROM audit",
        cutoff);
    if (!bounds.ok()) return bounds.status();
    if (bounds->IsNull(0)) return Status::Ok();  // an empty trail
    const std::int64_t through = std::min(bounds->Int(1), bounds->Int(0) + max_entries - 1);
    if (through < bounds->Int(0)) return Status::Ok();  // nothing past the period
    Result<catalog::Statement> last =
        db.Query("SELECT hash, time FROM audit WHERE seq = ?1", through);
    if (!last.ok()) return last.status();
    if (!last->has_row()) {
      return Status::FailedPrecondition(fmt::format(
          "audit purge: entry {} is missing; run `interdict audit verify` first", through));
    }
    const std::string anchor = last->Blob(0);
    const std::int64_t last_time = last->Int(1);
    Result<catalog::Statement> first =
        db.Query("SELECT min(seq), min(time), count(*) FROM audit WHERE seq <= ?1", through);
    if (!first.ok()) return first.status();
    const std::int64_t from_seq = first->Int(0), from_time = first->Int(1);
    purged = first->Int(2);
    std::map<std::string, std::int64_t> by_event;
    {
      Result<catalog::Statement> ev =
          db.Prepare("SELECT event, count(*) FROM audit WHERE seq <= ?1 GROUP BY event");
      if (!ev.ok()) return ev.status();
      ev->Bind(1, through);
      INTERDICT_RETURN_IF_ERROR(
          ev->ForEach([&](const catalog::Statement& row) { by_event[row.Text(0)] = row.Int(1); }));
    }
    // The anchor first: the database refuses deletes in front of it.
    Result<catalog::Statement> a = db.Prepare(
        "INSERT INTO audit_anchor (id, seq, hash) VALUES (1, ?1, ?2) ON CONFLICT (id) DO "
        "UPDATE SET seq = excluded.seq, hash = excluded.hash");
    if (!a.ok()) return a.status();
    a->Bind(1, through).BindBlob(2, anchor);
    INTERDICT_RETURN_IF_ERROR(a->Run());
    for (const char* sql :
         {"DELETE FROM review_flags WHERE seq <= ?1", "DELETE FROM audit_touched WHERE seq <= ?1",
          "DELETE FROM audit WHERE seq <= ?1"}) {
      Result<catalog::Statement> d = db.Prepare(sql);
      if (!d.ok()) return d.status();
      d->Bind(1, through);
      INTERDICT_RETURN_IF_ERROR(d->Run());
    }
    Entry e;
    e.time = now;
    e.actor = "system";
    e.event = "audit.purge";
    e.details = json::Write([&](json::Writer& w) {
      w.StartObject();
      json::Members(w, "entries", purged, "from_seq", from_seq, "through_seq", through, "from",
                    FormatRfc3339(from_time), "to", FormatRfc3339(last_time), "cutoff",
                    FormatRfc3339(cutoff), "anchor", crypto::HexEncode(anchor));
      json::Key(w, "events");
      w.StartObject();
      for (const auto& [event, n] : by_event) json::Members(w, event, n);
      w.EndObject();
      w.EndObject();
    });
    return Append(db, e);
  }));
  return purged;
}

Result<Head> CurrentHead(catalog::Database& db) {
  Result<catalog::Statement> st = db.Query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
  if (!st.ok()) return st.status();
  if (!st->has_row()) return Head{};
  return Head{st->Int(0), crypto::HexEncode(st->Blob(1))};
}

Result<std::vector<Entry>> List(catalog::Database& db, const Query& q) {
  std::string sql =
      "SELECT a.seq, a.time, a.actor, a.agency_id, a.event, a.outcome, a.details FROM audit a "
      "WHERE a.seq > ?1 AND a.seq < ?7 AND a.time >= ?2 AND a.time < ?3";
  const std::string touching = "a.seq IN (SELECT seq FROM audit_touched WHERE agency_id = ?4)";
  if (q.others_only && q.touched_agency) {
    sql += " AND " + touching + " AND (a.agency_id IS NULL OR a.agency_id <> ?4)";
  } else if (q.touched_agency && q.actor_agency) {
    sql += " AND (" + touching + " OR a.agency_id = ?5)";
  } else if (q.touched_agency) {
    sql += " AND " + touching;
  } else if (q.actor_agency) {
    sql += " AND a.agency_id = ?5";
  }
  // A prefix match without LIKE's wildcards: events are dotted names.
  if (!q.event_prefix.empty()) sql += " AND substr(a.event, 1, length(?8)) = ?8";
  if (!q.actor.empty()) sql += " AND a.actor = ?9";
  sql += q.newest_first ? " ORDER BY a.seq DESC LIMIT ?6" : " ORDER BY a.seq LIMIT ?6";
  Result<catalog::Statement> st = db.Prepare(sql);
  if (!st.ok()) return st.status();
  st->Bind(1, q.after_seq).Bind(2, q.from).Bind(3, q.to).Bind(7, q.before_seq);
  if (q.touched_agency) st->Bind(4, *q.touched_agency);
  if (q.actor_agency && !q.others_only) st->Bind(5, *q.actor_agency);
  if (!q.event_prefix.empty()) st->Bind(8, q.event_prefix);
  if (!q.actor.empty()) st->Bind(9, q.actor);
  st->Bind(6, static_cast<std::int64_t>(q.limit));
  std::vector<Entry> out;
  for (;;) {
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    Result<Entry> e = ReadEntry(db, *st);
    if (!e.ok()) return e.status();
    out.push_back(std::move(e).value());
  }
  return out;
}

}  // namespace interdict::audit
