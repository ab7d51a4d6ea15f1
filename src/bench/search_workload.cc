#include "bench/search_workload.h"

#include <algorithm>
#include <random>

#include <fmt/core.h>

#include "base/time_format.h"
#include "catalog/migrations.h"
#include "config/config.h"
#include "crypto/password.h"
#include "crypto/totp.h"
#include "policy/purpose.h"
#include "policy/sharing.h"

namespace interdict::bench {
namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 86'400'000;

}  // namespace

const identity::Principal& Region::analyst() const {
  return people.at(home + "-analyst");
}

Result<Region> MakeRegion(const catalog::Location& where, const ReadGenerator& gen,
                          std::int64_t now, int analysts) {
  Region r;
  // The cheapest Argon2id: the benchmarks sign in, they do not measure it.
  Result<std::string> password = crypto::HashPassword(kBenchPassword, {1, 64, 1});
  if (!password.ok()) return password.status();
  const std::string home = gen.agency_codes().front();
  r.home = home;
  Result<std::unique_ptr<catalog::Database>> db = catalog::Database::Open(where);
  if (!db.ok()) return db.status();
  r.db = std::move(db).value();
  INTERDICT_RETURN_IF_ERROR(catalog::Migrate(*r.db));
  r.accounts = std::make_unique<identity::Accounts>(*r.db, identity::AccountPolicy{});
  std::map<std::string, std::int64_t> ids;
  int n = 0;
  for (const std::string& code : gen.agency_codes()) {
    Result<catalog::Statement> st = r.db->Prepare(
        "INSERT INTO agencies (code, name, ori, state, kind, created_at) VALUES (?1, ?1, ?2, "
        "'US-MO', 'local', 0) RETURNING id");
    if (!st.ok()) return st.status();
    st->Bind(1, code).Bind(2, fmt::format("MO{:03}0000", n++));
    Result<std::int64_t> agency = st->RunReturningId();
    if (!agency.ok()) return agency.status();
    ids[code] = *agency;
    std::vector<std::pair<std::string, std::string>> people = {
        {code + "-administrator", "administrator"},
        {code + "-supervisor", "supervisor"},
        {code + "-analyst", "analyst"}};
    for (int a = 2; code == home && a <= analysts; ++a)
      people.emplace_back(fmt::format("{}-analyst{}", code, a), "analyst");
    for (const auto& [name, role] : people) {
      Result<catalog::Statement> u = r.db->Prepare(
          "INSERT INTO users (agency_id, username, display_name, role, password_hash, "
          "totp_secret, totp_enrolled, created_at, created_by) "
          "VALUES (?1, ?2, ?2, ?3, ?4, ?5, 1, ?6, 'bench') RETURNING id");
      if (!u.ok()) return u.status();
      u->Bind(1, ids[code]).Bind(2, name).Bind(3, role).Bind(4, *password);
      u->BindBlob(5, kBenchTotpSecret).Bind(6, now);
      if (role == "analyst" && code == home) r.analysts.push_back(name);
      Result<std::int64_t> user = u->RunReturningId();
      if (!user.ok()) return user.status();
      Result<identity::Principal> p = r.accounts->UserPrincipal(*user);
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
                           {},
                           ""};
  policy::SearchScope scope;
  scope.span_ms = 400 * kDay;
  scope.agencies = gen.agency_codes().size();
  scope.pattern_analysis = true;
  scope.radius_m = 50'000;
  for (const policy::ProtectedPlace& place : r.limits.places.fixed)
    scope.places.push_back(place.name);
  // A benchmark runs thousands of searches as one person: far past the cap.
  scope.daily_cap = 1'000'000;
  for (const std::string& analyst : r.analysts) {
    Result<std::int64_t> approval =
        policy::RequestApproval(*r.db, r.people[analyst], why, scope, now);
    if (!approval.ok()) return approval.status();
    INTERDICT_RETURN_IF_ERROR(
        policy::Approve(*r.db, r.people[home + "-supervisor"], *approval, now));
    r.approvals[analyst] = *approval;
  }
  r.approval = r.approvals.at(r.analysts.front());
  return r;
}

Result<SignedIn> SignInAnalysts(Region& region, Clock& clock) {
  SignedIn out;
  const std::string banner = identity::BannerVersion(config::kDefaultLoginBanner);
  for (const std::string& analyst : region.analysts) {
    const std::int64_t t = clock.NowMillis();
    Result<std::string> token = region.accounts->SignIn(
        analyst, kBenchPassword, crypto::TotpCode(kBenchTotpSecret, crypto::TotpStep(t)),
        "127.0.0.1", banner, t);
    if (!token.ok()) return token.status().WithContext("signing " + analyst + " in: ");
    out.tokens.push_back(*token);
    out.approvals.push_back(region.approvals.at(analyst));
  }
  return out;
}

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

QuerySet MakeQueries(const ReadGenerator& gen, const Planted& planted, std::int64_t now, int days,
                     int queries, std::uint64_t variant) {
  // The queries, built from the simulated population (popular vehicles more
  // often, as investigators' targets are), each type over its issue's window.
  std::mt19937_64 rng((gen.options().seed ^ 0x5EA4C4ull) + variant * 0x9E3779B97F4A7C15ull);
  const bool plant_first = variant == 0;
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
  auto circle = [](const geo::Point& c) {
    return fmt::format(R"("center":{{"lat":{:.6f},"lon":{:.6f}}},"radius_m":1000)", c.lat(),
                       c.lon());
  };
  // Locate and route look back a year (the issue's question; an approval
  // covers 400 days), or the whole history when it is shorter.
  const std::string year = window(now - std::min<std::int64_t>(days, 365) * kDay, now);
  std::vector<std::pair<std::string, std::vector<std::string>>> types = {
      {"plate", {}},        {"partial", {}},      {"lookalike", {}},  {"area", {}},
      {"scenes", {}},       {"convoy", {}},       {"locate", {}},     {"route", {}},
      {"convoy_heavy", {}}, {"locate_heavy", {}}, {"route_heavy", {}}};
  // Heavy targets: vehicles among the ~100 most often read (hundreds of reads
  // a month), where travelling-with, locate and route do the most work.
  std::uniform_int_distribution<std::size_t> heavy(std::min<std::size_t>(10, plates.size() - 1),
                                                   std::min<std::size_t>(100, plates.size() - 1));
  for (int i = 0; i < queries; ++i) {
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
      const geo::Point& c =
          (i == 0 && plant_first ? planted.scenes[static_cast<std::size_t>(s)].first
                                 : &gen.cameras()[cam(rng)])
              ->position;
      const std::int64_t from =
          i == 0 && plant_first ? planted.scenes[static_cast<std::size_t>(s)].second - 30 * kMinute
                                : sh;
      scenes += fmt::format(R"({}{{{},"from":"{}","to":"{}"}})", s ? "," : "", circle(c),
                            FormatRfc3339(from), FormatRfc3339(from + kHour));
    }
    types[4].second.push_back(
        fmt::format(R"("type":"scenes","params":{{"k":2,"scenes":[{}]}})", scenes));
    const std::string target = i == 0 && plant_first ? kTarget : pick();
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

  return types;
}

std::string PurposeJson(std::int64_t approval) {
  return fmt::format(
      R"("purpose":{{"code":"stolen-vehicle","case":"26-BENCH-1","offense":"auto theft","justification":"benchmark of the search layer on simulated regional data","approval":{}}})",
      approval);
}

}  // namespace interdict::bench
