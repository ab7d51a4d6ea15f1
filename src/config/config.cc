#include "config/config.h"

#include "base/time_zone.h"

#include <sys/stat.h>

#include <array>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/core.h>
#include <toml++/toml.h>

namespace interdict::config {
namespace {

enum class Type { kString, kInteger, kBoolean };
using Value = std::variant<std::string, std::int64_t, bool>;
using Apply = Status (*)(Config&, const Value&);

struct Option {
  OptionDoc doc;
  Type type;
  Apply apply;
};

Result<std::int64_t> IntIn(const Value& v, std::int64_t lo, std::int64_t hi) {
  const std::int64_t x = std::get<std::int64_t>(v);
  if (x < lo || x > hi) {
    return Status::InvalidArgument(fmt::format("{} is out of range [{}, {}]", x, lo, hi));
  }
  return x;
}

// Whether a libpq connection string or URL carries a password: "password="
// as a keyword or URL parameter, or "user:password@" in a URL.
bool HoldsPassword(std::string_view conninfo) {
  if (conninfo.find("password=") != std::string_view::npos) return true;
  const std::size_t scheme = conninfo.find("://");
  if (scheme == std::string_view::npos) return false;
  std::string_view authority = conninfo.substr(scheme + 3);
  authority = authority.substr(0, authority.find('/'));
  const std::size_t at = authority.rfind('@');
  return at != std::string_view::npos &&
         authority.substr(0, at).find(':') != std::string_view::npos;
}

template <typename T>
Status SetInt(const Value& v, std::int64_t lo, std::int64_t hi, T* field) {
  Result<std::int64_t> x = IntIn(v, lo, hi);
  if (!x.ok()) return x.status();
  *field = static_cast<T>(*x);
  return Status::Ok();
}

// The banner's default as the documentation shows it (a TOML string).
const std::string kQuotedBanner = "\"" + std::string(kDefaultLoginBanner) + "\"";

const std::array kOptions = {
    Option{{"server.listen", "string", "\"127.0.0.1:8480\"",
            "Address and port to listen on, HOST:PORT or [IPv6]:PORT. Port 0 picks a free port "
            "(the server logs the one it got). A non-loopback address needs TLS or "
            "server.insecure_allow_plaintext."},
           Type::kString,
           [](Config& c, const Value& v) -> Status {
             Result<ListenAddress> a = ParseListenAddress(std::get<std::string>(v));
             if (!a.ok()) return a.status();
             c.server.listen = *a;
             return Status::Ok();
           }},
    Option{{"server.io_threads", "integer", "1",
            "Threads running network I/O (accepting, reading, writing). One handles thousands "
            "of connections."},
           Type::kInteger,
           [](Config& c, const Value& v) { return SetInt(v, 1, 64, &c.server.io_threads); }},
    Option{{"server.worker_threads", "integer", "8",
            "Threads running request handlers (parsing batches, searches), so slow requests "
            "never stall network I/O. More than the cores, so that a camera's batch and its hit "
            "are not queued behind slow searches (docs/soak.md)."},
           Type::kInteger,
           [](Config& c, const Value& v) { return SetInt(v, 1, 256, &c.server.worker_threads); }},
    Option{{"server.max_body_bytes", "integer", "16777216",
            "Largest request body accepted, in bytes; larger requests get 413."},
           Type::kInteger,
           [](Config& c, const Value& v) {
             return SetInt(v, 1024, std::int64_t{1} << 32, &c.server.max_body_bytes);
           }},
    Option{{"server.max_header_bytes", "integer", "16384",
            "Largest request line plus headers, in bytes; larger requests get 431."},
           Type::kInteger,
           [](Config& c, const Value& v) {
             return SetInt(v, 1024, 1 << 20, &c.server.max_header_bytes);
           }},
    Option{{"server.max_connections", "integer", "10000",
            "Open connections allowed at once; further connections are closed at once."},
           Type::kInteger,
           [](Config& c, const Value& v) {
             return SetInt(v, 1, 1'000'000, &c.server.max_connections);
           }},
    Option{{"server.max_connections_per_address", "integer", "512",
            "Open connections allowed at once from one peer address, so that one machine's "
            "flood cannot take every connection; raise it for many cameras behind one NAT."},
           Type::kInteger,
           [](Config& c, const Value& v) {
             return SetInt(v, 1, 1'000'000, &c.server.max_connections_per_address);
           }},
    Option{{"server.max_inflight_body_bytes", "integer", "1073741824",
            "Request bodies held in memory at once across the server (being read or handled); a "
            "body that would pass it is refused with 503 and Retry-After before it is read."},
           Type::kInteger,
           [](Config& c, const Value& v) {
             return SetInt(v, 1024, std::int64_t{1} << 40, &c.server.max_inflight_body_bytes);
           }},
    Option{{"server.max_inflight_body_bytes_per_address", "integer", "67108864",
            "The same, from one peer address, so that one machine's slow or stalled uploads cannot "
            "take the whole budget."},
           Type::kInteger,
           [](Config& c, const Value& v) {
             return SetInt(v, 1024, std::int64_t{1} << 40,
                           &c.server.max_inflight_body_bytes_per_address);
           }},
    Option{{"server.idle_timeout_s", "integer", "75",
            "Seconds a kept-alive connection may sit idle between requests before it is closed."},
           Type::kInteger,
           [](Config& c, const Value& v) { return SetInt(v, 1, 3600, &c.server.idle_timeout_s); }},
    Option{
        {"server.request_timeout_s", "integer", "30",
         "Seconds a client has to send a whole request once it has started, and to read the "
         "response."},
        Type::kInteger,
        [](Config& c, const Value& v) { return SetInt(v, 1, 3600, &c.server.request_timeout_s); }},
    Option{
        {"server.shutdown_timeout_s", "integer", "30",
         "On SIGTERM or SIGINT, seconds to let in-flight requests finish before connections "
         "are cut."},
        Type::kInteger,
        [](Config& c, const Value& v) { return SetInt(v, 0, 3600, &c.server.shutdown_timeout_s); }},
    Option{{"server.tls_cert", "string", "\"\"",
            "PEM certificate chain file. With server.tls_key, the server speaks HTTPS only."},
           Type::kString,
           [](Config& c, const Value& v) -> Status {
             c.server.tls_cert = std::get<std::string>(v);
             return Status::Ok();
           }},
    Option{{"server.tls_key", "string", "\"\"", "PEM private key file for server.tls_cert."},
           Type::kString,
           [](Config& c, const Value& v) -> Status {
             c.server.tls_key = std::get<std::string>(v);
             return Status::Ok();
           }},
    Option{{"server.insecure_allow_plaintext", "boolean", "false",
            "Allow plain HTTP on a non-loopback address. Plate data and credentials then cross "
            "the network unencrypted: only for a trusted, isolated network."},
           Type::kBoolean,
           [](Config& c, const Value& v) -> Status {
             c.server.insecure_allow_plaintext = std::get<bool>(v);
             return Status::Ok();
           }},
    Option{{"data.dir", "string", "\"/var/lib/interdict\"",
            "Directory holding the read store, the catalog and the audit log. `interdict demo` "
            "uses $XDG_DATA_HOME/interdict/demo (default ~/.local/share/interdict/demo)."},
           Type::kString,
           [](Config& c, const Value& v) -> Status {
             const std::string& s = std::get<std::string>(v);
             if (s.empty()) return Status::InvalidArgument("must not be empty");
             c.data_dir = s;
             return Status::Ok();
           }},
    Option{{"images.dir", "string", "\"\"",
            "Where plate and overview images are kept, by content address. Empty: DATA/images. "
            "Several servers (cluster mode) name one directory that every server mounts, "
            "replicated by its file system (decision 0035)."},
           Type::kString,
           [](Config& c, const Value& v) -> Status {
             c.images_dir = std::get<std::string>(v);
             return Status::Ok();
           }},
    Option{{"encryption.master_key_file", "string", "\"\"",
            "The master key of encryption at rest (decision 0036): a file of one line of 64 hex "
            "digits, mode 0400 or 0600, outside the data directory; make it with `interdict keys "
            "init`. Empty: reads are stored unencrypted. Needs encryption.keys_dir."},
           Type::kString,
           [](Config& c, const Value& v) -> Status {
             c.encryption.master_key_file = std::get<std::string>(v);
             return Status::Ok();
           }},
    Option{{"encryption.keys_dir", "string", "\"\"",
            "The key store: the data keys per agency and time bucket, wrapped by the master key, "
            "and the log of keys retention destroyed (docs/format/keys.md). Outside the data "
            "directory, so that no backup holds a key; back it up apart (docs/operations.md)."},
           Type::kString,
           [](Config& c, const Value& v) -> Status {
             c.encryption.keys_dir = std::get<std::string>(v);
             return Status::Ok();
           }},
    Option{{"units.adsb_url", "string", "\"\"",
            "A dump1090 receiver's aircraft.json to poll (http:// or https://; Debian's "
            "dump1090-mutability serves it at /dump1090/data/aircraft.json), its aircraft matched "
            "to registered units by ICAO address (docs/format/units.md, \"Aircraft\"). Empty: "
            "not polled (a receiver may still post to /api/v1/units/adsb). Needs "
            "units.adsb_agency."},
           Type::kString,
           [](Config& c, const Value& v) -> Status {
             const std::string& s = std::get<std::string>(v);
             if (!s.empty() && !s.starts_with("http://") && !s.starts_with("https://"))
               return Status::InvalidArgument("must be an http:// or https:// URL");
             c.units.adsb_url = s;
             return Status::Ok();
           }},
    Option{{"units.adsb_agency", "string", "\"\"",
            "The agency whose aircraft the polled receiver tracks (its code): positions are "
            "recorded as that agency's, as if its key had posted them."},
           Type::kString,
           [](Config& c, const Value& v) -> Status {
             c.units.adsb_agency = std::get<std::string>(v);
             return Status::Ok();
           }},
    Option{{"units.adsb_poll_ms", "integer", "5000",
            "How often the receiver is polled, in milliseconds (1000-60000)."},
           Type::kInteger,
           [](Config& c, const Value& v) -> Status {
             return SetInt(v, 1'000, 60'000, &c.units.adsb_poll_ms);
           }},
    Option{{"sso.public_url", "string", "\"\"",
            "Where people's browsers reach this server (https://…; http only on loopback): "
            "single sign-on sends them back to its /api/v1/auth/sso/callback, which must be "
            "registered at each agency's identity provider. Empty: single sign-on is off. "
            "Providers are set per agency with `interdict admin sso` (decision 0038)."},
           Type::kString,
           [](Config& c, const Value& v) -> Status {
             const std::string& s = std::get<std::string>(v);
             if (!s.empty() && !s.starts_with("https://") && !s.starts_with("http://127.0.0.1") &&
                 !s.starts_with("http://localhost"))
               return Status::InvalidArgument("must be an https:// URL (http only on loopback)");
             c.sso.public_url = s;
             return Status::Ok();
           }},
    Option{{"sso.client_secrets_dir", "string", "\"\"",
            "A directory holding each agency's OpenID Connect client secret in a file named by "
            "the agency's code (first line; owner-only, as other secret files). An agency without "
            "a file is a public client: PKCE alone."},
           Type::kString,
           [](Config& c, const Value& v) -> Status {
             c.sso.client_secrets_dir = std::get<std::string>(v);
             return Status::Ok();
           }},
    Option{{"catalog.backend", "string", "\"sqlite\"",
            "Where the catalog (agencies, people, hotlists, hits, the audit trail) lives: sqlite "
            "(DATA/catalog.db, one server) or postgresql (catalog.postgresql.url, any number of "
            "servers; docs/cluster.md)."},
           Type::kString,
           [](Config& c, const Value& v) -> Status {
             const std::string& s = std::get<std::string>(v);
             if (s != "sqlite" && s != "postgresql")
               return Status::InvalidArgument(
                   fmt::format("unknown backend '{}' (expected sqlite or postgresql)", s));
             c.catalog.backend = s;
             return Status::Ok();
           }},
    Option{{"catalog.postgresql.url", "string", "\"\"",
            "With catalog.backend = \"postgresql\": the libpq connection string or URL "
            "(\"host=db1,db2 port=5432 dbname=interdict user=interdict "
            "target_session_attrs=read-write\"). Never a password: that comes from "
            "catalog.postgresql.password_file, PGPASSWORD or ~/.pgpass."},
           Type::kString,
           [](Config& c, const Value& v) -> Status {
             const std::string& s = std::get<std::string>(v);
             if (HoldsPassword(s))
               return Status::InvalidArgument(
                   "holds a password: give it in catalog.postgresql.password_file or PGPASSWORD "
                   "instead, never in the configuration");
             c.catalog.postgresql_url = s;
             return Status::Ok();
           }},
    Option{{"catalog.postgresql.password_file", "string", "\"\"",
            "A file whose first line is the PostgreSQL password; refused unless only its owner may "
            "read it (chmod 600)."},
           Type::kString,
           [](Config& c, const Value& v) -> Status {
             c.catalog.postgresql_password_file = std::get<std::string>(v);
             return Status::Ok();
           }},
    Option{{"catalog.postgresql.connections", "integer", "4",
            "With catalog.backend = \"postgresql\": connections each server keeps to it, so "
            "requests' catalog work runs side by side (writes still take turns: decision 0033). "
            "Mind PostgreSQL's max_connections across all servers."},
           Type::kInteger,
           [](Config& c, const Value& v) {
             return SetInt(v, 1, 64, &c.catalog.postgresql_connections);
           }},
    Option{{"cluster.nats.url", "string", "\"\"",
            "Several servers: the NATS servers (comma-separated nats:// or tls:// URLs) that carry "
            "each hit to the alert streams of every other server (decision 0034). Empty: alerts "
            "reach only this server's streams."},
           Type::kString,
           [](Config& c, const Value& v) -> Status {
             const std::string& s = std::get<std::string>(v);
             if (HoldsPassword(s) || s.find('@') != std::string::npos)
               return Status::InvalidArgument(
                   "holds credentials: give a token in cluster.nats.token_file instead");
             c.cluster.nats_url = s;
             return Status::Ok();
           }},
    Option{{"cluster.nats.token_file", "string", "\"\"",
            "A file whose first line is the NATS token; refused unless only its owner may read it "
            "(chmod 600)."},
           Type::kString,
           [](Config& c, const Value& v) -> Status {
             c.cluster.nats_token_file = std::get<std::string>(v);
             return Status::Ok();
           }},
    Option{{"cluster.clickhouse.nodes", "string", "\"\"",
            "With store.backend = \"cluster\": the ClickHouse nodes' HTTP addresses, shards "
            "separated by ';' and a shard's replicas by ',' "
            "(\"10.0.0.1:8123,10.0.0.2:8123;10.0.0.3:8123,10.0.0.4:8123\"). Reads are sharded by "
            "plate over the shards in this order (docs/format/cluster-reads.md)."},
           Type::kString,
           [](Config& c, const Value& v) -> Status {
             c.cluster.clickhouse_nodes = std::get<std::string>(v);
             return Status::Ok();
           }},
    Option{{"cluster.clickhouse.cluster", "string", "\"interdict\"",
            "The cluster's name in the nodes' <remote_servers>, over which the Distributed tables "
            "read. Empty: one node, no Distributed tables."},
           Type::kString,
           [](Config& c, const Value& v) -> Status {
             c.cluster.clickhouse_cluster = std::get<std::string>(v);
             return Status::Ok();
           }},
    Option{{"cluster.clickhouse.user", "string", "\"default\"",
            "The ClickHouse user the servers sign in as (HTTP Basic authentication). Give the "
            "servers a user of their own."},
           Type::kString,
           [](Config& c, const Value& v) -> Status {
             const std::string& s = std::get<std::string>(v);
             if (s.empty() || s.find(':') != std::string::npos)
               return Status::InvalidArgument("must be a user name, without ':'");
             c.cluster.clickhouse_user = s;
             return Status::Ok();
           }},
    Option{{"cluster.clickhouse.password_file", "string", "\"\"",
            "A file whose first line is that user's password; refused unless only its owner may "
            "read it (chmod 600)."},
           Type::kString,
           [](Config& c, const Value& v) -> Status {
             c.cluster.clickhouse_password_file = std::get<std::string>(v);
             return Status::Ok();
           }},
    Option{{"cluster.clickhouse.replicated", "boolean", "true",
            "ReplicatedReplacingMergeTree tables on ZooKeeper (the nodes' macros name {shard} and "
            "{replica}); false only for one replica a shard, without ZooKeeper."},
           Type::kBoolean,
           [](Config& c, const Value& v) -> Status {
             c.cluster.clickhouse_replicated = std::get<bool>(v);
             return Status::Ok();
           }},
    Option{{"cluster.stream.replicas", "integer", "3",
            "Replicas of the reads' JetStream stream: a camera's batch is acknowledged once a "
            "quorum of them stored it. 3 survives the loss of any one NATS server."},
           Type::kInteger,
           [](Config& c, const Value& v) { return SetInt(v, 1, 5, &c.cluster.stream_replicas); }},
    Option{{"cluster.stream.max_bytes", "integer", "8589934592",
            "The most the reads' stream holds (reads not yet in ClickHouse); when full, cameras "
            "are answered 503 with Retry-After and send again."},
           Type::kInteger,
           [](Config& c, const Value& v) {
             return SetInt(v, std::int64_t{1} << 20, std::int64_t{1} << 42,
                           &c.cluster.stream_max_bytes);
           }},
    Option{{"cluster.stream.max_messages", "integer", "10000000",
            "The most reads the stream holds; when full, as for cluster.stream.max_bytes."},
           Type::kInteger,
           [](Config& c, const Value& v) {
             return SetInt(v, 1, std::int64_t{1} << 36, &c.cluster.stream_max_messages);
           }},
    Option{{"store.backend", "string", "\"embedded\"",
            "Where reads live: embedded (DATA/store, this server's own) or cluster (through the "
            "NATS JetStream stream at cluster.nats.url into ClickHouse at "
            "cluster.clickhouse.nodes; any number of servers; docs/cluster.md)."},
           Type::kString,
           [](Config& c, const Value& v) -> Status {
             const std::string& s = std::get<std::string>(v);
             if (s != "embedded" && s != "cluster")
               return Status::InvalidArgument(
                   fmt::format("unknown backend '{}' (expected embedded or cluster)", s));
             c.store.backend = s;
             return Status::Ok();
           }},
    Option{
        {"store.sync", "string", "\"always\"",
         "When the read store makes a batch durable before acknowledging it: always (fdatasync "
         "every batch), interval (at most every store.sync_interval_ms; a machine crash can lose "
         "that much) or none (benchmarks only)."},
        Type::kString,
        [](Config& c, const Value& v) -> Status {
          const std::string& s = std::get<std::string>(v);
          if (s != "always" && s != "interval" && s != "none") {
            return Status::InvalidArgument(
                fmt::format("unknown sync policy '{}' (expected always, interval or none)", s));
          }
          c.store.sync = s;
          return Status::Ok();
        }},
    Option{
        {"store.sync_interval_ms", "integer", "100",
         "With store.sync = \"interval\": the longest time between syncs."},
        Type::kInteger,
        [](Config& c, const Value& v) { return SetInt(v, 1, 60'000, &c.store.sync_interval_ms); }},
    Option{{"store.flush_reads", "integer", "250000",
            "Reads held in memory before they are written to segments (they are flushed after 30 s "
            "in any case)."},
           Type::kInteger,
           [](Config& c, const Value& v) {
             return SetInt(v, 1000, 100'000'000, &c.store.flush_reads);
           }},
    Option{{"auth.login_banner", "string", kQuotedBanner,
            "The system-use notice shown before sign-in (GET /api/v1/auth/banner), as CJIS "
            "asks."},
           Type::kString,
           [](Config& c, const Value& v) -> Status {
             const std::string& s = std::get<std::string>(v);
             if (s.empty() || s.size() > 4000)
               return Status::InvalidArgument("must be 1 to 4000 bytes");
             c.auth.login_banner = s;
             return Status::Ok();
           }},
    Option{{"auth.max_password_checks", "integer", "2",
            "Sign-in password checks (Argon2id, 64 MiB each) run at once; more wait."},
           Type::kInteger,
           [](Config& c, const Value& v) { return SetInt(v, 1, 64, &c.auth.max_password_checks); }},
    Option{{"search.daily_results_cap", "integer", "5000",
            "Results one person may have in 24 hours, all searches and pages together, before "
            "further searches need a supervisor's approval (no bulk pulls); 0: no cap."},
           Type::kInteger,
           [](Config& c, const Value& v) {
             return SetInt(v, 0, 10'000'000, &c.search.daily_results_cap);
           }},
    Option{{"rate_limit.address_per_minute", "integer", "120",
            "Requests a minute from one address (an IPv6 /64) to the public API routes — sign-in, "
            "enrolment, the transparency report — and requests that fail authentication; 0: no "
            "limit."},
           Type::kInteger,
           [](Config& c, const Value& v) {
             return SetInt(v, 0, 1'000'000, &c.rate_limit.address_per_minute);
           }},
    Option{{"rate_limit.address_burst", "integer", "30", "Of those, how many may come at once."},
           Type::kInteger,
           [](Config& c, const Value& v) {
             return SetInt(v, 1, 1'000'000, &c.rate_limit.address_burst);
           }},
    Option{{"rate_limit.person_per_minute", "integer", "1200",
            "Requests a minute from one signed-in person; 0: no limit."},
           Type::kInteger,
           [](Config& c, const Value& v) {
             return SetInt(v, 0, 1'000'000, &c.rate_limit.person_per_minute);
           }},
    Option{{"rate_limit.person_burst", "integer", "200", "Of those, how many may come at once."},
           Type::kInteger,
           [](Config& c, const Value& v) {
             return SetInt(v, 1, 1'000'000, &c.rate_limit.person_burst);
           }},
    Option{{"rate_limit.integration_per_minute", "integer", "60000",
            "Requests a minute with one integration key (a camera, a vendor back-end, CAD); 0: no "
            "limit."},
           Type::kInteger,
           [](Config& c, const Value& v) {
             return SetInt(v, 0, 10'000'000, &c.rate_limit.integration_per_minute);
           }},
    Option{
        {"rate_limit.integration_burst", "integer", "2000", "Of those, how many may come at once."},
        Type::kInteger,
        [](Config& c, const Value& v) {
          return SetInt(v, 1, 1'000'000, &c.rate_limit.integration_burst);
        }},
    Option{{"console.dir", "string", "\"\"",
            "The built web console (scripts/build console); empty: console/ beside the "
            "directory of the interdict binary."},
           Type::kString,
           [](Config& c, const Value& v) -> Status {
             c.console.dir = std::get<std::string>(v);
             return Status::Ok();
           }},
    Option{{"console.tile_url", "string", "\"\"",
            "A map tile server for the console's maps, {z}/{x}/{y} in the URL; empty: maps show "
            "the region's outlines and cameras only, and nothing is fetched from elsewhere."},
           Type::kString,
           [](Config& c, const Value& v) -> Status {
             const std::string& s = std::get<std::string>(v);
             if (!s.empty() && !(s.starts_with("https://") || s.starts_with("http://")))
               return Status::InvalidArgument("must be an http:// or https:// URL");
             if (!s.empty() &&
                 (s.find("{z}") == std::string::npos || s.find("{x}") == std::string::npos ||
                  s.find("{y}") == std::string::npos))
               return Status::InvalidArgument("must contain {z}, {x} and {y}");
             if (s.find_first_of("\"'; \t\r\n") != std::string::npos)
               return Status::InvalidArgument("must not contain quotes, ';' or spaces");
             c.console.tile_url = s;
             return Status::Ok();
           }},
    Option{{"oversight.min_count", "integer", "5",
            "The public transparency report publishes counts from 1 to this minus one as null "
            "(suppressed), so a rare event in a small agency cannot be tied to a person."},
           Type::kInteger,
           [](Config& c, const Value& v) { return SetInt(v, 1, 1000, &c.oversight.min_count); }},
    Option{{"oversight.default_shift", "string", "\"06:00-22:00\"",
            "The work shift (\"HH:MM-HH:MM\" local) of a person who has none set: their searches "
            "outside it are flagged for review as off-shift, and the public report says so; "
            "\"\" flags only against shifts that are set."},
           Type::kString,
           [](Config& c, const Value& v) -> Status {
             c.oversight.default_shift = std::get<std::string>(v);
             return Status::Ok();
           }},
    Option{{"oversight.time_zone", "string", "\"America/Chicago\"",
            "The time zone of people's work shifts, for the review queue's off-shift rule: any "
            "IANA name (America/Chicago, Europe/London, ...) or UTC."},
           Type::kString,
           [](Config& c, const Value& v) -> Status {
             const std::string& s = std::get<std::string>(v);
             if (Result<TimeZone> tz = TimeZone::Parse(s); !tz.ok()) return tz.status();
             c.oversight.time_zone = s;
             return Status::Ok();
           }},
    Option{{"oversight.protected_places", "string", "\"\"",
            "A JSON file of the deployment's protected places ({\"places\": [{\"name\", "
            "\"kind\", \"lat\", \"lon\", \"radius_m\"?}]}), checked beside the shipped "
            "examples (data/oversight/protected-places.json) and the places registered over the "
            "API: an area search touching one is refused without an approval naming it."},
           Type::kString,
           [](Config& c, const Value& v) -> Status {
             c.oversight.protected_places = std::get<std::string>(v);
             return Status::Ok();
           }},
    Option{{"oversight.min_justification_words", "integer", "6",
            "A search whose justification has fewer words is flagged for review (so are stock "
            "phrases such as \"ongoing investigation\")."},
           Type::kInteger,
           [](Config& c, const Value& v) {
             return SetInt(v, 1, 100, &c.oversight.min_justification_words);
           }},
    Option{{"oversight.repeat_count", "integer", "3",
            "The search of one plate by one person that is flagged for review: the n-th within "
            "oversight.repeat_days."},
           Type::kInteger,
           [](Config& c, const Value& v) { return SetInt(v, 2, 100, &c.oversight.repeat_count); }},
    Option{{"oversight.repeat_days", "integer", "7",
            "The window, in days, of oversight.repeat_count."},
           Type::kInteger,
           [](Config& c, const Value& v) { return SetInt(v, 1, 365, &c.oversight.repeat_days); }},
    Option{{"oversight.wide_days", "integer", "90",
            "A search over a longer window, in days, is flagged for review as wide."},
           Type::kInteger,
           [](Config& c, const Value& v) { return SetInt(v, 1, 3660, &c.oversight.wide_days); }},
    Option{
        {"oversight.wide_agencies", "integer", "5",
         "A search over more agencies is flagged for review as wide."},
        Type::kInteger,
        [](Config& c, const Value& v) { return SetInt(v, 1, 1000, &c.oversight.wide_agencies); }},
    Option{{"oversight.wide_radius_m", "integer", "5000",
            "An area search with a larger radius, in metres, is flagged for review as wide."},
           Type::kInteger,
           [](Config& c, const Value& v) {
             return SetInt(v, 100, 100000, &c.oversight.wide_radius_m);
           }},
    Option{{"oversight.protected_radius_m", "integer", "300",
            "An area or scene search that comes this close, in metres, to a protected place's "
            "extent touches it: it needs an approval naming the place, and is flagged for "
            "review."},
           Type::kInteger,
           [](Config& c, const Value& v) {
             return SetInt(v, 10, 5000, &c.oversight.protected_radius_m);
           }},
    Option{{"alerts.webhook_max_attempts", "integer", "8",
            "Tries of a webhook delivery before it is dead-lettered; the wait doubles from 1 s "
            "after each failure, up to 10 minutes."},
           Type::kInteger,
           [](Config& c, const Value& v) {
             return SetInt(v, 1, 100, &c.alerts.webhook_max_attempts);
           }},
    Option{{"alerts.webhook_timeout_ms", "integer", "5000",
            "How long one webhook attempt may take (connect, send, answer) before it counts as "
            "failed."},
           Type::kInteger,
           [](Config& c, const Value& v) {
             return SetInt(v, 100, 60'000, &c.alerts.webhook_timeout_ms);
           }},
    Option{{"log.level", "string", "\"info\"", "Lowest level logged: debug, info, warn or error."},
           Type::kString,
           [](Config& c, const Value& v) -> Status {
             Result<LogLevel> l = ParseLogLevel(std::get<std::string>(v));
             if (!l.ok()) return l.status();
             c.log_level = *l;
             return Status::Ok();
           }},
    Option{{"log.format", "string", "\"text\"",
            "Log line format: text (logfmt key=value), json (one object per line) or journal "
            "(entries of the systemd journal, the level as PRIORITY and each field a journal "
            "field of its own; the packaged service's default). A line the journal does not "
            "take is written to stderr as json."},
           Type::kString,
           [](Config& c, const Value& v) -> Status {
             Result<LogFormat> f = ParseLogFormat(std::get<std::string>(v));
             if (!f.ok()) return f.status();
             c.log_format = *f;
             return Status::Ok();
           }},
    Option{{"log.journal_socket", "string", "\"/run/systemd/journal/socket\"",
            "With log.format = \"journal\": the journal's native socket (a path, or @name in "
            "the abstract namespace)."},
           Type::kString,
           [](Config& c, const Value& v) -> Status {
             const std::string& path = std::get<std::string>(v);
             if (path.empty() || path.size() > 107)
               return Status::InvalidArgument("must be a socket path of 1 to 107 bytes");
             c.log_journal_socket = path;
             return Status::Ok();
           }},
};

const Option* FindOption(std::string_view key) {
  for (const Option& o : kOptions) {
    if (o.doc.key == key) return &o;
  }
  return nullptr;
}

std::string_view TypeName(Type t) {
  switch (t) {
    case Type::kString: return "a string";
    case Type::kInteger: return "an integer";
    case Type::kBoolean: return "a boolean";
  }
  return "?";
}

std::string Where(std::string_view source, const toml::source_region& r) {
  return fmt::format("{}:{}:{}", source, r.begin.line, r.begin.column);
}

// Walks a TOML table, applying every leaf to `config`.
Status ApplyTable(const toml::table& table, const std::string& prefix, std::string_view source,
                  Config& config) {
  for (const auto& [k, node] : table) {
    const std::string key =
        prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    const std::string where = Where(source, k.source());
    if (const toml::table* sub = node.as_table()) {
      bool known_section = false;
      for (const Option& o : kOptions) {
        if (o.doc.key.starts_with(key + ".")) known_section = true;
      }
      if (!known_section) {
        return Status::InvalidArgument(fmt::format("{}: unknown key '{}'", where, key));
      }
      INTERDICT_RETURN_IF_ERROR(ApplyTable(*sub, key, source, config));
      continue;
    }
    const Option* opt = FindOption(key);
    if (opt == nullptr) {
      return Status::InvalidArgument(fmt::format("{}: unknown key '{}'", where, key));
    }
    Value value;
    bool type_ok = false;
    switch (opt->type) {
      case Type::kString:
        if (auto s = node.value<std::string>(); s && node.is_string()) value = *s, type_ok = true;
        break;
      case Type::kInteger:
        if (auto i = node.value<std::int64_t>(); i && node.is_integer()) value = *i, type_ok = true;
        break;
      case Type::kBoolean:
        if (auto b = node.value<bool>(); b && node.is_boolean()) value = *b, type_ok = true;
        break;
    }
    if (!type_ok) {
      return Status::InvalidArgument(
          fmt::format("{}: '{}' must be {}", where, key, TypeName(opt->type)));
    }
    if (Status s = opt->apply(config, value); !s.ok()) {
      return Status::InvalidArgument(fmt::format("{}: '{}': {}", where, key, s.message()));
    }
  }
  return Status::Ok();
}

}  // namespace

std::string ListenAddress::ToString() const {
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

bool ListenAddress::IsLoopback() const {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

Result<ListenAddress> ParseListenAddress(std::string_view text) {
  ListenAddress a;
  std::string_view host, port;
  if (text.starts_with('[')) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return Status::InvalidArgument(
          fmt::format("'{}' is not HOST:PORT (IPv6 addresses are written [::1]:8480)", text));
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) {
      return Status::InvalidArgument(
          fmt::format("'{}' is not HOST:PORT (IPv6 addresses are written [::1]:8480)", text));
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host.empty()) return Status::InvalidArgument(fmt::format("'{}' has no host", text));
  unsigned p = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || p > 65535) {
    return Status::InvalidArgument(
        fmt::format("'{}': port must be a number from 0 to 65535", text));
  }
  a.host = std::string(host);
  a.port = static_cast<std::uint16_t>(p);
  return a;
}

namespace {
// Whether `path` is `dir` or lies under it, comparing absolute, normalized paths.
bool Inside(const std::string& path, const std::string& dir) {
  std::error_code ec;
  const auto p = std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec);
  const auto d = std::filesystem::weakly_canonical(std::filesystem::absolute(dir, ec), ec);
  const auto rel = p.lexically_relative(d);
  return !rel.empty() && *rel.begin() != "..";
}
}  // namespace

Status Config::Validate() const {
  if (!units.adsb_url.empty() && units.adsb_agency.empty())
    return Status::InvalidArgument(
        "units.adsb_url is set but units.adsb_agency is not: whose aircraft does it track?");
  if (encryption.master_key_file.empty() != encryption.keys_dir.empty())
    return Status::InvalidArgument(
        "encryption.master_key_file and encryption.keys_dir must be given together (or neither)");
  if (encryption.enabled()) {
    for (const auto& [option, path] :
         {std::pair{"encryption.master_key_file", encryption.master_key_file},
          std::pair{"encryption.keys_dir", encryption.keys_dir}}) {
      if (Inside(path, data_dir) || Inside(data_dir, path))
        return Status::InvalidArgument(fmt::format(
            "{} '{}' must be outside the data directory '{}': a key there would be in every "
            "backup of it",
            option, path, data_dir));
    }
    if (store.backend == "cluster")
      return Status::InvalidArgument(
          "encryption.* seals the embedded store; with store.backend = \"cluster\" encrypt "
          "ClickHouse's and JetStream's disks instead (docs/operations.md)");
  }
  if (catalog.backend == "postgresql" && catalog.postgresql_url.empty())
    return Status::InvalidArgument("catalog.backend = \"postgresql\" needs catalog.postgresql.url");
  if (store.backend == "cluster" && (cluster.nats_url.empty() || cluster.clickhouse_nodes.empty()))
    return Status::InvalidArgument(
        "store.backend = \"cluster\" needs cluster.nats.url and cluster.clickhouse.nodes");
  if (server.tls_cert.empty() != server.tls_key.empty()) {
    return Status::InvalidArgument(
        "server.tls_cert and server.tls_key must be given together (or neither)");
  }
  if (server.tls_cert.empty() && !server.listen.IsLoopback() && !server.insecure_allow_plaintext) {
    return Status::InvalidArgument(
        fmt::format("server.listen '{}' is not a loopback address: configure server.tls_cert and "
                    "server.tls_key, or pass --insecure-allow-plaintext on a trusted network",
                    server.listen.ToString()));
  }
  return Status::Ok();
}

std::span<const OptionDoc> Options() {
  static const auto docs = [] {
    std::array<OptionDoc, kOptions.size()> d{};
    for (std::size_t i = 0; i < kOptions.size(); ++i) d[i] = kOptions[i].doc;
    return d;
  }();
  return docs;
}

Result<Config> Parse(std::string_view toml_text, std::string_view source) {
  Config config;
  toml::table table;
  try {
    table = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(
        fmt::format("{}: {}", Where(source, e.source()), e.description()));
  }
  INTERDICT_RETURN_IF_ERROR(ApplyTable(table, "", source, config));
  return config;
}

Result<Config> LoadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("cannot open config file '{}'", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IOError(fmt::format("cannot read config file '{}'", path));
  return Parse(text.str(), path);
}

Result<std::string> ReadSecretFile(const std::string& path, std::string_view option) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return Status::NotFound(fmt::format("{}: cannot read {}", option, path));
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    return Status::PermissionDenied(fmt::format(
        "{}: {} may be read or changed by others than its owner (mode {:o}): chmod 600 it", option,
        path, st.st_mode & 0777));
  std::ifstream in(path);
  std::string secret;
  if (!in || !std::getline(in, secret))
    return Status::NotFound(fmt::format("{}: cannot read {}", option, path));
  if (!secret.empty() && secret.back() == '\r') secret.pop_back();
  if (secret.empty() || secret.size() > 1024)
    return Status::InvalidArgument(fmt::format(
        "{}: the first line of {} must hold the secret (1 to 1024 bytes)", option, path));
  return secret;
}

Status SetFromString(Config& config, std::string_view key, std::string_view value) {
  const Option* opt = FindOption(key);
  if (opt == nullptr) return Status::InvalidArgument(fmt::format("unknown option '{}'", key));
  Value v;
  switch (opt->type) {
    case Type::kString: v = std::string(value); break;
    case Type::kInteger: {
      std::int64_t i = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), i);
      if (value.empty() || ec != std::errc{} || end != value.data() + value.size()) {
        return Status::InvalidArgument(
            fmt::format("'{}' must be an integer, got '{}'", key, value));
      }
      v = i;
      break;
    }
    case Type::kBoolean:
      if (value == "true")
        v = true;
      else if (value == "false")
        v = false;
      else
        return Status::InvalidArgument(
            fmt::format("'{}' must be true or false, got '{}'", key, value));
      break;
  }
  if (Status s = opt->apply(config, v); !s.ok()) {
    return Status::InvalidArgument(fmt::format("'{}': {}", key, s.message()));
  }
  return Status::Ok();
}

}  // namespace interdict::config
