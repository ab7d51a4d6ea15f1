#include "cluster/clickhouse_reads.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <limits>
#include <optional>
#include <set>
#include <tuple>

#include <fmt/core.h>

#include "base/hash.h"

namespace interdict::cluster {
namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kWeek = 7 * kDay;
// Microdegrees of a read that has no position of its own.
constexpr std::int32_t kNoPosition = 2147483647;

// The columns of a read, in the order rows are written and read.
constexpr const char* kColumns =
    "agency, camera, id, time, plate, plate_raw, state, state_conf, plate_conf, lat_e6, lon_e6, "
    "heading, alternates, make, model, color, body, image_plate, image_overview, class, received";
constexpr std::size_t kColumnCount = 21;
constexpr const char* kColumnTypes =
    "agency String, camera String, id String, time Int64, plate String, plate_raw String, "
    "state String, state_conf UInt8, plate_conf UInt8, lat_e6 Int32, lon_e6 Int32, "
    "heading Int16, alternates String, make String, model String, color String, body String, "
    "image_plate String, image_overview String, class UInt8, received Int64";
// Weeks start on Monday, as toMonday has them; 1970-01-01 was a Thursday.
constexpr const char* kPartition = "(class, toMonday(toDate(intDiv(time, 1000))))";

// Days since 1970-01-01 of a date in the proleptic Gregorian calendar
// (Howard Hinnant's days_from_civil).
std::int64_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

template <typename T>
bool ParseInt(const std::string& s, T* out) {
  const char* end = s.data() + s.size();
  return std::from_chars(s.data(), end, *out).ptr == end;
}

void AppendRow(std::string& out, const read::Read& r, int retention_class, std::int64_t received) {
  auto field = [&](std::string_view v) {
    AppendTabField(out, v);
    out += '\t';
  };
  field(r.agency);
  field(r.camera);
  field(r.id);
  out += fmt::format("{}\t", r.time);
  field(r.plate.str());
  field(r.raw_plate);
  field(r.state.known() ? r.state.code() : std::string_view());
  out += fmt::format("{}\t{}\t{}\t{}\t{}\t", r.state_confidence.raw(), r.plate_confidence.raw(),
                     r.position ? r.position->lat_e6 : kNoPosition,
                     r.position ? r.position->lon_e6 : kNoPosition, r.heading);
  std::string alternates;
  for (const read::Alternate& a : r.alternates)
    alternates +=
        fmt::format("{}{}:{}", alternates.empty() ? "" : " ", a.plate.str(), a.confidence.raw());
  field(alternates);
  field(r.vehicle.make);
  field(r.vehicle.model);
  field(r.vehicle.color);
  field(r.vehicle.body);
  field(r.plate_image);
  field(r.overview_image);
  out += fmt::format("{}\t{}\n", retention_class, received);
}

Result<read::Read> DecodeRow(Row& row) {
  if (row.size() < kColumnCount)
    return Status::Internal(
        fmt::format("ClickHouse row: {} columns, not {}", row.size(), kColumnCount));
  // Names the read: its identity is moved out of the row last.
  auto bad = [&](std::string_view column) {
    return Status::Internal(
        fmt::format("ClickHouse row {}/{}/{}: bad {}", row[0], row[1], row[2], column));
  };
  read::Read r;
  if (!ParseInt(row[3], &r.time)) return bad("time");
  Result<plate::Plate> p = plate::Plate::FromNormalized(row[4]);
  if (!p.ok()) return bad("plate");
  r.plate = *p;
  r.raw_plate = std::move(row[5]);
  if (!row[6].empty()) {
    Result<plate::Jurisdiction> j = plate::Jurisdiction::Parse(row[6]);
    if (!j.ok()) return bad("state");
    r.state = *j;
  }
  unsigned sc = 0, pc = 0;
  std::int32_t lat = 0, lon = 0;
  if (!ParseInt(row[7], &sc) || !ParseInt(row[8], &pc) || sc > 255 || pc > 255)
    return bad("confidence");
  r.state_confidence = read::Confidence::FromRaw(static_cast<std::uint8_t>(sc));
  r.plate_confidence = read::Confidence::FromRaw(static_cast<std::uint8_t>(pc));
  if (!ParseInt(row[9], &lat) || !ParseInt(row[10], &lon)) return bad("position");
  if (lat != kNoPosition) r.position = geo::Point{lat, lon};
  if (!ParseInt(row[11], &r.heading)) return bad("heading");
  std::string_view alts = row[12];
  while (!alts.empty()) {
    const std::size_t space = alts.find(' ');
    const std::string_view one = alts.substr(0, space);
    const std::size_t colon = one.find(':');
    unsigned conf = 0;
    if (colon == std::string_view::npos) return bad("alternates");
    Result<plate::Plate> ap = plate::Plate::FromNormalized(one.substr(0, colon));
    const std::string_view c = one.substr(colon + 1);
    if (!ap.ok() ||
        std::from_chars(c.data(), c.data() + c.size(), conf).ptr != c.data() + c.size() ||
        conf > 255)
      return bad("alternates");
    r.alternates.push_back({*ap, read::Confidence::FromRaw(static_cast<std::uint8_t>(conf))});
    alts = space == std::string_view::npos ? std::string_view() : alts.substr(space + 1);
  }
  r.vehicle.make = std::move(row[13]);
  r.vehicle.model = std::move(row[14]);
  r.vehicle.color = std::move(row[15]);
  r.vehicle.body = std::move(row[16]);
  r.plate_image = std::move(row[17]);
  r.overview_image = std::move(row[18]);
  r.agency = std::move(row[0]);
  r.camera = std::move(row[1]);
  r.id = std::move(row[2]);
  return r;
}

bool Expired(const store::RetentionRule* rule, std::int64_t time, std::int64_t now) {
  return rule != nullptr && rule->non_hit_ms >= 0 && time < now - rule->non_hit_ms;
}

// The reads a hold keeps, as SQL.
std::string HoldTerm(const store::Hold& h) {
  std::string t = "1";
  if (h.plate) t += " AND plate = " + Quote(h.plate->str());
  if (!h.camera.empty()) t += " AND camera = " + Quote(h.camera);
  if (h.from != std::numeric_limits<std::int64_t>::min())
    t += fmt::format(" AND time >= {}", h.from);
  if (h.to != std::numeric_limits<std::int64_t>::max()) t += fmt::format(" AND time < {}", h.to);
  return "(" + t + ")";
}

// The reads of `agency` that a search may see at `now`: unexpired, or held.
std::string VisibleTerm(const std::string& agency, const store::RetentionRule* rule,
                        const std::vector<store::Hold>& holds, std::int64_t now) {
  const std::string is = "agency = " + Quote(agency);
  if (rule == nullptr || rule->non_hit_ms < 0) return is;
  std::string kept = fmt::format("time >= {}", now - rule->non_hit_ms);
  for (const store::Hold& h : holds) {
    if (h.expires_at <= now || (!h.agency.empty() && h.agency != agency)) continue;
    kept += " OR " + HoldTerm(h);
  }
  return fmt::format("({} AND ({}))", is, kept);
}

// After the cursor in the order newest first, then agency, camera and id.
std::string AfterTerm(const store::ReadCursor& c) {
  return fmt::format(
      "(time < {0} OR (time = {0} AND (agency > {1} OR (agency = {1} AND (camera > {2} OR "
      "(camera = {2} AND id > {3}))))))",
      c.time, Quote(c.agency), Quote(c.camera), Quote(c.id));
}

std::string InList(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + Quote(s);
  return out;
}

}  // namespace

