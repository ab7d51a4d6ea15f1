// The search benchmark's workload, shared by `bench search` and `bench peers`:
// the region's catalog (agencies, cameras, people, sharing, an approval), the
// planted target and companion, and the query set built from the simulated
// population. Deterministic for a generator's seed.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "bench/read_generator.h"
#include "catalog/database.h"
#include "identity/accounts.h"
#include "read/read.h"
#include "search/search.h"

namespace interdict::bench {

// Planted: a target vehicle seen twice a day all period, and a companion
// travelling with it on two of every three passes of the last 30 days. No
// generated plate has a Q, so neither collides with the simulated traffic.
inline constexpr const char* kTarget = "QX7Q12";
inline constexpr const char* kCompanion = "QC4Q88";

// Everyone in a benchmark's region can sign in with this password and a TOTP
// code from this secret (bench api signs its analysts in through the API's
// own account layer).
inline constexpr const char* kBenchPassword = "bench password, not a secret";
inline constexpr const char* kBenchTotpSecret = "bench-totp-secret-20";

struct Region {
  std::unique_ptr<catalog::Database> db;
  std::unique_ptr<identity::Accounts> accounts;
  std::map<std::string, identity::Principal> people;  // "AG00-analyst"
  std::int64_t approval = 0;                          // of the first analyst
  // The home agency's analysts ("AG00-analyst", "AG00-analyst2", …), each
  // with a supervisor's approval of the same case, and the approvals' ids.
  std::vector<std::string> analysts;
  std::map<std::string, std::int64_t> approvals;
  // The shipped protected places and the daily results cap: every search is
  // checked against them, and the approval names every place (and a 50 km
  // radius and a million results a day), so the checks' cost is in every
  // figure and no query is refused.
  search::Limits limits;
  std::string home;  // the agency every other one shares reads with
  // The home agency's analyst, who runs the searches.
  const identity::Principal& analyst() const;
};

// The catalog of a region in the new catalog `where`: the generator's
// agencies and cameras, three people in each, every agency sharing reads with
// AG00 (the widest search the policy allows), and a supervisor's approval of
// the case of each of AG00's `analysts` analysts.
Result<Region> MakeRegion(const catalog::Location& where, const ReadGenerator& gen,
                          std::int64_t now, int analysts = 1);

// Each of the region's analysts signed in through the account layer (as a
// person does: password, TOTP code, the login banner accepted): their session
// tokens and their approvals' ids, in the order of `region.analysts`.
struct SignedIn {
  std::vector<std::string> tokens;
  std::vector<std::int64_t> approvals;
};
Result<SignedIn> SignInAnalysts(Region& region, Clock& clock);

// The planted target and companion, and the scenes of three of the target's
// last passes (where a scenes search should find both in all three).
struct Planted {
  std::vector<read::Read> reads;
  std::vector<std::pair<const Camera*, std::int64_t>> scenes;  // camera, pass time
};
Planted Plant(const ReadGenerator& gen, std::int64_t now);

// Per type, the terms of each query (the inside of a search request body,
// without its purpose): plate, partial, lookalike, area, scenes, convoy,
// locate, route, and convoy/locate/route of heavily read vehicles. Variant 0
// asks about the planted vehicles first; other variants are other questions
// of the same kinds (to warm a store's caches without answering in advance).
using QuerySet = std::vector<std::pair<std::string, std::vector<std::string>>>;
QuerySet MakeQueries(const ReadGenerator& gen, const Planted& planted, std::int64_t now, int days,
                     int queries, std::uint64_t variant = 0);

// `"purpose":{…}` for a request under the region's approval.
std::string PurposeJson(std::int64_t approval);

}  // namespace interdict::bench
