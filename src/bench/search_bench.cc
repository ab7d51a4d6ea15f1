#include "bench/search_bench.h"

#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>

#include <fmt/core.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/time_format.h"
#include "bench/harness.h"
#include "bench/read_generator.h"
#include "catalog/migrations.h"
#include "catalog/sqlite.h"
#include "identity/accounts.h"
#include "policy/purpose.h"
#include "policy/sharing.h"
#include "search/search.h"
#include "store/store.h"

namespace interdict::bench {
namespace {

using Steady = std::chrono::steady_clock;
double Ms(Steady::time_point a, Steady::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 86'400'000;
// Planted: a target vehicle seen twice a day all period, and a companion
// travelling with it on two of every three passes of the last 30 days. No
// generated plate has a Q, so neither collides with the simulated traffic.
constexpr const char* kTarget = "QX7Q12";
constexpr const char* kCompanion = "QC4Q88";
constexpr const char* kPurpose =
    R"("purpose":{{"code":"stolen-vehicle","case":"26-BENCH-1","offense":"auto theft","justification":"benchmark of the search layer on simulated regional data","approval":{}}})";

struct Region {
  std::unique_ptr<catalog::Database> db;
  std::unique_ptr<identity::Accounts> accounts;
  std::map<std::string, identity::Principal> people;  // "AG00-analyst"
  std::int64_t approval = 0;
};

// The catalog of a region: the generator's agencies and cameras, three people
// in each, every agency sharing reads with AG00 (the widest search the policy
// allows), and a supervisor's approval of AG00's analyst's case.
Result<Region> MakeRegion(const std::string& path, const ReadGenerator& gen, std::int64_t now) {
  Region r;
  Result<std::unique_ptr<catalog::Database>> db = catalog::Database::Open(path);
  if (!db.ok()) return db.status();
  r.db = std::move(db).value();
  INTERDICT_RETURN_IF_ERROR(catalog::Migrate(*r.db));
  r.accounts = std::make_unique<identity::Accounts>(*r.db, identity::AccountPolicy{});
  std::map<std::string, std::int64_t> ids;
  int n = 0;
  for (const std::string& code : gen.agency_codes()) {
    Result<catalog::Statement> st = r.db->Prepare(
        "INSERT INTO agencies (code, name, ori, state, kind, created_at) VALUES (?1, ?1, ?2, "
        "'US-MO', 'local', 0)");
    if (!st.ok()) return st.status();
    st->Bind(1, code).Bind(2, fmt::format("MO{:03}0000", n++));
    INTERDICT_RETURN_IF_ERROR(st->Run());
    ids[code] = r.db->LastInsertId();
    for (const char* role : {"administrator", "supervisor", "analyst"}) {
      Result<catalog::Statement> u = r.db->Prepare(
          "INSERT INTO users (agency_id, username, display_name, role, created_at, created_by) "
          "VALUES (?1, ?2, ?2, ?3, 0, 'bench')");
      if (!u.ok()) return u.status();
      const std::string name = code + "-" + role;
      u->Bind(1, ids[code]).Bind(2, name).Bind(3, std::string(role));
      INTERDICT_RETURN_IF_ERROR(u->Run());
      Result<identity::Principal> p = r.accounts->UserPrincipal(r.db->LastInsertId());
      if (!p.ok()) return p.status();
      r.people[name] = *p;
    }
  }
  INTERDICT_RETURN_IF_ERROR(r.db->Transaction([&]() -> Status {
    for (const Camera& c : gen.cameras()) {
      Result<catalog::Statement> st = r.db->Prepare(
          "INSERT INTO cameras (agency_id, code, name, lat, lon) VALUES (?1, ?2, ?2, ?3, ?4)");
      if (!st.ok()) return st.status();
      st->Bind(1, ids[c.agency]).Bind(2, c.name);
      st->Bind(3, fmt::format("{:.6f}", c.position.lat()))
          .Bind(4, fmt::format("{:.6f}", c.position.lon()));
      INTERDICT_RETURN_IF_ERROR(st->Run());
    }
    return Status::Ok();
  }));
  const std::string home = gen.agency_codes().front();
  for (const std::string& owner : gen.agency_codes()) {
    if (owner == home) continue;
    policy::AgreementRequest req{home, policy::DataClass::kReads, 0, std::nullopt, "bench MOU"};
    Result<std::int64_t> id =
        policy::ProposeAgreement(*r.db, r.people[owner + "-supervisor"], req, now);
    if (!id.ok()) return id.status();
    INTERDICT_RETURN_IF_ERROR(
        policy::ApproveAgreement(*r.db, r.people[owner + "-administrator"], *id, now));
  }
  policy::SearchReason why{"stolen-vehicle",
                           "26-BENCH-1",
                           "auto theft",
                           "benchmark of the search layer on simulated regional data",
                           {}};
  policy::SearchScope scope{400 * kDay, gen.agency_codes().size(), true};
  Result<std::int64_t> approval =
      policy::RequestApproval(*r.db, r.people[home + "-analyst"], why, scope, now);
  if (!approval.ok()) return approval.status();
  INTERDICT_RETURN_IF_ERROR(policy::Approve(*r.db, r.people[home + "-supervisor"], *approval, now));
  r.approval = *approval;
  return r;
}

// The planted target and companion, and the scenes of three of the target's
// last passes (where a scenes search should find both in all three).
struct Planted {
  std::vector<read::Read> reads;
  std::vector<std::pair<const Camera*, std::int64_t>> scenes;  // camera, pass time
};

Planted Plant(const ReadGenerator& gen, std::int64_t now) {
  Planted p;
  std::mt19937_64 rng(gen.options().seed + 7);
  std::uniform_int_distribution<std::size_t> cam(0, gen.cameras().size() - 1);
  std::uniform_int_distribution<std::int64_t> jitter(0, 20 * kMinute);
  const Camera* favourite[3] = {&gen.cameras()[cam(rng)], &gen.cameras()[cam(rng)],
                                &gen.cameras()[cam(rng)]};
  auto add = [&](const char* plate, const Camera& c, std::int64_t t) {
    read::Read r;
    r.agency = c.agency;
    r.camera = c.name;
    r.time = t;
    r.id = fmt::format("{}-{}-{}", plate, c.name, t);
    r.plate = *plate::Plate::FromNormalized(plate);
    r.state = *plate::Jurisdiction::Parse("MO");
    p.reads.push_back(std::move(r));
  };
  const std::int64_t start = gen.options().start_ms - gen.options().start_ms % kDay;
  int pass = 0;
  for (std::int64_t day = start; day + kDay <= now; day += kDay) {
    for (std::int64_t at : {8 * kHour, 17 * kHour + 30 * kMinute}) {
      const Camera& c = *favourite[pass % 3];
      const std::int64_t t = day + at + jitter(rng);
      add(kTarget, c, t);
      if (t >= now - 30 * kDay && pass % 3 != 2) add(kCompanion, c, t + 25'000);
      if (t >= now - 30 * kDay && pass % 3 != 2 && p.scenes.size() < 3 && pass % 7 == 0)
        p.scenes.emplace_back(&c, t);
      ++pass;
    }
  }
  return p;
}

struct TypeStats {
  std::vector<double> total_ms;
  double parse = 0, policy = 0, store = 0, audit = 0, render = 0;
  std::uint64_t results = 0;
  std::int64_t target_reads = 0;  // convoy, locate, route: the target plate's reads
  int errors = 0;
  std::string first_error;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

std::uint64_t DirBytes(const std::string& dir) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (e.is_regular_file(ec)) total += e.file_size(ec);
  }
  return total;
}

}  // namespace

int RunSearchBench(const SearchBenchOptions& options) {
  CatchStopSignals();

  Result<WorkDir> work = WorkDir::Make(options.dir, "search", options.keep);
  if (!work.ok()) {
    std::cerr << "bench search: " << work.status().message() << "\n";
    return 1;
  }
  const std::string& dir = work->path();

  const std::int64_t now = Clock::System().NowMillis() / kHour * kHour;
  GeneratorOptions g;
  g.reads = options.reads;
  g.days = options.days;
  g.start_ms = now - options.days * kDay;
  ReadGenerator gen(g);
  std::cerr << fmt::format("bench search: {} reads, {} cameras, {} agencies, {} days, in {}\n",
                           g.reads, g.cameras, g.agencies, g.days, dir);

  Result<Region> region = MakeRegion(dir + "/catalog.db", gen, now);
  if (!region.ok()) {
    std::cerr << "bench search: setting up the catalog: " << region.status().message() << "\n";
    return 1;
  }
  Logger log(StderrSink(), Clock::System(), LogLevel::kWarn);
  store::StoreOptions so;
  so.dir = dir + "/store";
  Result<std::unique_ptr<store::Store>> opened =
      store::Store::Open(so, store::Env::Posix(), Clock::System(), log);
  if (!opened.ok()) {
    std::cerr << "bench search: opening the store: " << opened.status().message() << "\n";
    return 1;
  }
  store::Store& store = **opened;

  // Load: the simulated year, then the planted vehicles.
  const auto load_start = Steady::now();
  auto last = load_start;
  std::vector<read::Read> batch;
  std::uint64_t loaded = 0;
  while (!StopRequested() && gen.Next(10'000, &batch)) {
    loaded += batch.size();
    Result<store::AppendResult> r = store.Append(std::move(batch));
    if (!r.ok()) {
      std::cerr << "bench search: loading: " << r.status().message() << "\n";
      return 1;
    }
    if (Ms(last, Steady::now()) > 5000) {
      last = Steady::now();
      const double s = Ms(load_start, last) / 1000;
      std::cerr << fmt::format("bench search: loaded {:.1f} M of {:.1f} M reads ({:.0f} k/s)\n",
                               static_cast<double>(loaded) / 1e6,
                               static_cast<double>(g.reads) / 1e6,
                               static_cast<double>(loaded) / s / 1000);
    }
  }
  const Planted planted = Plant(gen, now);
  if (!StopRequested()) {
    Result<store::AppendResult> r = store.Append(planted.reads);
    if (!r.ok()) {
      std::cerr << "bench search: planting: " << r.status().message() << "\n";
      return 1;
    }
  }
  const double load_s = Ms(load_start, Steady::now()) / 1000;
  std::cerr << "bench search: flushing and merging\n";
  const auto settle_start = Steady::now();
  Status settled = store.Flush();
  if (settled.ok()) settled = store.Merge();
  if (!settled.ok()) {
    std::cerr << "bench search: settling: " << settled.message() << "\n";
    return 1;
  }
  const double settle_s = Ms(settle_start, Steady::now()) / 1000;
  if (StopRequested()) {
    std::cerr << "bench search: interrupted\n";
    return 130;
  }

  // The queries, built from the simulated population (popular vehicles more
  // often, as investigators' targets are), each type over its issue's window.
  std::mt19937_64 rng(g.seed ^ 0x5EA4C4ull);
  std::uniform_real_distribution<double> u(0, 1);
  const auto& plates = gen.plates();
  auto pick = [&] {
    const double x = u(rng);
    return plates[static_cast<std::size_t>(static_cast<double>(plates.size()) * x * x)];
  };
  std::uniform_int_distribution<std::size_t> cam(0, gen.cameras().size() - 1);
  std::uniform_int_distribution<std::int64_t> recent_hour(1, 30 * 24 - 1);
  auto window = [](std::int64_t from, std::int64_t to) {
    return fmt::format(R"("filters":{{"from":"{}","to":"{}"}})", FormatRfc3339(from),
                       FormatRfc3339(to));
  };
  auto circle = [](const read::GeoPoint& c) {
    return fmt::format(R"("center":{{"lat":{:.6f},"lon":{:.6f}}},"radius_m":1000)", c.lat(),
                       c.lon());
  };
  const std::string year = window(now - options.days * kDay, now);
  std::vector<std::pair<std::string, std::vector<std::string>>> types = {
      {"plate", {}},        {"partial", {}},      {"lookalike", {}},  {"area", {}},
      {"scenes", {}},       {"convoy", {}},       {"locate", {}},     {"route", {}},
      {"convoy_heavy", {}}, {"locate_heavy", {}}, {"route_heavy", {}}};
  // Heavy targets: vehicles among the ~100 most often read (hundreds of reads
  // a month), where travelling-with, locate and route do the most work.
  std::uniform_int_distribution<std::size_t> heavy(std::min<std::size_t>(10, plates.size() - 1),
                                                   std::min<std::size_t>(100, plates.size() - 1));
  for (int i = 0; i < options.queries; ++i) {
    const std::string p = pick();
    types[0].second.push_back(fmt::format(R"("type":"plate","params":{{"plate":"{}"}})", p));
    const std::string pattern =
        i % 2 == 0 ? p.substr(0, 2) + "?" + p.substr(3, 1) + "*" : "*" + p.substr(1, 4) + "*";
    types[1].second.push_back(
        fmt::format(R"("type":"partial","params":{{"pattern":"{}"}})", pattern));
    types[2].second.push_back(fmt::format(R"("type":"lookalike","params":{{"plate":"{}"}})", p));
    const std::int64_t h = now - recent_hour(rng) * kHour;
    types[3].second.push_back(fmt::format(R"("type":"area","params":{{{}}},{})",
                                          circle(gen.cameras()[cam(rng)].position),
                                          window(h, h + kHour)));
    std::string scenes;
    for (int s = 0; s < 3; ++s) {
      const std::int64_t sh = now - recent_hour(rng) * kHour;
      const read::GeoPoint& c =
          (i == 0 ? planted.scenes[static_cast<std::size_t>(s)].first : &gen.cameras()[cam(rng)])
              ->position;
      const std::int64_t from =
          i == 0 ? planted.scenes[static_cast<std::size_t>(s)].second - 30 * kMinute : sh;
      scenes += fmt::format(R"({}{{{},"from":"{}","to":"{}"}})", s ? "," : "", circle(c),
                            FormatRfc3339(from), FormatRfc3339(from + kHour));
    }
    types[4].second.push_back(
        fmt::format(R"("type":"scenes","params":{{"k":2,"scenes":[{}]}})", scenes));
    const std::string target = i == 0 ? kTarget : pick();
    types[5].second.push_back(
        fmt::format(R"("type":"convoy","params":{{"plate":"{}","window_s":120}})", target));
    types[6].second.push_back(
        fmt::format(R"("type":"locate","params":{{"plate":"{}"}},{})", target, year));
    types[7].second.push_back(
        fmt::format(R"("type":"route","params":{{"plate":"{}"}},{})", target, year));
    const std::string& busy = plates[heavy(rng)];
    types[8].second.push_back(
        fmt::format(R"("type":"convoy","params":{{"plate":"{}","window_s":120}})", busy));
    types[9].second.push_back(
        fmt::format(R"("type":"locate","params":{{"plate":"{}"}},{})", busy, year));
    types[10].second.push_back(
        fmt::format(R"("type":"route","params":{{"plate":"{}"}},{})", busy, year));
  }

  const identity::Principal& analyst = region->people[gen.agency_codes().front() + "-analyst"];
  const std::string purpose = fmt::format(kPurpose, region->approval);
  std::map<std::string, TypeStats> stats;
  std::string convoy_top, scenes_top;
  for (const auto& [type, queries] : types) {
    TypeStats& st = stats[type];
    std::cerr << fmt::format("bench search: {} queries of type {}\n", queries.size(), type);
    for (std::size_t i = 0; i < queries.size() && !StopRequested(); ++i) {
      const std::string body = "{" + queries[i] + "," + purpose + "}";
      const auto t0 = Steady::now();
      Result<search::Request> req = search::ParseRequest(body, now);
      const auto t1 = Steady::now();
      Result<search::Plan> plan =
          req.ok() ? search::Prepare(*region->db, analyst, *req, now) : req.status();
      const auto t2 = Steady::now();
      Result<search::Answer> answer =
          plan.ok() ? search::Execute(store, *req, *plan) : plan.status();
      const auto t3 = Steady::now();
      Result<std::int64_t> seq =
          answer.ok() ? search::Record(*region->db, analyst, *req, *plan, *answer, now)
                      : answer.status();
      const auto t4 = Steady::now();
      if (!seq.ok()) {
        if (st.errors++ == 0) st.first_error = seq.status().message();
        continue;
      }
      const search::Rendered out = search::Render(*req, *plan, *answer, *seq);
      const auto t5 = Steady::now();
      st.total_ms.push_back(Ms(t0, t5));
      st.parse += Ms(t0, t1);
      st.policy += Ms(t1, t2);
      st.store += Ms(t2, t3);
      st.audit += Ms(t3, t4);
      st.render += Ms(t4, t5);
      st.results += search::ResultCount(*req, *answer);
      st.target_reads += answer->target_reads;
      if (i == 0 && type == "convoy" && !answer->groups.empty())
        convoy_top = answer->groups[0].plate;
      if (i == 0 && type == "scenes" && !answer->groups.empty())
        scenes_top = answer->groups[0].plate +
                     (answer->groups.size() > 1 ? "," + answer->groups[1].plate : std::string());
      if (out.body.empty()) ++st.errors;
    }
  }
  if (StopRequested()) {
    std::cerr << "bench search: interrupted\n";
    return 130;
  }

  std::string per_type;
  for (const auto& [type, queries] : types) {
    const TypeStats& st = stats[type];
    const double sum = st.parse + st.policy + st.store + st.audit + st.render;
    const double n = static_cast<double>(std::max<std::size_t>(1, st.total_ms.size()));
    auto share = [&](double part) { return sum > 0 ? part / sum : 0.0; };
    per_type += fmt::format(
        R"({}"{}":{{"queries":{},"p50_ms":{:.3f},"p99_ms":{:.3f},"mean_results":{:.1f},"mean_target_reads":{:.1f},"policy_ms":{:.3f},"store_ms":{:.3f},"audit_ms":{:.3f},"render_ms":{:.3f},"policy_and_audit_share":{:.3f},"errors":{}}})",
        per_type.empty() ? "" : ",", type, st.total_ms.size(), Percentile(st.total_ms, 0.5),
        Percentile(st.total_ms, 0.99), static_cast<double>(st.results) / n,
        static_cast<double>(st.target_reads) / n, st.policy / n, st.store / n, st.audit / n,
        st.render / n, share(st.policy + st.audit), st.errors);
    if (st.errors > 0) {
      std::cerr << fmt::format("bench search: {} {} queries failed; the first: {}\n", st.errors,
                               type, st.first_error);
    }
  }
  const std::uint64_t stored = loaded + planted.reads.size();
  std::cout
      << fmt::format(
             R"({{"reads":{},"days":{},"cameras":{},"agencies":{},"queries_per_type":{},"load_reads_per_s":{:.0f},"settle_s":{:.1f},"bytes_per_read":{:.2f},"types":{{{}}},"planted":{{"convoy_top":"{}","convoy_found":{},"scenes_top":"{}"}}}})",
             stored, g.days, g.cameras, g.agencies, options.queries,
             static_cast<double>(loaded) / load_s, settle_s,
             static_cast<double>(DirBytes(dir + "/store")) / static_cast<double>(stored), per_type,
             convoy_top, convoy_top == kCompanion ? "true" : "false", scenes_top)
      << std::endl;
  return 0;
}

}  // namespace interdict::bench