int RetentionClass(const store::RetentionRule& rule) {
  const std::int64_t p = rule.non_hit_ms;
  if (p < 0) return 5;
  if (p < kDay) return 0;
  if (p <= 30 * kDay) return 1;
  if (p <= 90 * kDay) return 2;
  if (p <= 365 * kDay) return 3;
  if (p <= 3 * 365 * kDay) return 4;
  return 5;
}

ClickHouseReads::ClickHouseReads(ClickHouseReadsOptions options, const Clock& clock, Logger& log)
    : opts_(std::move(options)),
      clock_(clock),
      log_(log),
      ch_(std::make_unique<ClickHouse>(opts_.shards, opts_.timeout, opts_.user)) {}

ClickHouseReads::~ClickHouseReads() = default;

Result<std::unique_ptr<ClickHouseReads>> ClickHouseReads::Open(ClickHouseReadsOptions options,
                                                               const Clock& clock, Logger& log) {
  if (options.shards.empty() || options.shards.front().empty())
    return Status::InvalidArgument("ClickHouse: no nodes configured");
  if (options.cluster.empty() && (options.shards.size() > 1 || options.shards[0].size() > 1))
    return Status::InvalidArgument(
        "ClickHouse: several nodes need the cluster's name (its Distributed tables)");
  std::unique_ptr<ClickHouseReads> s(new ClickHouseReads(std::move(options), clock, log));
  INTERDICT_RETURN_IF_ERROR(s->CreateSchema());
  return s;
}

std::string ClickHouseReads::Table(std::string_view name) const {
  return opts_.cluster.empty() ? fmt::format("interdict.{}_local", name)
                               : fmt::format("interdict.{}", name);
}

