// The demo's data directory (docs/simulator.md, "Modes"): on its first start
// the simulated region is written into a fresh catalog and store — agencies,
// people who can sign in, cameras, sharing agreements, retention presets,
// hotlists and a few days of history. Later starts find it and keep it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/status.h"
#include "catalog/database.h"
#include "config/config.h"
#include "sim/population.h"
#include "sim/region.h"
#include "sim/traffic.h"

namespace interdict::demo {

struct DemoOptions {
  std::string data_dir;
  int history_days = 3;
  // Where the catalog and the reads go, as the server will find them (a
  // PostgreSQL catalog and the cluster's reads: docs/cluster.md). Null: the
  // embedded store and DATA/catalog.db.
  const config::Config* config = nullptr;
};

// What the demo prints and its feeder needs; kept in DATA/demo/secrets.json
// (mode 0600) so a restart prints the same logins.
struct DemoSecrets {
  std::string password;                     // every demo user's password
  std::string totp_secret;                  // every demo user's TOTP secret (base32)
  std::map<std::string, std::string> keys;  // agency code → its camera feed's API key
  std::vector<std::string> stolen_plates;   // on the NCIC extract and driving (true hits)
};

struct SeedReport {
  bool fresh = false;  // seeded now (false: found seeded)
  DemoSecrets secrets;
  std::uint64_t history_reads = 0;
};

// Reads a secrets file (DATA/demo/secrets.json, or one written by hand with
// at least {"keys": {"AGENCY": "key"}}) for `sim --live` against any server.
Result<DemoSecrets> ReadSecretsFile(const std::string& path);

// The catalog the server will use: DATA/catalog.db, or the configured one.
Result<std::unique_ptr<catalog::Database>> OpenDemoCatalog(const DemoOptions& options);

// Seeds `options.data_dir` unless it is already seeded; the service must not
// be running on it. Progress goes to `log`.
Result<SeedReport> SeedIfEmpty(const DemoOptions& options, const sim::Traffic& traffic,
                               std::int64_t now, Logger& log);

// The NCIC extract of the region (the layout of docs/format/ingest.md): the
// stolen vehicles, some recovered but still listed, one plate that only a
// vehicle of another state carries.
std::string NcicExtract(const sim::Population& population, std::int64_t now);

// Usernames: "<agency code, lower case>-<role>", e.g. "gcpd-analyst".
std::string Username(std::string_view agency, std::string_view role);

// A region unit's call sign in the registry: its name in capitals ("GCPD
// PATROL 1"); the aircraft's ADS-B address.
std::string UnitCallSign(const sim::Unit& unit);
inline constexpr std::string_view kDemoAircraftIcao = "a4c1e5";

}  // namespace interdict::demo
