#include "config/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include <fmt/core.h>

#include "support/temp_dir.h"

namespace interdict::config {
namespace {

TEST(ConfigTest, EmptyFileGivesTheDocumentedDefaults) {
  Result<Config> c = Parse("", "empty.toml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->server.listen.ToString(), "127.0.0.1:8480");
  EXPECT_EQ(c->data_dir, "/var/lib/interdict");
  EXPECT_EQ(c->server.max_body_bytes, 16u << 20);
  EXPECT_FALSE(c->server.insecure_allow_plaintext);
  EXPECT_EQ(c->log_level, LogLevel::kInfo);
}

TEST(ConfigTest, ReadsEveryKindOfValue) {
  Result<Config> c = Parse(R"(
[server]
listen = "[::1]:9000"
worker_threads = 4
insecure_allow_plaintext = true
[data]
dir = "/srv/interdict"
[log]
level = "debug"
format = "json"
)",
                           "x.toml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->server.listen.host, "::1");
  EXPECT_EQ(c->server.listen.port, 9000);
  EXPECT_EQ(c->server.worker_threads, 4);
  EXPECT_TRUE(c->server.insecure_allow_plaintext);
  EXPECT_EQ(c->data_dir, "/srv/interdict");
  EXPECT_EQ(c->log_level, LogLevel::kDebug);
  EXPECT_EQ(c->log_format, LogFormat::kJson);
}

void ExpectError(std::string_view toml, std::string_view needle) {
  Result<Config> c = Parse(toml, "bad.toml");
  ASSERT_FALSE(c.ok()) << "accepted: " << toml;
  EXPECT_NE(c.status().message().find(needle), std::string::npos)
      << "message '" << c.status().message() << "' lacks '" << needle << "'";
}

// The catalog on PostgreSQL: the connection string is configuration, its
// password never is (a file, PGPASSWORD or ~/.pgpass).
TEST(ConfigTest, APostgresqlCatalogNeedsAUrlAndNeverTakesAPasswordInIt) {
  Result<Config> c = Parse(R"(
[catalog]
backend = "postgresql"
[catalog.postgresql]
url = "host=db1,db2 dbname=interdict user=interdict target_session_attrs=read-write"
password_file = "/etc/interdict/pgpass"
)",
                           "cluster.toml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->catalog.backend, "postgresql");
  EXPECT_EQ(c->catalog.postgresql_password_file, "/etc/interdict/pgpass");
  EXPECT_TRUE(c->Validate().ok());
  for (const char* url : {"host=db1 password=secret", "postgresql://interdict:secret@db1/x",
                          "postgresql://db1/x?password=secret"}) {
    Result<Config> bad =
        Parse(fmt::format("[catalog.postgresql]\nurl = \"{}\"\n", url), "cluster.toml");
    ASSERT_FALSE(bad.ok()) << url;
    EXPECT_NE(bad.status().message().find("password"), std::string::npos) << bad.status().message();
  }
  Result<Config> at_sign = Parse(
      "[catalog.postgresql]\nurl = \"postgresql://interdict@[::1]:5432/x\"\n", "cluster.toml");
  EXPECT_TRUE(at_sign.ok()) << "a user and an IPv6 host carry no password";
  Result<Config> no_url = Parse("[catalog]\nbackend = \"postgresql\"\n", "cluster.toml");
  ASSERT_TRUE(no_url.ok());
  EXPECT_NE(no_url->Validate().message().find("catalog.postgresql.url"), std::string::npos);
  EXPECT_FALSE(Parse("[catalog]\nbackend = \"mysql\"\n", "cluster.toml").ok());
}

TEST(ConfigTest, NestingBeyondTheParsersLimitIsAnErrorNotACrash) {
  // toml++ stops at 256 nested arrays or inline tables; 100,000 must be a
  // refusal with a line, not a stack overflow.
  for (const std::string& deep : {"x = " + std::string(100'000, '['),
                                  "x = " + std::string(300, '[') + std::string(300, ']'), [] {
                                    std::string t = "x = ";
                                    for (int i = 0; i < 300; ++i) t += "{a = ";
                                    return t;
                                  }()}) {
    Result<Config> c = Parse(deep, "deep.toml");
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.status().message().find("deep.toml:1"), std::string::npos)
        << c.status().message().substr(0, 200);
  }
}

TEST(ConfigTest, UnknownKeyIsNamedWithItsLine) {
  ExpectError("[server]\nlisten = \"127.0.0.1:1\"\nlisen = \"x\"\n",
              "bad.toml:3:1: unknown key 'server.lisen'");
  ExpectError("[servr]\nlisten = \"127.0.0.1:1\"\n", "bad.toml:1:2: unknown key 'servr'");
  ExpectError("top = 1\n", "unknown key 'top'");
}

TEST(ConfigTest, WrongTypeIsNamedWithItsLine) {
  ExpectError("[server]\nworker_threads = \"four\"\n",
              "bad.toml:2:1: 'server.worker_threads' must be an integer");
  ExpectError("[server]\ninsecure_allow_plaintext = 1\n", "must be a boolean");
  ExpectError("[server]\nlisten = 8480\n", "must be a string");
}

TEST(ConfigTest, ImpossibleValuesAreRefused) {
  ExpectError("[server]\nworker_threads = 0\n",
              "bad.toml:2:1: 'server.worker_threads': 0 is out of range");
  ExpectError("[server]\nlisten = \"127.0.0.1:70000\"\n", "port must be a number");
  ExpectError("[server]\nlisten = \"nohost\"\n", "is not HOST:PORT");
  ExpectError("[log]\nlevel = \"loud\"\n", "unknown log level 'loud'");
  ExpectError("[data]\ndir = \"\"\n", "must not be empty");
}

TEST(ConfigTest, ShiftsTimeZoneIsAnyIanaName) {
  Config c;
  EXPECT_TRUE(SetFromString(c, "oversight.time_zone", "Europe/London").ok());
  EXPECT_EQ(c.oversight.time_zone, "Europe/London");
  EXPECT_TRUE(SetFromString(c, "oversight.time_zone", "Australia/Lord_Howe").ok());
  ExpectError("[oversight]\ntime_zone = \"America/Gotham\"\n",
              "unknown time zone \"America/Gotham\"");
}

TEST(ConfigTest, SyntaxErrorsNameTheLine) {
  ExpectError("[server\n", "bad.toml:1:");
}

TEST(ConfigTest, NonLoopbackPlaintextNeedsExplicitConsent) {
  Config c;
  ASSERT_TRUE(SetFromString(c, "server.listen", "0.0.0.0:8480").ok());
  EXPECT_FALSE(c.Validate().ok());
  c.server.insecure_allow_plaintext = true;
  EXPECT_TRUE(c.Validate().ok());
  c.server.insecure_allow_plaintext = false;
  c.server.tls_cert = "cert.pem";
  EXPECT_FALSE(c.Validate().ok()) << "a certificate without a key must be refused";
  c.server.tls_key = "key.pem";
  EXPECT_TRUE(c.Validate().ok());
}

TEST(ConfigTest, FlagOverridesUseTheSameChecks) {
  Config c;
  EXPECT_TRUE(SetFromString(c, "server.worker_threads", "8").ok());
  EXPECT_EQ(c.server.worker_threads, 8);
  EXPECT_FALSE(SetFromString(c, "server.worker_threads", "8x").ok());
  EXPECT_FALSE(SetFromString(c, "server.nothing", "1").ok());
  EXPECT_FALSE(SetFromString(c, "server.insecure_allow_plaintext", "yes").ok());
}

TEST(ConfigTest, EveryOptionIsDocumentedWithItsDefault) {
  std::ifstream in(std::string(INTERDICT_SOURCE_DIR) + "/docs/configuration.md");
  ASSERT_TRUE(in) << "docs/configuration.md is missing";
  std::stringstream text;
  text << in.rdbuf();
  for (const OptionDoc& o : Options()) {
    const std::string row = "| `" + std::string(o.key) + "` | " + std::string(o.type) + " | `" +
                            std::string(o.default_value) + "` |";
    EXPECT_NE(text.str().find(row), std::string::npos) << "docs/configuration.md lacks: " << row;
  }
}

TEST(ConfigTest, DocumentedDefaultsAreTheRealDefaults) {
  // Parsing every documented default must give the same config as no file at all.
  std::string toml;
  std::string section;
  for (const OptionDoc& o : Options()) {
    const std::string key(o.key);
    const std::string sec = key.substr(0, key.find('.'));
    if (sec != section) toml += "[" + sec + "]\n", section = sec;
    toml += key.substr(key.find('.') + 1) + " = " + std::string(o.default_value) + "\n";
  }
  Result<Config> documented = Parse(toml, "defaults.toml");
  ASSERT_TRUE(documented.ok()) << documented.status().message();
  const Config real;
  EXPECT_EQ(documented->server.listen.ToString(), real.server.listen.ToString());
  EXPECT_EQ(documented->server.io_threads, real.server.io_threads);
  EXPECT_EQ(documented->server.worker_threads, real.server.worker_threads);
  EXPECT_EQ(documented->server.max_body_bytes, real.server.max_body_bytes);
  EXPECT_EQ(documented->server.max_header_bytes, real.server.max_header_bytes);
  EXPECT_EQ(documented->server.max_connections, real.server.max_connections);
  EXPECT_EQ(documented->server.idle_timeout_s, real.server.idle_timeout_s);
  EXPECT_EQ(documented->server.request_timeout_s, real.server.request_timeout_s);
  EXPECT_EQ(documented->server.shutdown_timeout_s, real.server.shutdown_timeout_s);
  EXPECT_EQ(documented->data_dir, real.data_dir);
  EXPECT_EQ(documented->store.sync, real.store.sync);
  EXPECT_EQ(documented->store.sync_interval_ms, real.store.sync_interval_ms);
  EXPECT_EQ(documented->store.flush_reads, real.store.flush_reads);
  EXPECT_EQ(documented->log_level, real.log_level);
  EXPECT_EQ(documented->log_format, real.log_format);
}

// A password or token file is read only when no one but its owner may read
// or change it, and its first line holds the secret.
TEST(ConfigTest, ASecretFileMustBeTheOwnersAloneAndHoldTheSecret) {
  test::TempDir dir;
  const std::string file = dir.File("pgpass");
  {
    std::ofstream out(file);
    out << "s3cret\r\nignored\n";
  }
  ::chmod(file.c_str(), 0644);
  Result<std::string> open = ReadSecretFile(file, "catalog.postgresql.password_file");
  EXPECT_EQ(open.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(open.status().message().find("catalog.postgresql.password_file"), std::string::npos);
  EXPECT_NE(open.status().message().find("chmod 600"), std::string::npos);
  ::chmod(file.c_str(), 0600);
  Result<std::string> read = ReadSecretFile(file, "catalog.postgresql.password_file");
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(*read, "s3cret");
  EXPECT_EQ(ReadSecretFile(dir.File("absent"), "x").status().code(), StatusCode::kNotFound);
  {
    std::ofstream out(file);
    out << "\nsecret on the second line\n";
  }
  EXPECT_EQ(ReadSecretFile(file, "x").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace interdict::config