Status ClickHouseReads::CreateSchema() {
  auto engine = [&](std::string_view table) {
    return opts_.replicated
               ? fmt::format(
                     "ReplicatedReplacingMergeTree('/clickhouse/interdict/{{shard}}/{}', "
                     "'{{replica}}')",
                     table)
               : std::string("ReplacingMergeTree");
  };
  std::vector<std::string> ddl = {
      "CREATE DATABASE IF NOT EXISTS interdict",
      fmt::format("CREATE TABLE IF NOT EXISTS interdict.reads_local ({}) ENGINE = {} "
                  "PARTITION BY {} ORDER BY (plate, time, agency, camera, id)",
                  kColumnTypes, engine("reads_local"), kPartition),
      fmt::format("CREATE TABLE IF NOT EXISTS interdict.reads_by_camera_local ({}) ENGINE = {} "
                  "PARTITION BY {} ORDER BY (camera, time, agency, id)",
                  kColumnTypes, engine("reads_by_camera_local"), kPartition),
      fmt::format("CREATE MATERIALIZED VIEW IF NOT EXISTS interdict.reads_by_camera_feed TO "
                  "interdict.reads_by_camera_local AS SELECT {} FROM interdict.reads_local",
                  kColumns)};
  if (!opts_.cluster.empty()) {
    for (const char* t : {"reads", "reads_by_camera"})
      ddl.push_back(
          fmt::format("CREATE TABLE IF NOT EXISTS interdict.{0} AS interdict.{0}_local ENGINE = "
                      "Distributed({1}, interdict, {0}_local, rand())",
                      t, opts_.cluster));
  }
  for (const auto& shard : opts_.shards) {
    for (const ClickHouseNode& node : shard) {
      for (const std::string& statement : ddl) {
        if (Status st = ch_->Run(node, statement); !st.ok())
          return Status(st.code(), "creating the reads' tables: " + st.message());
      }
    }
  }
  return Status::Ok();
}

Status ClickHouseReads::OnEachShard(const std::string& statement) {
  for (const auto& shard : opts_.shards) {
    Status done = Status::Unavailable("no replica answered");
    for (const ClickHouseNode& node : shard) {
      Status st = ch_->Run(node, statement);
      if (!st.ok() && st.code() != StatusCode::kUnavailable) return st;
      if (st.ok()) {
        done = st;
        if (opts_.replicated) break;
      }
    }
    INTERDICT_RETURN_IF_ERROR(done);
  }
  return Status::Ok();
}

ClickHouseReads::Verdict ClickHouseReads::JudgeLocked(const read::Read& r, std::int64_t now) const {
  Verdict v;
  auto rule = retention_.find(r.agency);
  v.rule = rule == retention_.end() ? nullptr : &rule->second;
  if (Expired(v.rule, r.time, now)) {
    v.hold = store::HoldCovering(holds_, r.agency, r.plate, r.camera, r.time, now);
    v.kept = v.hold != nullptr;
  }
  return v;
}

bool ClickHouseReads::Keeps(const read::Read& r) const {
  const std::int64_t now = clock_.NowMillis();
  std::lock_guard l(mu_);
  return JudgeLocked(r, now).kept;
}

Result<store::AppendResult> ClickHouseReads::Insert(const std::vector<read::Read>& reads,
                                                    const std::vector<std::int64_t>& received,
                                                    bool* replicated) {
  if (received.size() != 1 && received.size() != reads.size())
    return Status::InvalidArgument("one received time, or one for each read");
  store::AppendResult out;
  out.kept.assign(reads.size(), false);
  const std::int64_t now = clock_.NowMillis();
  std::vector<std::string> bodies(opts_.shards.size());
  std::size_t replica_start = 0;
  {
    std::lock_guard l(mu_);
    replica_start = next_replica_++;
    for (std::size_t i = 0; i < reads.size(); ++i) {
      const read::Read& r = reads[i];
      const Verdict v = JudgeLocked(r, now);
      if (!v.kept) {
        ++out.expired;
        continue;
      }
      std::string& body = bodies[Hash64(r.plate.str()) % bodies.size()];
      if (body.empty())
        body =
            fmt::format("INSERT INTO interdict.reads_local ({}) FORMAT TabSeparated\n", kColumns);
      AppendRow(body, r, RetentionClass(v.rule ? *v.rule : store::RetentionRule{}),
                received.size() == 1 ? received[0] : received[i]);
      out.kept[i] = true;
      ++out.accepted;
    }
  }
  bool all_replicated = true;
  for (std::size_t s = 0; s < bodies.size(); ++s) {
    if (bodies[s].empty()) continue;
    const auto& replicas = opts_.shards[s];
    // The first replica that takes it: one may be away, or read-only (it
    // lost ZooKeeper), while the other works.
    std::size_t into = replicas.size();
    Status st = Status::Unavailable("no replica answered");
    for (std::size_t k = 0; k < replicas.size() && into == replicas.size(); ++k) {
      const std::size_t at = (replica_start + k) % replicas.size();
      st = ch_->Run(replicas[at], bodies[s]);
      if (st.ok()) into = at;
    }
    if (!st.ok())
      return Status(st.code(), fmt::format("inserting into shard {}: {}", s + 1, st.message()));
    if (!opts_.replicated) continue;
    for (std::size_t k = 0; k < replicas.size(); ++k) {
      if (k == into) continue;
      for (const char* t : {"reads_local", "reads_by_camera_local"}) {
        if (Status sync = ch_->Run(replicas[k], fmt::format("SYSTEM SYNC REPLICA interdict.{}", t));
            !sync.ok()) {
          all_replicated = false;
          break;
        }
      }
    }
  }
  if (replicated != nullptr) *replicated = all_replicated;
  return out;
}

