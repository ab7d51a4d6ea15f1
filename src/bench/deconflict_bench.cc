#include "bench/deconflict_bench.h"

#include <sys/resource.h>

#include <algorithm>
#include <iostream>
#include <random>
#include <vector>

#include <fmt/core.h>

#include "base/json_writer.h"
#include "bench/harness.h"
#include "bench/random_plates.h"
#include "catalog/database.h"
#include "catalog/migrations.h"
#include "identity/accounts.h"
#include "intel/targets.h"
#include "plate/lookalike.h"

namespace interdict::bench {
namespace {

constexpr int kAgencies = 10;
constexpr std::int64_t kNow = 1'800'000'000'000;

// A given name as entered and as another agency writes the same person.
constexpr std::pair<std::string_view, std::string_view> kGiven[] = {
    {"William", "Bill"},   {"Robert", "Bob"},     {"Michael", "Mike"},   {"James", "Jim"},
    {"Richard", "Rick"},   {"Joseph", "Joe"},     {"Thomas", "Tom"},     {"Christopher", "Chris"},
    {"Daniel", "Danny"},   {"Anthony", "Tony"},   {"Elizabeth", "Liz"},  {"Margaret", "Peggy"},
    {"Patricia", "Trish"}, {"Jennifer", "Jenny"}, {"Katherine", "Kate"}, {"Rebecca", "Becky"},
    {"Alexander", "Alex"}, {"Samuel", "Sam"},     {"Maria", "Mary"},     {"Jose", "Joe"}};
constexpr std::string_view kSurnames[] = {
    "Smith",    "Johnson",   "Williams", "Brown",     "Jones",    "Garcia",   "Miller",
    "Davis",    "Rodriguez", "Martinez", "Hernandez", "Lopez",    "Gonzalez", "Wilson",
    "Anderson", "Thomas",    "Taylor",   "Moore",     "Jackson",  "Martin",   "Lee",
    "Perez",    "Thompson",  "White",    "Harris",    "Sanchez",  "Clark",    "Ramirez",
    "Lewis",    "Robinson",  "Walker",   "Young",     "Allen",    "King",     "Wright",
    "Scott",    "Torres",    "Nguyen",   "Hill",      "Flores",   "Green",    "Adams",
    "Nelson",   "Baker",     "Hall",     "Rivera",    "Campbell", "Mitchell", "Carter",
    "Roberts",  "Schmidt",   "Kowalski", "Mueller",   "Rossi",    "Esposito", "Ivanov"};
constexpr std::string_view kStreets[] = {"Market",         "Delmar",  "Grand",      "Kingshighway",
                                         "Natural Bridge", "Gravois", "Chippewa",   "Broadway",
                                         "Olive",          "Locust",  "Washington", "Florissant"};
constexpr std::pair<std::string_view, std::string_view> kSuffixes[] = {
    {"Street", "St"}, {"Avenue", "Ave"}, {"Boulevard", "Blvd"}, {"Road", "Rd"}, {"Drive", "Dr"}};
constexpr std::pair<std::string_view, std::string_view> kDirections[] = {
    {"North", "N"}, {"South", "S"}, {"East", "E"}, {"West", "W"}};
constexpr std::string_view kAreaCodes[] = {"314", "636", "618", "573"};

// A target as one agency enters it and as another writes the same thing.
struct Variants {
  intel::TargetRequest entered, other;
};

template <typename T, std::size_t N>
const T& Pick(const T (&items)[N], std::mt19937_64& rng) {
  return items[rng() % N];
}

Variants MakeTarget(std::mt19937_64& rng) {
  Variants v;
  v.entered.case_number = v.other.case_number = fmt::format("B-{}", rng() % 100'000);
  v.entered.contact_name = v.other.contact_name = "Det. Bench";
  v.entered.contact_phone = v.other.contact_phone = "314-622-4000";
  const std::uint64_t kind = rng() % 10;
  if (kind < 4) {
    v.entered.kind = v.other.kind = "plate";
    v.entered.value = RandomPlate(rng);
    // One look-alike substitution where the plate has a character to swap.
    v.other.value = v.entered.value;
    const auto& classes = plate::LookalikeClasses::Default();
    for (char& c : v.other.value) {
      const std::string_view m = classes.Members(c);
      if (m.size() > 1) {
        c = m[(m.find(c) + 1) % m.size()];
        break;
      }
    }
  } else if (kind < 7) {
    v.entered.kind = v.other.kind = "person";
    const auto& [formal, nick] = Pick(kGiven, rng);
    const std::string_view surname = Pick(kSurnames, rng);
    v.entered.value = fmt::format("{} {}", formal, surname);
    v.other.value = fmt::format("{}, {}", surname, nick);
    v.entered.dob = v.other.dob =
        fmt::format("{}-{:02}-{:02}", 1950 + rng() % 55, 1 + rng() % 12, 1 + rng() % 28);
  } else if (kind < 9) {
    v.entered.kind = v.other.kind = "phone";
    const std::string_view area = Pick(kAreaCodes, rng);
    const std::uint64_t exchange = 200 + rng() % 800, line = rng() % 10'000;
    v.entered.value = fmt::format("{}{}{:04}", area, exchange, line);
    v.other.value = fmt::format("({}) {}-{:04}", area, exchange, line);
  } else {
    v.entered.kind = v.other.kind = "address";
    const std::uint64_t number = 100 + rng() % 9'900;
    const auto& [dir, d] = Pick(kDirections, rng);
    const std::string_view street = Pick(kStreets, rng);
    const auto& [suffix, s] = Pick(kSuffixes, rng);
    v.entered.value = fmt::format("{} {} {} {}", number, dir, street, suffix);
    v.other.value = fmt::format("{} {}. {} {}., St. Louis MO", number, d, street, s);
  }
  return v;
}

double PeakRssMib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

// Ten agencies, each deconflicting with every other, with a supervisor each.
Result<std::vector<identity::Principal>> MakeAgencies(catalog::Database& db) {
  std::vector<identity::Principal> people;
  identity::Accounts accounts(db, {});
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    for (int a = 0; a < kAgencies; ++a) {
      Result<catalog::Statement> ag = db.Prepare(
          "INSERT INTO agencies (code, name, ori, state, kind, created_at) VALUES (?1, ?1, ?2, "
          "'US-MO', 'local', 0) RETURNING id");
      if (!ag.ok()) return ag.status();
      ag->Bind(1, fmt::format("AG{:02}", a)).Bind(2, fmt::format("MO{:03}0000", a));
      Result<std::int64_t> id = ag->RunReturningId();
      if (!id.ok()) return id.status();
      Result<catalog::Statement> u = db.Prepare(
          "INSERT INTO users (agency_id, username, display_name, role, created_at, created_by) "
          "VALUES (?1, ?2, ?2, 'supervisor', 0, 'bench')");
      if (!u.ok()) return u.status();
      u->Bind(1, *id).Bind(2, fmt::format("AG{:02}-supervisor", a));
      INTERDICT_RETURN_IF_ERROR(u->Run());
    }
    return db.Exec(
        "INSERT INTO agreements (owner_id, partner_id, data_class, effective_from, document, "
        "approved_at, created_at) SELECT a.id, b.id, 'deconfliction', 0, 'bench', 0, 0 FROM "
        "agencies a JOIN agencies b ON a.id <> b.id");
  }));
  for (int a = 1; a <= kAgencies; ++a) {
    Result<identity::Principal> p = accounts.UserPrincipal(a);
    if (!p.ok()) return p.status();
    people.push_back(*p);
  }
  return people;
}

}  // namespace

