// The task force's units (docs/format/units.md): each agency's patrol cars,
// K-9 teams, tactical medics and aircraft, with their status, and where they
// were last reported. Every change is audited; positions are kept only for
// the agency's unit-locations retention and never reach a read search.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "catalog/database.h"
#include "identity/accounts.h"

namespace interdict::ops {

inline constexpr std::array<std::string_view, 6> kUnitKinds = {
    "patrol", "unmarked", "k9", "tactical_medic", "aircraft", "other"};
inline constexpr std::array<std::string_view, 4> kUnitStatuses = {"available", "assigned", "busy",
                                                                  "out_of_service"};

struct UnitSpec {
  std::string call_sign;                  // unique within the agency: "GC-12", "MSHP AIR 1"
  std::string kind;                       // one of kUnitKinds
  std::vector<std::string> capabilities;  // short words: "spikes", "flir"
  std::string shift;                      // "HH:MM-HH:MM" local, or empty
  std::string icao;                       // aircraft: the 6 hex digits of its ADS-B address
  std::optional<double> home_lat, home_lon;
};

// One reported position of a unit.
struct Position {
  std::int64_t time = 0;  // epoch ms
  double lat = 0, lon = 0;
  std::optional<double> speed_mps;
  std::optional<int> heading;  // degrees, 0-359
  std::string source;          // "avl", "adsb" or "sim"
};

// Where a unit was sent (its newest assignment still out).
struct UnitAssignment {
  std::int64_t hit = 0;
  double lat = 0, lon = 0;
  std::string camera;
  std::optional<std::int64_t> eta_at;
  std::int64_t assigned_at = 0;
};

struct UnitInfo {
  std::int64_t id = 0;
  std::string agency;  // its code
  UnitSpec spec;
  std::string status, status_by;
  std::int64_t status_at = 0;
  std::optional<Position> last;              // the newest position kept
  std::optional<UnitAssignment> assignment;  // where a dispatcher sent it, if anywhere
};

// units.manage, the caller's agency; audited ("unit.create"). InvalidArgument
// naming the field; AlreadyExists for a call sign or ICAO address in use.
Result<std::int64_t> CreateUnit(catalog::Database& db, const identity::Principal& p,
                                const UnitSpec& spec, std::int64_t now);
// units.manage: a unit of the caller's agency takes `status` (one of
// kUnitStatuses); audited ("unit.status") with who and when.
Status SetUnitStatus(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                     std::string_view status, std::int64_t now);
// units.manage: the unit is retired (kept for the audit trail, listed no more).
Status RetireUnit(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                  std::int64_t now);
// units.read: the caller's agency's units in service, by call sign, with their
// newest position and where they were sent.
Result<std::vector<UnitInfo>> ListUnits(catalog::Database& db, const identity::Principal& p);

}  // namespace interdict::ops