Result<store::AppendResult> ClickHouseReads::Append(std::vector<read::Read> reads) {
  return Insert(reads, {clock_.NowMillis()});
}

// A query made SQL: its table and conditions, and what is left to check on
// each row here.
struct ClickHouseReads::Prepared {
  bool nothing = false;      // answers nothing whatever the tables hold
  std::string table, where;  // `where` without the plate, the one camera and the time window
  std::string plate;         // the plate asked for, or empty
  std::string camera;        // the one camera asked for (no area), or empty
  std::string window;        // " AND time >= … AND time < …", or what of it is bounded
  std::set<std::string> area_cameras, mobile_cameras;
  bool filtered_here = false;  // some rows the SQL returns may not pass

  bool InArea(const store::ReadQuery& q, const read::Read& r) const {
    if (area_cameras.count(r.camera)) return true;
    if (!mobile_cameras.count(r.camera) || !r.position) return false;
    return q.area->polygon.empty()
               ? geo::DistanceMeters(*r.position, q.area->center) <= q.area->radius_m
               : geo::RingContains(q.area->polygon, *r.position);
  }
};

Result<ClickHouseReads::Prepared> ClickHouseReads::Prepare(const store::ReadQuery& q,
                                                           std::int64_t now) const {
  const int kinds = (q.plate ? 1 : 0) + (q.pattern ? 1 : 0) + (q.area ? 1 : 0);
  if (kinds > 1)
    return Status::InvalidArgument("a query has at most one of plate, pattern and area");
  Prepared p;
  if (q.agencies.empty() || q.limit == 0) {
    p.nothing = true;
    return p;
  }
  std::string& where = p.where;
  {
    std::lock_guard l(mu_);
    for (const std::string& agency : std::set<std::string>(q.agencies.begin(), q.agencies.end())) {
      auto rule = retention_.find(agency);
      where += (where.empty() ? "(" : " OR ") +
               VisibleTerm(agency, rule == retention_.end() ? nullptr : &rule->second, holds_, now);
    }
    where += ")";
  }
  if (q.from != std::numeric_limits<std::int64_t>::min())
    p.window += fmt::format(" AND time >= {}", q.from);
  if (q.to != std::numeric_limits<std::int64_t>::max())
    p.window += fmt::format(" AND time < {}", q.to);
  p.table = Table("reads");
  if (q.plate) {
    p.plate = q.plate->str();
  } else if (q.pattern) {
    std::string like;  // plates hold only A-Z and 0-9, so '_' and '%' need no escape
    for (char ch : q.pattern->text()) like += ch == '?' ? '_' : ch == '*' ? '%' : ch;
    where += " AND plate LIKE " + Quote(like);
  } else if (q.area || !q.cameras.empty()) {
    p.table = Table("reads_by_camera");
  }
  if (q.area) {
    p.area_cameras.insert(q.area->cameras.begin(), q.area->cameras.end());
    p.mobile_cameras.insert(q.area->mobile_cameras.begin(), q.area->mobile_cameras.end());
    std::vector<std::string> all(p.area_cameras.begin(), p.area_cameras.end());
    all.insert(all.end(), p.mobile_cameras.begin(), p.mobile_cameras.end());
    if (all.empty()) {
      p.nothing = true;
      return p;
    }
    where += " AND camera IN (" + InList(all) + ")";
  }
  if (q.cameras.size() == 1 && !q.area)
    p.camera = q.cameras.front();
  else if (!q.cameras.empty())
    where += " AND camera IN (" + InList(q.cameras) + ")";
  if (q.state) where += " AND state = " + Quote(q.state->code());
  p.filtered_here = (q.area && !p.mobile_cameras.empty()) || q.exclude;
  return p;
}

std::string ClickHouseReads::Select(const Prepared& p,
                                    const std::optional<store::ReadCursor>& after,
                                    std::size_t fetch, std::string_view tag) const {
  return fmt::format(
      "SELECT {}{} FROM {} WHERE {}{}{}{} ORDER BY time DESC, agency, camera, id "
      "LIMIT 1 BY agency, camera, id LIMIT {}",
      tag, kColumns, p.table, p.where, p.plate.empty() ? "" : " AND plate = " + Quote(p.plate),
      (p.camera.empty() ? "" : " AND camera = " + Quote(p.camera)) + p.window,
      after ? " AND " + AfterTerm(*after) : "", fetch);
}

