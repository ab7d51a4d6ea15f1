// Interdict's configuration: one TOML file, every option with a documented
// default (docs/configuration.md), and a few command-line overrides. Unknown
// keys, wrong types and impossible values are errors that name the key and
// the line; `interdict serve` exits with code 2 on them.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "base/log.h"
#include "base/status.h"
#include "base/systemd.h"

namespace interdict::config {

struct ListenAddress {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8480;     // 0 asks the kernel for a free port
  std::string ToString() const;  // "127.0.0.1:8480", "[::1]:8480"
  // True for 127.0.0.0/8, ::1 and "localhost".
  bool IsLoopback() const;
};

Result<ListenAddress> ParseListenAddress(std::string_view text);

struct ServerConfig {
  ListenAddress listen;
  int io_threads = 1;
  int worker_threads = 8;
  std::uint64_t max_body_bytes = 16ull << 20;
  std::uint32_t max_header_bytes = 16u << 10;
  int max_connections = 10000;
  int max_connections_per_address = 512;
  std::uint64_t max_inflight_body_bytes = 1ull << 30;
  std::uint64_t max_inflight_body_bytes_per_address = 64ull << 20;
  int idle_timeout_s = 75;
  int request_timeout_s = 30;
  int shutdown_timeout_s = 30;
  std::string tls_cert;  // PEM certificate chain; empty = plain HTTP
  std::string tls_key;   // PEM private key
  bool insecure_allow_plaintext = false;
};

struct StoreConfig {
  std::string backend = "embedded";  // embedded, or cluster (JetStream and ClickHouse)
  std::string sync = "always";       // always, interval or none
  int sync_interval_ms = 100;
  std::int64_t flush_reads = 250'000;
};

inline constexpr std::string_view kDefaultLoginBanner =
    "This is a law-enforcement information system. Use is limited to authorized users for "
    "authorized purposes with a case number; all use is recorded and audited. Unauthorized use "
    "is a crime.";

struct AuthConfig {
  std::string login_banner{kDefaultLoginBanner};
  int max_password_checks = 2;
};

// Searches (docs/security.md, "Search").
struct SearchConfig {
  // Results one person may have in 24 hours, all searches and pages together,
  // before further searches need a supervisor's approval (GOVERNANCE 6).
  std::int64_t daily_results_cap = 5000;
};

// Requests each principal may make (docs/security.md, "Rate limits"): a
// per-minute rate and a burst spent at once; a rate of 0 turns a class off.
struct RateLimitConfig {
  // Public API routes (sign-in, enrolment, the transparency report) and
  // requests that fail authentication, per peer address (IPv6: per /64).
  int address_per_minute = 120;
  int address_burst = 30;
  // Each signed-in person.
  int person_per_minute = 1200;
  int person_burst = 200;
  // Each integration key (a camera, a vendor back-end, CAD).
  int integration_per_minute = 60000;
  int integration_burst = 2000;
};

struct AlertsConfig {
  int webhook_max_attempts = 8;
  int webhook_timeout_ms = 5000;
};

struct ConsoleConfig {
  std::string dir;       // the built console; empty: console/ beside the binary's directory
  std::string tile_url;  // a map tile server ("https://tiles.example/{z}/{x}/{y}.png"); empty: none
};

struct OversightConfig {
  std::int64_t min_count = 5;  // transparency report: counts 1..min_count-1 are suppressed
  std::string time_zone = "America/Chicago";  // of people's shifts (review queue)
  std::string default_shift = "06:00-22:00";  // of people without one; "" for none
  std::string protected_places;  // JSON file of protected places; empty: the shipped examples
  // The review queue's thresholds (docs/oversight.md, section 2).
  std::int64_t min_justification_words = 6;
  std::int64_t repeat_count = 3;
  std::int64_t repeat_days = 7;
  std::int64_t wide_days = 90;
  std::int64_t wide_agencies = 5;
  std::int64_t wide_radius_m = 5000;
  std::int64_t protected_radius_m = 300;
};

// Where the catalog lives (decision 0033): SQLite in the data directory, or a
// PostgreSQL shared by several servers.
struct CatalogConfig {
  std::string backend = "sqlite";        // "sqlite" or "postgresql"
  std::string postgresql_url;            // a libpq connection string or URL, without a password
  std::string postgresql_password_file;  // the password, on the file's first line
  int postgresql_connections = 4;        // each server's connections to it
};

// Several servers (docs/cluster.md): the NATS servers live alerts cross on
// (decision 0034). Empty: this server's alerts stay on its own streams.
struct ClusterConfig {
  std::string nats_url;         // "nats://10.0.0.1:4222,nats://10.0.0.2:4222"
  std::string nats_token_file;  // the NATS token, on the file's first line
  // With store.backend = "cluster" (decision 0035).
  std::string clickhouse_nodes;  // "h:8123,h:8123;h:8123,h:8123": shards by ';', replicas by ','
  std::string clickhouse_cluster = "interdict";
  std::string clickhouse_user = "default";
  std::string clickhouse_password_file;  // the password, on the file's first line
  bool clickhouse_replicated = true;
  int stream_replicas = 3;
  std::int64_t stream_max_bytes = std::int64_t{8} << 30;
  std::int64_t stream_max_messages = 10'000'000;
};

// Encryption at rest (decision 0036, docs/format/keys.md). Off while
// master_key_file is empty.
struct EncryptionConfig {
  std::string master_key_file;  // the master key: outside the data directory
  std::string keys_dir;         // the wrapped data keys: outside the data directory
  bool enabled() const { return !master_key_file.empty(); }
};

// Single sign-on (decision 0038): each agency's provider is set in the
// catalog (`interdict admin sso`); the host says where browsers reach this
// server and where the client secrets are.
struct SsoConfig {
  std::string public_url;          // "https://interdict.example.gov"; empty: single sign-on off
  std::string client_secrets_dir;  // a file per agency code holding its client secret
};

// Task-force units (docs/format/units.md): an ADS-B receiver the server
// polls for the aircraft it hears.
struct UnitsConfig {
  std::string adsb_url;     // a dump1090 receiver's aircraft.json; empty: not polled
  std::string adsb_agency;  // whose aircraft: positions are recorded as this agency's
  int adsb_poll_ms = 5'000;
};

struct Config {
  ServerConfig server;
  UnitsConfig units;
  SsoConfig sso;
  EncryptionConfig encryption;
  CatalogConfig catalog;
  ClusterConfig cluster;
  StoreConfig store;
  AuthConfig auth;
  SearchConfig search;
  RateLimitConfig rate_limit;
  AlertsConfig alerts;
  ConsoleConfig console;
  OversightConfig oversight;
  std::string data_dir = "/var/lib/interdict";
  std::string images_dir;  // empty: DATA/images
  LogLevel log_level = LogLevel::kInfo;
  LogFormat log_format = LogFormat::kText;
  std::string log_journal_socket = std::string(kJournalSocket);

  // Checks rules that span keys: TLS certificate and key come together; a
  // non-loopback listen address needs TLS unless plaintext is allowed explicitly.
  Status Validate() const;
};

// One option's documentation, for docs/configuration.md and `interdict help config`.
struct OptionDoc {
  std::string_view key;   // "server.listen"
  std::string_view type;  // "string", "integer", "boolean"
  std::string_view default_value;
  std::string_view description;
};
std::span<const OptionDoc> Options();

// Parses TOML text; `source` names it in messages ("interdict.toml").
// Options absent from the text keep their defaults.
Result<Config> Parse(std::string_view toml_text, std::string_view source);
Result<Config> LoadFile(const std::string& path);

// Sets one option from a command-line string, with the same checks as the file.
Status SetFromString(Config& config, std::string_view key, std::string_view value);

// The secret on the first line of `path`, which `option` names (a password or
// token file). Refused, naming the option, when the file cannot be read, when
// others than its owner may read or change it (as libpq refuses such a
// ~/.pgpass), or when its first line is empty or over 1 KiB.
Result<std::string> ReadSecretFile(const std::string& path, std::string_view option);

}  // namespace interdict::config
