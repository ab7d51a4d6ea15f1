#include "bench/store_bench.h"

#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include <fmt/core.h>

#include "base/clock.h"
#include "base/json_escape.h"
#include "base/log.h"
#include "bench/harness.h"
#include "bench/read_generator.h"
#include "crypto/keyring.h"
#include "store/store.h"

namespace interdict::bench {
namespace {

using Clock = std::chrono::steady_clock;
double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

struct ExactQ {
  std::string plate;
};
struct PartialQ {
  std::string pattern;  // '?' and '*'
};
struct AreaQ {
  geo::Point center;
  std::vector<std::string> cameras;  // within 1 km
  std::int64_t from, to;             // one hour
};
struct QuerySet {
  std::vector<ExactQ> exact;
  std::vector<PartialQ> partial;
  std::vector<AreaQ> area;
};

QuerySet MakeQueries(const ReadGenerator& gen, int n) {
  QuerySet q;
  std::mt19937_64 rng(gen.options().seed ^ 0x9E3779B97F4A7C15ull);
  std::uniform_real_distribution<double> u(0, 1);
  const auto& plates = gen.plates();
  auto pick = [&] {
    const double x = u(rng);
    return plates[static_cast<std::size_t>(static_cast<double>(plates.size()) * x * x)];
  };
  for (int i = 0; i < n; ++i) q.exact.push_back({pick()});
  for (int i = 0; i < n; ++i) {
    const std::string p = pick();
    // A witness's partial plate: first two characters, one unread, the fourth, the rest
    // unknown; or four characters seen in the middle.
    q.partial.push_back(
        {i % 2 == 0 ? p.substr(0, 2) + "?" + p.substr(3, 1) + "*" : "*" + p.substr(1, 4) + "*"});
  }
  std::uniform_int_distribution<std::size_t> cam(0, gen.cameras().size() - 1);
  const std::int64_t hours = (gen.end_ms() - gen.options().start_ms) / 3'600'000;
  std::uniform_int_distribution<std::int64_t> hour(0, hours - 1);
  for (int i = 0; i < n; ++i) {
    AreaQ a;
    a.center = gen.cameras()[cam(rng)].position;
    for (const Camera& c : gen.cameras()) {
      if (geo::DistanceMeters(c.position, a.center) <= 1000.0) a.cameras.push_back(c.name);
    }
    a.from = gen.options().start_ms + hour(rng) * 3'600'000;
    a.to = a.from + 3'600'000;
    q.area.push_back(std::move(a));
  }
  return q;
}

// Order-independent digest of a result: what both stores must agree on.
std::uint64_t Digest(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  std::uint64_t h = 14695981039346656037ull;
  for (const std::string& id : ids) {
    for (char c : id) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    h = (h ^ 0xFF) * 1099511628211ull;
  }
  return h ^ ids.size();
}

struct Timings {
  std::vector<double> ms;
  double Percentile(double p) const {
    if (ms.empty()) return 0;
    std::vector<double> s = ms;
    std::sort(s.begin(), s.end());
    return s[std::min(s.size() - 1, static_cast<std::size_t>(p * static_cast<double>(s.size())))];
  }
};

struct SideResult {
  bool ran = false;
  std::string error;
  double ingest_reads_per_s = 0, settle_s = 0, bytes_per_read = 0;
  double exact_p50 = 0, exact_p99 = 0, partial_p50 = 0, partial_p99 = 0, area_p50 = 0, area_p99 = 0;
  double peak_rss_mib = 0;
  double peak_heap_mib =
      0;  // malloc'd bytes in use, sampled during the run (mapped files excluded)
  std::vector<std::uint64_t> digests;
  std::uint64_t result_rows = 0;
};

double PeakRssMib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

// Latency percentiles and peak memory, once a side's queries have run.
void Finish(SideResult& out, const Timings& exact, const Timings& partial, const Timings& area) {
  out.exact_p50 = exact.Percentile(0.5);
  out.exact_p99 = exact.Percentile(0.99);
  out.partial_p50 = partial.Percentile(0.5);
  out.partial_p99 = partial.Percentile(0.99);
  out.area_p50 = area.Percentile(0.5);
  out.area_p99 = area.Percentile(0.99);
  out.peak_rss_mib = PeakRssMib();
  out.peak_heap_mib = std::max(out.peak_heap_mib, HeapInUseMib());
  out.ran = true;
}

void Progress(std::string_view side, std::uint64_t done, std::uint64_t total, double rate) {
  std::cerr << fmt::format("bench store: {} loaded {}/{} ({:.0f} reads/s)\n", side, done, total,
                           rate);
}

std::string Serialize(const SideResult& r) {
  std::string s =
      fmt::format("{} {} {} {} {} {} {} {} {} {} {} {} {} {} {}", r.ran ? 1 : 0, r.peak_heap_mib,
                  r.ingest_reads_per_s, r.settle_s, r.bytes_per_read, r.exact_p50, r.exact_p99,
                  r.partial_p50, r.partial_p99, r.area_p50, r.area_p99, r.peak_rss_mib,
                  r.result_rows, r.digests.size(), r.error.empty() ? "-" : "E");
  for (std::uint64_t d : r.digests) s += " " + std::to_string(d);
  if (!r.error.empty()) s += "\n" + r.error;
  return s;
}

SideResult Deserialize(const std::string& s) {
  SideResult r;
  std::istringstream in(s);
  int ran = 0;
  std::size_t n = 0;
  std::string err;
  in >> ran >> r.peak_heap_mib >> r.ingest_reads_per_s >> r.settle_s >> r.bytes_per_read >>
      r.exact_p50 >> r.exact_p99 >> r.partial_p50 >> r.partial_p99 >> r.area_p50 >> r.area_p99 >>
      r.peak_rss_mib >> r.result_rows >> n >> err;
  r.ran = ran == 1;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t d = 0;
    in >> d;
    r.digests.push_back(d);
  }
  if (err == "E") {
    std::string line;
    std::getline(in, line);
    std::getline(in, r.error);
  }
  if (!in && r.error.empty() && !ran) r.error = "no result from the child process";
  return r;
}

// ---------------------------------------------------------------- Interdict

// `encrypt`: with a master key and key ring of its own (outside `dir`, as
// the configuration requires), so every segment and WAL record is sealed.
SideResult RunInterdict(const GeneratorOptions& gopts, const QuerySet& qs, const std::string& dir,
                        bool sync, bool encrypt) {
  SideResult out;
  Logger log(StderrSink(), interdict::Clock::System(), LogLevel::kWarn);
  store::StoreOptions o;
  o.dir = dir;
  o.sync = sync ? store::SyncPolicy::kAlways : store::SyncPolicy::kNone;
  std::unique_ptr<crypto::FileMasterKey> master;
  std::unique_ptr<crypto::KeyRing> ring;
  if (encrypt) {
    const std::string key_file = dir + "-master.key";
    Status made = crypto::FileMasterKey::Create(key_file);
    Result<std::unique_ptr<crypto::FileMasterKey>> m =
        made.ok() ? crypto::FileMasterKey::Load(key_file)
                  : Result<std::unique_ptr<crypto::FileMasterKey>>(made);
    if (!m.ok()) {
      out.error = m.status().message();
      return out;
    }
    master = std::move(m).value();
    Result<std::unique_ptr<crypto::KeyRing>> r = crypto::KeyRing::Open(dir + "-keys", *master);
    if (!r.ok()) {
      out.error = r.status().message();
      return out;
    }
    ring = std::move(r).value();
    o.keys = ring.get();
  }
  Result<std::unique_ptr<store::Store>> opened =
      store::Store::Open(o, store::Env::Posix(), interdict::Clock::System(), log);
  if (!opened.ok()) {
    out.error = opened.status().message();
    return out;
  }
  store::Store& st = **opened;
  ReadGenerator gen(gopts);
  std::vector<read::Read> batch;
  double append_s = 0;
  std::uint64_t done = 0;
  auto last = Clock::now();
  while (!StopRequested() && gen.Next(10'000, &batch)) {
    const std::size_t n = batch.size();
    const auto t0 = Clock::now();
    Result<store::AppendResult> r = st.Append(std::move(batch));
    append_s += Seconds(t0, Clock::now());
    if (!r.ok()) {
      out.error = r.status().message();
      return out;
    }
    done += n;
    if ((done / n) % 5 == 0) out.peak_heap_mib = std::max(out.peak_heap_mib, HeapInUseMib());
    if (Seconds(last, Clock::now()) > 5) {
      Progress("interdict", done, gopts.reads, static_cast<double>(done) / append_s);
      last = Clock::now();
    }
  }
  out.ingest_reads_per_s = static_cast<double>(done) / append_s;
  std::cerr << "bench store: interdict final flush and merges\n";
  const auto s0 = Clock::now();
  if (Status f = st.Flush(); !f.ok()) out.error = f.message();
  if (Status m = st.Merge(); !m.ok()) out.error = m.message();
  out.settle_s = Seconds(s0, Clock::now());
  out.bytes_per_read =
      static_cast<double>(DirBytes(dir)) / static_cast<double>(std::max<std::uint64_t>(1, done));

  std::cerr << "bench store: interdict queries\n";
  const std::vector<std::string> agencies = gen.agency_codes();
  auto run = [&](store::ReadQuery q, Timings& t) {
    q.agencies = agencies;
    q.limit = 1'000'000;
    const auto t0 = Clock::now();
    Result<store::QueryResult> r = st.Query(q);
    t.ms.push_back(Seconds(t0, Clock::now()) * 1000.0);
    std::vector<std::string> ids;
    if (r.ok()) {
      for (const read::Read& x : r->reads) ids.push_back(x.id);
    }
    out.result_rows += ids.size();
    out.digests.push_back(Digest(std::move(ids)));
  };
  Timings exact, partial, area;
  for (const ExactQ& e : qs.exact) {
    store::ReadQuery q;
    q.plate = *plate::Plate::FromNormalized(e.plate);
    run(q, exact);
  }
  for (const PartialQ& p : qs.partial) {
    store::ReadQuery q;
    q.pattern = *store::PlatePattern::Parse(p.pattern);
    q.from = gopts.start_ms;
    q.to = gen.end_ms();
    run(q, partial);
  }
  for (const AreaQ& a : qs.area) {
    store::ReadQuery q;
    q.area = store::Area{a.center, 1000.0, a.cameras, {}, {}};
    q.from = a.from;
    q.to = a.to;
    run(q, area);
  }
  Finish(out, exact, partial, area);
  return out;
}

// ------------------------------------------------------------------- SQLite

struct Db {
  sqlite3* db = nullptr;
  ~Db() {
    if (db) sqlite3_close(db);
  }
  bool Exec(const char* sql, std::string* err) {
    char* msg = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
      *err = fmt::format("{}: {}", sql, msg ? msg : "?");
      sqlite3_free(msg);
      return false;
    }
    return true;
  }
};

struct Stmt {
  sqlite3_stmt* s = nullptr;
  Stmt(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &s, nullptr); }
  ~Stmt() { sqlite3_finalize(s); }
};