Result<bool> ClickHouseReads::Absorb(const store::ReadQuery& q, const Prepared& p,
                                     std::vector<Row>& rows, std::size_t skip, std::size_t fetch,
                                     store::QueryResult& out,
                                     std::optional<store::ReadCursor>& after) const {
  for (Row& row : rows) {
    row.erase(row.begin(), row.begin() + static_cast<std::ptrdiff_t>(skip));
    Result<read::Read> r = DecodeRow(row);
    if (!r.ok()) return r.status();
    after = store::ReadCursor{r->time, r->agency, r->camera, r->id};
    if (q.area && !p.InArea(q, *r)) continue;
    if (q.exclude && q.exclude(*r)) continue;
    if (out.reads.size() == q.limit) {
      out.truncated = true;
      break;
    }
    out.reads.push_back(std::move(r).value());
  }
  const bool done = out.truncated || rows.size() < fetch || !p.filtered_here;
  if (done && out.truncated && !out.reads.empty()) {
    const read::Read& last = out.reads.back();
    out.next = store::ReadCursor{last.time, last.agency, last.camera, last.id};
  }
  return done;
}

Result<store::QueryResult> ClickHouseReads::Query(const store::ReadQuery& q) const {
  Result<Prepared> p = Prepare(q, clock_.NowMillis());
  if (!p.ok()) return p.status();
  store::QueryResult out;
  if (p->nothing) return out;
  // Pages of rows until one more than the limit passed the filters applied
  // here (or none are left): then `truncated` is known.
  std::optional<store::ReadCursor> after = q.after;
  for (std::size_t fetch = q.limit + 1;; fetch = std::min<std::size_t>(fetch * 2, 1'000'000)) {
    Result<std::vector<Row>> rows = ch_->SelectAny(Select(*p, after, fetch, ""));
    if (!rows.ok()) return rows.status();
    Result<bool> done = Absorb(q, *p, *rows, 0, fetch, out, after);
    if (!done.ok()) return done.status();
    if (*done) return out;
  }
}