int RunDeconflictBench(const DeconflictBenchOptions& o) {
  CatchStopSignals();
  Result<WorkDir> work = WorkDir::Make(o.dir, "deconflict", o.keep);
  if (!work.ok()) {
    std::cerr << "interdict bench deconflict: " << work.status().message() << "\n";
    return 1;
  }
  const catalog::Location where = catalog::Location::Sqlite(work->path() + "/catalog.db");
  Result<std::unique_ptr<catalog::Database>> opened = catalog::Database::Open(where);
  if (!opened.ok() || !catalog::Migrate(**opened).ok()) {
    std::cerr << "interdict bench deconflict: cannot make the catalog in " << work->path() << "\n";
    return 1;
  }
  catalog::Database& db = **opened;
  Result<std::vector<identity::Principal>> people = MakeAgencies(db);
  if (!people.ok()) {
    std::cerr << "interdict bench deconflict: " << people.status().message() << "\n";
    return 1;
  }

  // The existing targets, keyed as entry keys them, written in batches.
  std::mt19937_64 rng(o.seed);
  std::vector<Variants> kept;  // a sample, for the queries that match
  const auto fill_start = Steady::now();
  std::uint64_t written = 0, refused = 0;
  double keying_ms = 0;
  while (written + refused < o.targets) {
    if (StopRequested()) return 130;
    const std::uint64_t batch = std::min<std::uint64_t>(10'000, o.targets - written - refused);
    Status st = db.Transaction([&]() -> Status {
      Result<catalog::Statement> ins = db.Prepare(
          "INSERT INTO targets (agency_id, case_number, kind, value, contact_name, "
          "contact_phone, created_at, created_by, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
          "'bench', ?8) RETURNING id");
      Result<catalog::Statement> key = db.Prepare(
          "INSERT INTO target_keys (key_hash, target_id) VALUES (?1, ?2) ON CONFLICT "
          "DO NOTHING");
      if (!ins.ok()) return ins.status();
      if (!key.ok()) return key.status();
      for (std::uint64_t i = 0; i < batch; ++i) {
        Variants v = MakeTarget(rng);
        const auto k0 = Steady::now();
        Result<intel::Keyed> keyed = intel::KeyTarget(v.entered);
        keying_ms += Ms(k0, Steady::now());
        if (!keyed.ok()) {
          ++refused;  // a random phone number no plan uses, say
          continue;
        }
        const std::int64_t agency = static_cast<std::int64_t>(1 + rng() % kAgencies);
        ins->Reset();
        ins->Bind(1, agency).Bind(2, v.entered.case_number).Bind(3, v.entered.kind);
        ins->Bind(4, keyed->normalized).Bind(5, "Det. Bench").Bind(6, "+13146224000");
        ins->Bind(7, kNow).Bind(8, kNow + intel::kMaxTargetLifeMs);
        Result<std::int64_t> id = ins->RunReturningId();
        if (!id.ok()) return id.status();
        for (const std::string& k : keyed->keys) {
          key->Reset();
          key->Bind(1, intel::TargetKeyHash(k)).Bind(2, *id);
          INTERDICT_RETURN_IF_ERROR(key->Run());
        }
        ++written;
        if (kept.size() < o.queries &&
            rng() % std::max<std::uint64_t>(1, o.targets / o.queries) == 0)
          kept.push_back(std::move(v));
      }
      return Status::Ok();
    });
    if (!st.ok()) {
      std::cerr << "interdict bench deconflict: " << st.message() << "\n";
      return 1;
    }
    if ((written + refused) % 100'000 < batch)
      std::cerr << fmt::format("deconflict: {} of {} targets written ({:.0f} s)\n",
                               written + refused, o.targets, Ms(fill_start, Steady::now()) / 1000);
  }
  const double fill_s = Ms(fill_start, Steady::now()) / 1000;

  // New targets through the whole entry path: half another writing of an
  // existing target, half new.
  std::vector<double> ms;
  std::uint64_t matched = 0, failed = 0;
  for (std::uint64_t q = 0; q < o.queries; ++q) {
    if (StopRequested()) return 130;
    const bool again = q % 2 == 0 && !kept.empty();
    const intel::TargetRequest r =
        again ? kept[(q / 2) % kept.size()].other : MakeTarget(rng).entered;
    const identity::Principal& p = (*people)[rng() % people->size()];
    const auto t0 = Steady::now();
    Result<intel::TargetResult> made = intel::EnterTarget(db, p, r, kNow + 1000);
    ms.push_back(Ms(t0, Steady::now()));
    if (!made.ok()) {
      ++failed;
      continue;
    }
    if (!made->notices.empty()) ++matched;
  }
  std::cerr << fmt::format("deconflict: {} new targets entered, {} matched\n", o.queries, matched);
  const std::string json = json::Object(
      "benchmark", "deconflict", "targets", written, "refused_at_fill", refused, "agencies",
      static_cast<std::int64_t>(kAgencies), "fill_s", fill_s, "keying_us_per_target",
      written + refused > 0 ? keying_ms * 1000 / static_cast<double>(written + refused) : 0.0,
      "catalog_bytes", DirBytes(work->path()), "queries", o.queries, "queries_matched", matched,
      "queries_failed", failed, "enter_p50_ms", Percentile(ms, 0.5), "enter_p99_ms",
      Percentile(ms, 0.99), "enter_max_ms",
      ms.empty() ? 0.0 : *std::max_element(ms.begin(), ms.end()), "peak_rss_mib", PeakRssMib());
  std::cout << json << "\n";
  return 0;
}

}  // namespace interdict::bench