SideResult RunSqlite(const GeneratorOptions& gopts, const QuerySet& qs, const std::string& dir,
                     bool sync) {
  SideResult out;
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/reads.db";
  Db db;
  if (sqlite3_open(path.c_str(), &db.db) != SQLITE_OK) {
    out.error = "cannot open " + path;
    return out;
  }
  // Durable commits (WAL, synchronous=FULL), as the store's sync=always.
  const char* schema[] = {
      "PRAGMA journal_mode=WAL",
      sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=OFF",
      "PRAGMA cache_size=-262144",
      "CREATE TABLE reads(id TEXT NOT NULL, agency TEXT NOT NULL, camera TEXT NOT NULL, time "
      "INTEGER NOT NULL,"
      " plate TEXT NOT NULL, state INTEGER NOT NULL, plate_conf INTEGER, state_conf INTEGER)",
      "CREATE INDEX reads_plate_time ON reads(plate, time)",
      "CREATE INDEX reads_camera_time ON reads(camera, time)",
      "CREATE UNIQUE INDEX reads_identity ON reads(agency, camera, id)",
      "CREATE VIRTUAL TABLE plates_fts USING fts5(plate, content='reads', content_rowid='rowid', "
      "tokenize='trigram')",
      "CREATE VIRTUAL TABLE cameras_rtree USING rtree(id, min_lat, max_lat, min_lon, max_lon)",
      "CREATE TABLE cameras(id INTEGER PRIMARY KEY, name TEXT NOT NULL, lat REAL, lon REAL)",
  };
  for (const char* sql : schema) {
    if (!db.Exec(sql, &out.error)) return out;
  }
  ReadGenerator gen(gopts);
  {
    Stmt cam(db.db, "INSERT INTO cameras(id, name, lat, lon) VALUES(?,?,?,?)");
    Stmt rt(db.db, "INSERT INTO cameras_rtree VALUES(?,?,?,?,?)");
    db.Exec("BEGIN", &out.error);
    for (std::size_t i = 0; i < gen.cameras().size(); ++i) {
      const Camera& c = gen.cameras()[i];
      sqlite3_bind_int64(cam.s, 1, static_cast<sqlite3_int64>(i));
      sqlite3_bind_text(cam.s, 2, c.name.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_double(cam.s, 3, c.position.lat());
      sqlite3_bind_double(cam.s, 4, c.position.lon());
      sqlite3_step(cam.s);
      sqlite3_reset(cam.s);
      sqlite3_bind_int64(rt.s, 1, static_cast<sqlite3_int64>(i));
      sqlite3_bind_double(rt.s, 2, c.position.lat());
      sqlite3_bind_double(rt.s, 3, c.position.lat());
      sqlite3_bind_double(rt.s, 4, c.position.lon());
      sqlite3_bind_double(rt.s, 5, c.position.lon());
      sqlite3_step(rt.s);
      sqlite3_reset(rt.s);
    }
    db.Exec("COMMIT", &out.error);
  }
  Stmt ins(db.db, "INSERT OR IGNORE INTO reads VALUES(?,?,?,?,?,?,?,?)");
  Stmt fts(db.db, "INSERT INTO plates_fts(rowid, plate) VALUES(?,?)");
  std::vector<read::Read> batch;
  double load_s = 0;
  std::uint64_t done = 0;
  auto last = Clock::now();
  while (!StopRequested() && gen.Next(10'000, &batch)) {
    const auto t0 = Clock::now();
    db.Exec("BEGIN", &out.error);
    for (const read::Read& r : batch) {
      sqlite3_bind_text(ins.s, 1, r.id.c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_text(ins.s, 2, r.agency.c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_text(ins.s, 3, r.camera.c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_int64(ins.s, 4, r.time);
      const std::string p(r.plate.text());
      sqlite3_bind_text(ins.s, 5, p.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int(ins.s, 6, r.state.id());
      sqlite3_bind_int(ins.s, 7, r.plate_confidence.raw());
      sqlite3_bind_int(ins.s, 8, r.state_confidence.raw());
      if (sqlite3_step(ins.s) != SQLITE_DONE) {
        out.error = sqlite3_errmsg(db.db);
        return out;
      }
      sqlite3_reset(ins.s);
      if (sqlite3_changes(db.db) > 0) {
        sqlite3_bind_int64(fts.s, 1, sqlite3_last_insert_rowid(db.db));
        sqlite3_bind_text(fts.s, 2, p.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_step(fts.s);
        sqlite3_reset(fts.s);
      }
    }
    if (!db.Exec("COMMIT", &out.error)) return out;
    load_s += Seconds(t0, Clock::now());
    done += batch.size();
    if ((done / 10'000) % 5 == 0) out.peak_heap_mib = std::max(out.peak_heap_mib, HeapInUseMib());
    if (Seconds(last, Clock::now()) > 5) {
      Progress("sqlite", done, gopts.reads, static_cast<double>(done) / load_s);
      last = Clock::now();
    }
  }
  out.ingest_reads_per_s = static_cast<double>(done) / load_s;
  db.Exec("PRAGMA wal_checkpoint(TRUNCATE)", &out.error);
  out.bytes_per_read =
      static_cast<double>(DirBytes(dir)) / static_cast<double>(std::max<std::uint64_t>(1, done));

  std::cerr << "bench store: sqlite queries\n";
  auto collect = [&](sqlite3_stmt* s, Timings& t, Clock::time_point t0) {
    std::vector<std::string> ids;
    while (sqlite3_step(s) == SQLITE_ROW)
      ids.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
    sqlite3_reset(s);
    t.ms.push_back(Seconds(t0, Clock::now()) * 1000.0);
    out.result_rows += ids.size();
    out.digests.push_back(Digest(std::move(ids)));
  };
  Timings exact, partial, area;
  Stmt ex(db.db, "SELECT id FROM reads WHERE plate = ? ORDER BY time DESC");
  for (const ExactQ& e : qs.exact) {
    const auto t0 = Clock::now();
    sqlite3_bind_text(ex.s, 1, e.plate.c_str(), -1, SQLITE_STATIC);
    collect(ex.s, exact, t0);
  }
  // A prefix pattern uses the (plate, time) index through GLOB's prefix
  // optimization; a substring pattern uses the FTS5 trigram index.
  Stmt pre(db.db,
           "SELECT id FROM reads WHERE plate GLOB ? AND time >= ? AND time < ? ORDER BY time DESC");
  Stmt sub(
      db.db,
      "SELECT r.id FROM reads r WHERE r.rowid IN (SELECT rowid FROM plates_fts WHERE plate GLOB ?)"
      " AND r.time >= ? AND r.time < ? ORDER BY r.time DESC");
  for (const PartialQ& p : qs.partial) {
    const auto t0 = Clock::now();
    sqlite3_stmt* s = p.pattern.front() == '*' ? sub.s : pre.s;
    sqlite3_bind_text(s, 1, p.pattern.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, gopts.start_ms);
    sqlite3_bind_int64(s, 3, gen.end_ms());
    collect(s, partial, t0);
  }
  Stmt box(db.db,
           "SELECT c.name, c.lat, c.lon FROM cameras_rtree t JOIN cameras c ON c.id = t.id"
           " WHERE t.min_lat <= ? AND t.max_lat >= ? AND t.min_lon <= ? AND t.max_lon >= ?");
  for (const AreaQ& a : qs.area) {
    const auto t0 = Clock::now();
    const auto [dlat, dlon] = geo::DegreesAround(a.center, 1000.0);
    sqlite3_bind_double(box.s, 1, a.center.lat() + dlat);
    sqlite3_bind_double(box.s, 2, a.center.lat() - dlat);
    sqlite3_bind_double(box.s, 3, a.center.lon() + dlon);
    sqlite3_bind_double(box.s, 4, a.center.lon() - dlon);
    std::vector<std::string> cams;
    while (sqlite3_step(box.s) == SQLITE_ROW) {
      const geo::Point p =
          geo::Point::FromDegrees(sqlite3_column_double(box.s, 1), sqlite3_column_double(box.s, 2));
      if (geo::DistanceMeters(p, a.center) <= 1000.0) {
        cams.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(box.s, 0)));
      }
    }
    sqlite3_reset(box.s);
    std::string sql = "SELECT id FROM reads WHERE camera IN (";
    for (std::size_t i = 0; i < cams.size(); ++i) sql += i ? ",?" : "?";
    sql += ") AND time >= ? AND time < ? ORDER BY time DESC";
    Stmt q(db.db, sql.c_str());
    int k = 1;
    for (const std::string& c : cams) sqlite3_bind_text(q.s, k++, c.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q.s, k++, a.from);
    sqlite3_bind_int64(q.s, k, a.to);
    collect(q.s, area, t0);
  }
  Finish(out, exact, partial, area);
  return out;
}

// Runs `fn` in a child process and returns what it reported.
template <typename Fn>
SideResult InChild(Fn fn) {
  int p[2];
  if (pipe(p) != 0) {
    SideResult failed;
    failed.error = "pipe failed";
    return failed;
  }
  const pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    const std::string s = Serialize(fn());
    std::size_t off = 0;
    while (off < s.size()) {
      const ssize_t n = ::write(p[1], s.data() + off, s.size() - off);
      if (n <= 0) break;
      off += static_cast<std::size_t>(n);
    }
    close(p[1]);
    _exit(0);
  }
  close(p[1]);
  std::string data;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(p[0], buf, sizeof buf)) > 0) data.append(buf, static_cast<std::size_t>(n));
  close(p[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return Deserialize(data);
}

std::string SideJson(const SideResult& r) {
  if (!r.ran) return fmt::format(R"({{"ran":false,"error":{}}})", JsonQuote(r.error));
  return fmt::format(
      R"({{"ingest_reads_per_s":{:.0f},"settle_s":{:.2f},"bytes_per_read":{:.2f},"exact_p50_ms":{:.3f},"exact_p99_ms":{:.3f},"partial_p50_ms":{:.3f},"partial_p99_ms":{:.3f},"area_p50_ms":{:.3f},"area_p99_ms":{:.3f},"peak_rss_mib":{:.0f},"peak_heap_mib":{:.0f},"result_rows":{}}})",
      r.ingest_reads_per_s, r.settle_s, r.bytes_per_read, r.exact_p50, r.exact_p99, r.partial_p50,
      r.partial_p99, r.area_p50, r.area_p99, r.peak_rss_mib, r.peak_heap_mib, r.result_rows);
}

double Ratio(double a, double b) {
  return b > 0 ? a / b : 0;
}

}  // namespace

int RunStoreBench(const StoreBenchOptions& options) {
  CatchStopSignals();

  Result<WorkDir> work = WorkDir::Make(options.dir, "store", options.keep);
  if (!work.ok()) {
    std::cerr << "bench store: " << work.status().message() << "\n";
    return 1;
  }
  const std::string& dir = work->path();
  GeneratorOptions g;
  g.reads = options.reads;
  g.days = options.days;
  ReadGenerator meta(g);  // cameras and plates, to build the queries
  const QuerySet qs = MakeQueries(meta, options.queries);
  std::cerr << fmt::format(
      "bench store: {} reads, {} cameras, {} days, {} queries per type, in {}\n", g.reads,
      g.cameras, g.days, options.queries, dir);

  const SideResult ours =
      InChild([&] { return RunInterdict(g, qs, dir + "/interdict", options.sync, false); });
  SideResult sealed;
  if (options.encrypt && !StopRequested()) {
    sealed = InChild([&] { return RunInterdict(g, qs, dir + "/sealed", options.sync, true); });
  }
  SideResult lite;
  if (options.reads <= options.sqlite_max_reads && !StopRequested()) {
    lite = InChild([&] { return RunSqlite(g, qs, dir + "/sqlite", options.sync); });
  } else if (!StopRequested()) {
    lite.error = fmt::format("skipped: {} reads is above --sqlite-max {}", options.reads,
                             options.sqlite_max_reads);
  }
  if (StopRequested()) {
    std::cerr << "bench store: interrupted\n";
    return 130;
  }
  bool same = ours.ran && lite.ran && ours.digests == lite.digests;
  std::size_t mismatches = 0;
  if (ours.ran && lite.ran) {
    const char* kinds[] = {"exact", "partial", "area"};
    for (std::size_t i = 0; i < std::min(ours.digests.size(), lite.digests.size()); ++i) {
      if (ours.digests[i] == lite.digests[i]) continue;
      ++mismatches;
      const std::size_t per = static_cast<std::size_t>(options.queries);
      std::cerr << fmt::format("bench store: {} query {} differs\n",
                               kinds[std::min<std::size_t>(2, i / per)], i % per);
    }
  }
  std::string ratios = "{}";
  if (ours.ran && lite.ran) {
    ratios = fmt::format(
        R"({{"ingest":{:.2f},"bytes_per_read":{:.2f},"exact_p50":{:.1f},"partial_p50":{:.1f},"area_p50":{:.1f}}})",
        Ratio(ours.ingest_reads_per_s, lite.ingest_reads_per_s),
        Ratio(lite.bytes_per_read, ours.bytes_per_read), Ratio(lite.exact_p50, ours.exact_p50),
        Ratio(lite.partial_p50, ours.partial_p50), Ratio(lite.area_p50, ours.area_p50));
  }
  // Encryption's cost: the sealed store's figure over the plain one's (ingest
  // and bytes: sealed / plain; latencies: sealed / plain, so 1.10 = 10 % slower).
  std::string encryption = "null";
  if (options.encrypt && sealed.ran && ours.ran) {
    encryption = fmt::format(
        R"({{"store":{},"same_answers":{},"slowdown":{{"ingest":{:.3f},"exact_p50":{:.3f},"partial_p50":{:.3f},"area_p50":{:.3f}}},"bytes_per_read_ratio":{:.3f}}})",
        SideJson(sealed), sealed.digests == ours.digests ? "true" : "false",
        Ratio(ours.ingest_reads_per_s, sealed.ingest_reads_per_s),
        Ratio(sealed.exact_p50, ours.exact_p50), Ratio(sealed.partial_p50, ours.partial_p50),
        Ratio(sealed.area_p50, ours.area_p50), Ratio(sealed.bytes_per_read, ours.bytes_per_read));
  } else if (options.encrypt) {
    encryption = SideJson(sealed);
  }
  std::cout
      << fmt::format(
             R"({{"reads":{},"days":{},"queries_per_type":{},"sync":{},"interdict":{},"sqlite":{},"same_answers":{},"mismatched_queries":{},"sqlite_over_interdict":{},"encrypted":{}}})",
             options.reads, options.days, options.queries, options.sync ? "true" : "false",
             SideJson(ours), SideJson(lite),
             (ours.ran && lite.ran) ? (same ? "true" : "false") : "null", mismatches, ratios,
             encryption)
      << std::endl;
  if (!ours.ran) {
    std::cerr << "bench store: interdict side failed: " << ours.error << "\n";
    return 1;
  }
  if (ours.ran && lite.ran && !same) {
    std::cerr << "bench store: the two stores gave different answers\n";
    return 1;
  }
  if (options.encrypt && !(sealed.ran && sealed.digests == ours.digests)) {
    std::cerr << "bench store: the encrypted store failed or answered differently: " << sealed.error
              << "\n";
    return 1;
  }
  return 0;
}

}  // namespace interdict::bench