Result<std::vector<store::QueryResult>> ClickHouseReads::QueryMany(
    const std::vector<store::ReadQuery>& queries) const {
  // One round trip for many queries: their SELECTs in UNION ALL, each row
  // tagged with its query's index, in statements of at most ~100 KB (under
  // ClickHouse's max_query_size of 256 KiB) and 16 SELECTs: ClickHouse reads
  // the parts side by side, each with buffers for every column (~20 MB), and
  // a statement of a hundred ran out of a 2 GB query memory limit.
  constexpr std::size_t kStatementBytes = 100'000;
  constexpr std::size_t kSelectsPerStatement = 16;
  const std::int64_t now = clock_.NowMillis();
  std::vector<store::QueryResult> out(queries.size());
  std::vector<Prepared> prepared;
  prepared.reserve(queries.size());
  for (const store::ReadQuery& q : queries) {
    Result<Prepared> p = Prepare(q, now);
    if (!p.ok()) return p.status();
    prepared.push_back(std::move(p).value());
  }
  // Queries that differ only in their time window and their one camera (a
  // convoy's passes) become one SELECT whose condition ORs the windows; queries that
  // differ only in their plate (a convoy's companions' histories), one
  // SELECT of `plate IN (…)`. At most kMergedPerSelect a SELECT: one range
  // read per camera or plate instead of a granule (8,192 rows) per query.
  // The rows go to every query that holds them. Such a SELECT's row limit is
  // its queries' sum; if it reaches it, its queries are asked one by one.
  constexpr std::size_t kMergedPerSelect = 500;
  struct Part {
    std::string sql;
    std::vector<std::size_t> queries;  // whose rows it holds
    std::size_t fetch = 0;             // its row limit
    bool by_plate = false;             // its rows go to queries by plate, else by time
  };
  std::vector<Part> parts;
  {
    using Groups = std::map<std::string, std::vector<std::size_t>>;  // conditions → queries
    Groups by_window, by_plate;
    for (std::size_t i = 0; i < queries.size(); ++i) {
      const store::ReadQuery& q = queries[i];
      const Prepared& p = prepared[i];
      if (p.nothing) continue;
      if (!q.after && q.from != std::numeric_limits<std::int64_t>::min() &&
          q.to != std::numeric_limits<std::int64_t>::max())
        by_window[p.table + '\n' + p.where + '\n' + p.plate].push_back(i);
      else if (!q.after && !p.plate.empty())
        by_plate[p.table + '\n' + p.where + '\n' + p.camera + '\n' + p.window].push_back(i);
      else
        parts.push_back(
            {Select(p, q.after, q.limit + 1, fmt::format("{} AS query, ", parts.size())),
             {i},
             q.limit + 1});
    }
    // A window alone may still share its plate with others of its window.
    for (auto it = by_window.begin(); it != by_window.end();) {
      const std::size_t i = it->second.front();
      if (it->second.size() == 1 && !prepared[i].plate.empty()) {
        by_plate[prepared[i].table + '\n' + prepared[i].where + '\n' + prepared[i].camera + '\n' +
                 prepared[i].window]
            .push_back(i);
        it = by_window.erase(it);
      } else {
        ++it;
      }
    }
    auto merge = [&](const Groups& groups, bool plates) {
      for (const auto& [key, members] : groups) {
        for (std::size_t from = 0; from < members.size(); from += kMergedPerSelect) {
          Part part;
          part.by_plate = plates;
          std::string terms;
          for (std::size_t k = from; k < std::min(members.size(), from + kMergedPerSelect); ++k) {
            const store::ReadQuery& q = queries[members[k]];
            const Prepared& m = prepared[members[k]];
            terms += plates ? fmt::format("{}{}", terms.empty() ? "" : ", ", Quote(m.plate))
                            : fmt::format(
                                  "{}({}time >= {} AND time < {})", terms.empty() ? "" : " OR ",
                                  m.camera.empty() ? "" : "camera = " + Quote(m.camera) + " AND ",
                                  q.from, q.to);
            part.queries.push_back(members[k]);
            part.fetch = std::min<std::size_t>(part.fetch + q.limit + 1, 10'000'000);
          }
          const Prepared& p = prepared[members[from]];
          const std::string rest =
              plates ? fmt::format(" AND plate IN ({}){}{}", terms,
                                   p.camera.empty() ? "" : " AND camera = " + Quote(p.camera),
                                   p.window)
                     : fmt::format("{} AND ({})",
                                   p.plate.empty() ? "" : " AND plate = " + Quote(p.plate), terms);
          part.sql = fmt::format(
              "SELECT {} AS query, {} FROM {} WHERE {}{} ORDER BY time DESC, agency, camera, id "
              "LIMIT 1 BY agency, camera, id LIMIT {}",
              parts.size(), kColumns, p.table, p.where, rest, part.fetch);
          parts.push_back(std::move(part));
        }
      }
    };
    merge(by_window, false);
    merge(by_plate, true);
  }
  std::vector<std::vector<Row>> rows(parts.size());
  std::string sql;
  std::size_t selects = 0;
  auto send = [&]() -> Status {
    if (sql.empty()) return Status::Ok();
    Result<std::vector<Row>> got = ch_->SelectAny(sql);
    sql.clear();
    selects = 0;
    if (!got.ok()) return got.status();
    for (Row& row : *got) {
      std::size_t i = 0;
      if (row.size() < 6 || !ParseInt(row[0], &i) || i >= parts.size())
        return Status::Internal("ClickHouse: a row of no query");
      rows[i].push_back(std::move(row));
    }
    return Status::Ok();
  };
  for (const Part& part : parts) {
    if (!sql.empty() &&
        (sql.size() + part.sql.size() > kStatementBytes || selects == kSelectsPerStatement))
      INTERDICT_RETURN_IF_ERROR(send());
    sql += (sql.empty() ? "" : " UNION ALL ") + part.sql;
    ++selects;
  }
  INTERDICT_RETURN_IF_ERROR(send());
  std::vector<bool> answered(queries.size(), false);
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const Part& part = parts[k];
    // UNION ALL interleaves its parts' rows; each part's order is restored.
    std::sort(rows[k].begin(), rows[k].end(), [](const Row& a, const Row& b) {
      const std::int64_t ta = std::strtoll(a[4].c_str(), nullptr, 10);
      const std::int64_t tb = std::strtoll(b[4].c_str(), nullptr, 10);
      if (ta != tb) return ta > tb;
      return std::tie(a[1], a[2], a[3]) < std::tie(b[1], b[2], b[3]);
    });
    if (part.queries.size() > 1 && rows[k].size() >= part.fetch) continue;  // asked alone below
    for (std::size_t i : part.queries) {
      std::vector<Row> mine;
      if (part.queries.size() == 1) {
        mine = std::move(rows[k]);
      } else {
        for (const Row& row : rows[k]) {
          if (part.by_plate) {
            if (row[5] == prepared[i].plate) mine.push_back(row);
            continue;
          }
          const std::int64_t t = std::strtoll(row[4].c_str(), nullptr, 10);
          if (t >= queries[i].from && t < queries[i].to &&
              (prepared[i].camera.empty() || row[2] == prepared[i].camera))
            mine.push_back(row);
        }
      }
      // The window's rows are all here when the part was not cut short.
      const std::size_t fetch = part.queries.size() == 1 ? part.fetch : mine.size() + 1;
      std::optional<store::ReadCursor> after = queries[i].after;
      Result<bool> done = Absorb(queries[i], prepared[i], mine, 1, fetch, out[i], after);
      if (!done.ok()) return done.status();
      answered[i] = *done;
    }
  }
  for (std::size_t i = 0; i < queries.size(); ++i) {
    if (prepared[i].nothing || answered[i]) continue;
    // Cut short (by a filter applied here, or the part's row limit): the
    // query again, on its own.
    out[i] = store::QueryResult{};
    Result<store::QueryResult> alone = Query(queries[i]);
    if (!alone.ok()) return alone.status();
    out[i] = std::move(alone).value();
  }
  return out;
}

std::vector<plate::Plate> ClickHouseReads::KnownPlates(
    const std::vector<plate::Plate>& candidates) const {
  std::vector<plate::Plate> out;
  if (candidates.empty()) return out;
  std::vector<std::string> plates;
  for (const plate::Plate& p : candidates) plates.push_back(p.str());
  Result<std::vector<Row>> rows = ch_->SelectAny(fmt::format(
      "SELECT DISTINCT plate FROM {} WHERE plate IN ({})", Table("reads"), InList(plates)));
  if (!rows.ok()) {
    // A look-alike search then finds only what it can: logged, never a crash.
    log_.Warn("looking up look-alike plates on ClickHouse failed",
              {{"error", rows.status().message()}});
    return out;
  }
  for (const Row& row : *rows) {
    if (Result<plate::Plate> p = plate::Plate::FromNormalized(row.at(0)); p.ok()) out.push_back(*p);
  }
  std::sort(out.begin(), out.end(),
            [](const plate::Plate& a, const plate::Plate& b) { return a.Pack() < b.Pack(); });
  return out;
}

std::string ClickHouseReads::HoldFor(const read::Read& r) const {
  const std::int64_t now = clock_.NowMillis();
  std::lock_guard l(mu_);
  const store::Hold* h = JudgeLocked(r, now).hold;
  return h == nullptr ? std::string() : h->id;
}

void ClickHouseReads::SetRetention(std::map<std::string, store::RetentionRule> by_agency) {
  std::lock_guard l(mu_);
  retention_ = std::move(by_agency);
  recheck_.clear();
}

void ClickHouseReads::SetHolds(std::vector<store::Hold> holds) {
  std::lock_guard l(mu_);
  holds_ = std::move(holds);
  recheck_.clear();
}

Result<ClusterPurge> ClickHouseReads::Purge() {
  ClusterPurge out;
  const std::int64_t now = clock_.NowMillis();
  std::map<std::string, store::RetentionRule> rules;
  std::vector<store::Hold> holds;
  {
    std::lock_guard l(mu_);
    rules = retention_;
    holds = holds_;
  }
  std::erase_if(holds, [&](const store::Hold& h) { return h.expires_at <= now; });
  // 1. Whole partitions: a week of a class whose every agency's reads there
  // have expired, and that no hold reaches into. The candidates come from
  // the parts' list; only for those are the agencies in them looked up.
  std::int64_t shortest = -1;
  for (const auto& [agency, rule] : rules) {
    if (rule.non_hit_ms >= 0 && (shortest < 0 || rule.non_hit_ms < shortest))
      shortest = rule.non_hit_ms;
  }
  std::set<std::string> names;
  if (shortest >= 0) {
    for (const auto& shard : opts_.shards) {
      Result<std::vector<Row>> rows = Status::Unavailable("no replica answered");
      for (const ClickHouseNode& node : shard) {
        rows = ch_->Select(node,
                           "SELECT DISTINCT partition FROM system.parts WHERE active AND "
                           "database = 'interdict' AND table = 'reads_local'");
        if (rows.ok() || rows.status().code() != StatusCode::kUnavailable) break;
      }
      if (!rows.ok()) return rows.status();
      for (const Row& row : *rows) names.insert(row.at(0));
    }
  }
  for (const std::string& name : names) {
    // "(3,'2026-11-30')": the class and the week's Monday.
    int cls = 0, y = 0, m = 0, d = 0;
    if (std::sscanf(name.c_str(), "(%d,'%d-%d-%d')", &cls, &y, &m, &d) != 4) {
      log_.Warn("a partition of the reads has an unexpected name", {{"partition", name}});
      continue;
    }
    const std::int64_t start = DaysFromCivil(y, m, d) * kDay;
    const std::int64_t end = start + kWeek;
    if (end > now - shortest) continue;  // not even the shortest period has passed
    {
      std::lock_guard l(mu_);
      auto later = recheck_.find(name);
      if (later != recheck_.end() && later->second > now) continue;
    }
    Result<std::vector<Row>> agencies = ch_->SelectAny(
        fmt::format("SELECT DISTINCT agency FROM {} WHERE class = {} AND time >= {} AND time < {}",
                    Table("reads"), cls, start, end));
    if (!agencies.ok()) return agencies.status();
    std::int64_t droppable_at = now;
    for (const Row& row : *agencies) {
      const std::string& agency = row.at(0);
      auto rule = rules.find(agency);
      if (rule == rules.end() || rule->second.non_hit_ms < 0) {
        droppable_at = std::numeric_limits<std::int64_t>::max();
        break;
      }
      droppable_at = std::max(droppable_at, end + rule->second.non_hit_ms);
      for (const store::Hold& h : holds) {
        if ((h.agency.empty() || h.agency == agency) && h.from < end && h.to > start)
          droppable_at = std::max(droppable_at, h.expires_at);
      }
    }
    if (droppable_at > now) {
      std::lock_guard l(mu_);
      recheck_[name] = droppable_at;
      continue;
    }
    for (const char* t : {"reads_local", "reads_by_camera_local"})
      INTERDICT_RETURN_IF_ERROR(
          OnEachShard(fmt::format("ALTER TABLE interdict.{} DROP PARTITION {}", t, name)));
    out.dropped_partitions.push_back(name);
  }
  // 2. The rest: each agency's expired reads that are not held, deleted by a
  // mutation once its cutoff moved on by half its deadline, so the last read
  // to expire is gone within max(60 s, 5 % of the period).
  for (const auto& [agency, rule] : rules) {
    if (rule.non_hit_ms < 0) continue;
    const std::int64_t cutoff = now - rule.non_hit_ms;
    const std::int64_t step = std::max<std::int64_t>(kMinute, rule.non_hit_ms / 20) / 2;
    std::int64_t& last = purged_before_[agency];
    if (last != 0 && cutoff - last < step) continue;
    std::string unheld;
    for (const store::Hold& h : holds) {
      if (h.agency.empty() || h.agency == agency) unheld += " AND NOT " + HoldTerm(h);
    }
    // A mutation rewrites the parts it touches (on 18.16, maybe every part):
    // none is issued when no such read is there (a server's first purge
    // after its start, an agency with nothing old).
    Result<std::vector<Row>> any =
        ch_->SelectAny(fmt::format("SELECT 1 FROM {} WHERE agency = {} AND time < {}{} LIMIT 1",
                                   Table("reads"), Quote(agency), cutoff, unheld));
    if (!any.ok()) return any.status();
    if (any->empty()) {
      last = cutoff;
      continue;
    }
    for (const char* t : {"reads_local", "reads_by_camera_local"})
      INTERDICT_RETURN_IF_ERROR(OnEachShard(
          fmt::format("ALTER TABLE interdict.{} DELETE WHERE agency = {} AND time < {}{}", t,
                      Quote(agency), cutoff, unheld)));
    last = cutoff;
    out.deleted_before[agency] = cutoff;
  }
  return out;
}

Result<std::uint64_t> ClickHouseReads::CountReads() const {
  Result<std::vector<Row>> rows =
      ch_->SelectAny("SELECT uniqExact(agency, camera, id) FROM " + Table("reads"));
  if (!rows.ok()) return rows.status();
  std::uint64_t n = 0;
  if (rows->empty() || !ParseInt(rows->front().at(0), &n))
    return Status::Internal("ClickHouse: no count");
  return n;
}

}  // namespace interdict::cluster

namespace interdict::cluster {

Status ClickHouseReads::Verify(std::vector<std::string>* problems) const {
  const std::size_t shards = opts_.shards.size();
  std::uint64_t total = 0;
  for (std::size_t s = 0; s < shards; ++s) {
    std::optional<std::uint64_t> shard_count;
    for (const ClickHouseNode& node : opts_.shards[s]) {
      const std::string where = fmt::format("shard {} node {}", s + 1, node.name());
      if (opts_.replicated) {
        for (const char* t : {"reads_local", "reads_by_camera_local"}) {
          if (Status st = ch_->Run(node, fmt::format("SYSTEM SYNC REPLICA interdict.{}", t));
              !st.ok()) {
            problems->push_back(fmt::format("{}: {}", where, st.message()));
          }
        }
      }
      std::uint64_t counts[2] = {0, 0};
      bool answered = true;
      for (int k = 0; k < 2; ++k) {
        Result<std::vector<Row>> n = ch_->Select(
            node, fmt::format("SELECT count() FROM (SELECT agency, camera, id FROM interdict.{} "
                              "GROUP BY agency, camera, id)",
                              k == 0 ? "reads_local" : "reads_by_camera_local"));
        if (!n.ok() || n->empty() || !ParseInt(n->front().at(0), &counts[k])) {
          problems->push_back(
              fmt::format("{}: cannot count its reads: {}", where,
                          n.ok() ? std::string("no answer") : n.status().message()));
          answered = false;
          break;
        }
      }
      if (!answered) continue;
      if (counts[0] != counts[1])
        problems->push_back(fmt::format("{}: {} reads, but {} in reads_by_camera_local", where,
                                        counts[0], counts[1]));
      if (shard_count && *shard_count != counts[0])
        problems->push_back(fmt::format("{}: {} reads, but another replica of the shard has {}",
                                        where, counts[0], *shard_count));
      if (!shard_count) {
        shard_count = counts[0];
        total += counts[0];
      }
      Result<std::vector<Row>> plates =
          ch_->Select(node, "SELECT DISTINCT plate FROM interdict.reads_local");
      if (!plates.ok()) {
        problems->push_back(fmt::format("{}: {}", where, plates.status().message()));
        continue;
      }
      std::size_t astray = 0;
      for (const Row& row : *plates) {
        if (Hash64(row.at(0)) % shards != s) ++astray;
      }
      if (astray > 0)
        problems->push_back(fmt::format(
            "{}: holds the reads of {} plates that belong to other shards", where, astray));
    }
  }
  if (!problems->empty())
    return Status::Corruption(fmt::format("{} problems in the cluster's reads", problems->size()));
  log_.Info("the cluster's reads verify", {{"reads", std::to_string(total)}});
  return Status::Ok();
}

}  // namespace interdict::cluster
