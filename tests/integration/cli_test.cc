// The real `interdict` binary, as an operator runs it.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "base/clock.h"
#include "crypto/crypto.h"
#include "crypto/totp.h"
#include "http/client.h"
#include "support/accounts.h"
#include "support/datagram_listener.h"
#include "support/process.h"
#include "support/sse_client.h"
#include "support/temp_dir.h"

namespace interdict {
namespace {

using test::Process;
using test::RunProgram;
using test::TempDir;

const std::string kBin = INTERDICT_BINARY;

std::uint16_t PortOf(const std::string& line) {
  const std::size_t start = line.find("http://");
  const std::size_t colon = line.find(':', start + 7);
  return static_cast<std::uint16_t>(std::stoi(line.substr(colon + 1)));
}

TEST(CliTest, VersionPrintsTheVersionAndBuildType) {
  test::RunResult r = RunProgram({kBin, "version"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out.rfind("interdict 0.", 0), 0u) << r.out;
  EXPECT_NE(r.out.find(" build"), std::string::npos) << r.out;
}

TEST(CliTest, UnknownCommandOrFlagExits2) {
  EXPECT_EQ(RunProgram({kBin, "frobnicate"}).code, 2);
  test::RunResult r = RunProgram({kBin, "serve", "--bogus"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("unknown flag '--bogus'"), std::string::npos) << r.err;
  EXPECT_EQ(RunProgram({kBin}).code, 2);
}

// The words after "interdict NAME " in a usage text's lines: a command's
// subcommands ("store load", "store count|verify").
std::set<std::string> SubcommandsIn(const std::string& usage, const std::string& name) {
  std::set<std::string> out;
  const std::string prefix = "interdict " + name + " ";
  for (std::size_t at = usage.find(prefix); at != std::string::npos;
       at = usage.find(prefix, at + 1)) {
    std::size_t i = at + prefix.size();
    std::string word;
    for (; i <= usage.size(); ++i) {
      const char c = i < usage.size() ? usage[i] : ' ';
      if (std::islower(static_cast<unsigned char>(c)) || c == '-') {
        word += c;
      } else if (c == '|') {
        if (!word.empty()) out.insert(word);
        word.clear();
      } else {
        break;
      }
    }
    if (!word.empty() && !word.starts_with("-")) out.insert(word);
  }
  return out;
}

// Every command and subcommand answers --help with its usage on stdout and exit
// code 0 (an administrator's first question, and what the manual page is made
// from); `help NAME` is the same; usage errors stay on stderr with exit code 2.
TEST(CliTest, EveryCommandAndSubcommandAnswersHelpOnStdout) {
  test::RunResult top = RunProgram({kBin, "--help"});
  ASSERT_EQ(top.code, 0);
  std::vector<std::string> commands;
  std::istringstream lines(top.out.substr(top.out.find("commands:")));
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("  ")) commands.push_back(line.substr(2, line.find(' ', 2) - 2));
  }
  ASSERT_GE(commands.size(), 15u) << top.out;
  std::size_t subcommands = 0;
  for (const std::string& name : commands) {
    test::RunResult r = RunProgram({kBin, name, "--help"});
    EXPECT_EQ(r.code, 0) << name << ": " << r.err;
    EXPECT_NE(r.out.find("usage: interdict"), std::string::npos) << name << ": " << r.out;
    EXPECT_EQ(r.err, "") << name;
    if (name == "help") continue;
    EXPECT_EQ(RunProgram({kBin, "help", name}).out, r.out) << name;
    for (const std::string& sub : SubcommandsIn(r.out, name)) {
      ++subcommands;
      test::RunResult s = RunProgram({kBin, name, sub, "-h"});
      EXPECT_EQ(s.code, 0) << name << " " << sub << ": " << s.err;
      EXPECT_NE(s.out.find("usage: interdict"), std::string::npos) << name << " " << sub;
      EXPECT_EQ(s.err, "") << name << " " << sub;
    }
  }
  EXPECT_GE(subcommands, 20u);
  test::RunResult bad = RunProgram({kBin, "store", "frobnicate"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_EQ(bad.out, "");
  EXPECT_NE(bad.err.find("unknown subcommand 'frobnicate'"), std::string::npos) << bad.err;
  // A value that happens to read "-h" is a value, not a request for help.
  test::RunResult value = RunProgram({kBin, "hotlist", "check", "--format", "-h", "list.txt"});
  EXPECT_EQ(value.code, 2);
  EXPECT_EQ(value.out, "");
  EXPECT_NE(value.err.find("-h"), std::string::npos) << value.err;
}

TEST(CliTest, BadConfigKeyExits2NamingTheKeyAndLine) {
  TempDir dir;
  std::ofstream(dir.File("bad.toml")) << "[server]\nlisten = \"127.0.0.1:0\"\nmax_bodybytes = 10\n";
  test::RunResult r = RunProgram({kBin, "serve", "--config", dir.File("bad.toml")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("bad.toml:3:1: unknown key 'server.max_bodybytes'"), std::string::npos)
      << r.err;
}

TEST(CliTest, WrongTypeAndMissingFileExit2) {
  TempDir dir;
  std::ofstream(dir.File("t.toml")) << "[server]\nio_threads = \"two\"\n";
  test::RunResult r = RunProgram({kBin, "serve", "--config", dir.File("t.toml")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("t.toml:2:1: 'server.io_threads' must be an integer"), std::string::npos)
      << r.err;
  EXPECT_EQ(RunProgram({kBin, "serve", "--config", dir.File("absent.toml")}).code, 2);
}

TEST(CliTest, PlaintextBeyondLoopbackExits2UnlessAllowed) {
  TempDir dir;
  test::RunResult r = RunProgram({kBin, "serve", "--listen", "0.0.0.0:0", "--data", dir.path()});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--insecure-allow-plaintext"), std::string::npos) << r.err;
}

TEST(CliTest, ServeAnswersHealthzAndDrainsOnSigterm) {
  TempDir dir;
  Process p({kBin, "serve", "--listen", "127.0.0.1:0", "--data", dir.path()});
  std::optional<std::string> line = p.WaitForLine("serving http://");
  ASSERT_TRUE(line) << p.err();
  http::Client c(http::ClientOptions::To("127.0.0.1", PortOf(*line)));
  Result<http::ClientResponse> r = c.Get("/healthz");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(), 0) << p.err();
  EXPECT_NE(p.err().find("signal received; draining"), std::string::npos) << p.err();
}

// Under systemd (Type=notify, log.format = "journal"): READY=1 once it serves,
// STOPPING=1 on SIGTERM, and log entries in the journal with their fields.
TEST(CliTest, ServeTellsSystemdWhenReadyAndStoppingAndLogsToTheJournal) {
  TempDir dir;
  test::DatagramListener systemd(dir.File("notify"));
  test::DatagramListener journal(dir.File("journal"));
  ASSERT_TRUE(systemd.bound() && journal.bound());
  std::ofstream(dir.File("interdict.toml"))
      << "[log]\nformat = \"journal\"\njournal_socket = \"" << dir.File("journal") << "\"\n";
  ASSERT_EQ(::setenv("NOTIFY_SOCKET", dir.File("notify").c_str(), 1), 0);
  Process p({kBin, "serve", "--config", dir.File("interdict.toml"), "--listen", "127.0.0.1:0",
             "--data", dir.File("data")});
  ::unsetenv("NOTIFY_SOCKET");
  std::optional<std::string> ready = systemd.Receive();
  ASSERT_TRUE(ready) << p.err();
  EXPECT_EQ(ready->rfind("READY=1\nSTATUS=serving http://127.0.0.1:", 0), 0u) << *ready;
  // The server answers once it said so.
  http::Client c(http::ClientOptions::To("127.0.0.1", PortOf(*ready)));
  Result<http::ClientResponse> r = c.Get("/healthz");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
  p.Signal(SIGTERM);
  std::optional<std::string> stopping = systemd.Receive();
  ASSERT_TRUE(stopping);
  EXPECT_EQ(stopping->rfind("STOPPING=1", 0), 0u) << *stopping;
  EXPECT_EQ(p.Wait(), 0);
  // The journal got the server's entries, none went to stderr.
  bool saw_listening = false, saw_signal = false;
  while (std::optional<std::string> e = journal.Receive()) {
    EXPECT_NE(e->find("SYSLOG_IDENTIFIER=interdict\n"), std::string::npos) << *e;
    if (e->find("SIGNAL=SIGTERM\n") != std::string::npos) {
      saw_signal = true;
      EXPECT_NE(e->find("PRIORITY=6\n"), std::string::npos) << *e;
    }
    if (e->find("MESSAGE=listening") != std::string::npos) saw_listening = true;
    if (saw_signal && saw_listening) break;
  }
  EXPECT_TRUE(saw_listening);
  EXPECT_TRUE(saw_signal);
  EXPECT_EQ(p.err().find("\"level\""), std::string::npos) << p.err();
}

TEST(CliTest, ServeDrainsOnSigintToo) {
  TempDir dir;
  Process p({kBin, "serve", "--listen", "127.0.0.1:0", "--data", dir.path()});
  ASSERT_TRUE(p.WaitForLine("serving http://")) << p.err();
  p.Signal(SIGINT);
  EXPECT_EQ(p.Wait(), 0) << p.err();
}

TEST(CliTest, SecondServerOnTheSameDataDirectoryFails) {
  TempDir dir;
  Process first({kBin, "serve", "--listen", "127.0.0.1:0", "--data", dir.path()});
  ASSERT_TRUE(first.WaitForLine("serving http://")) << first.err();
  test::RunResult second =
      RunProgram({kBin, "serve", "--listen", "127.0.0.1:0", "--data", dir.path()});
  EXPECT_EQ(second.code, 1);
  EXPECT_NE(second.err.find("in use by another interdict process"), std::string::npos)
      << second.err;
  first.Signal(SIGTERM);
  EXPECT_EQ(first.Wait(), 0);
}

TEST(CliTest, DemoServesOnItsOwnDataDirectory) {
  TempDir home;
  setenv("XDG_DATA_HOME", home.path().c_str(), 1);
  Process p({kBin, "demo", "--listen", "127.0.0.1:0", "--vehicles", "1000", "--history-days", "1"});
  unsetenv("XDG_DATA_HOME");
  std::optional<std::string> line = p.WaitForLine("serving http://", std::chrono::seconds(120));
  ASSERT_TRUE(line) << p.err();
  EXPECT_NE(line->find(home.path() + "/interdict/demo"), std::string::npos) << *line;
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(), 0);
}

}  // namespace
}  // namespace interdict

namespace interdict {
namespace {

TEST(CliTest, NumericFlagsAreCheckedAndNamed) {
  test::TempDir dir;
  test::RunResult r = test::RunProgram(
      {INTERDICT_BINARY, "store", "load", "--data", dir.path(), "--batch", "0", "x"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--batch must be a whole number from 1 to 1000000, got '0'"),
            std::string::npos)
      << r.err;
  r = test::RunProgram({INTERDICT_BINARY, "bench", "store", "--reads", "12x"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--reads must be a whole number"), std::string::npos) << r.err;
  r = test::RunProgram({INTERDICT_BINARY, "bench", "match", "--one-edit-percent", "101"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--one-edit-percent must be a number from 0 to 100"), std::string::npos)
      << r.err;
}

// The benchmarks run end to end at a toy size and print the JSON their
// documentation describes (they measure; nothing here checks a speed).
TEST(CliTest, TheMatchAndIngestBenchmarksRunAndPrintTheirFields) {
  test::RunResult r = test::RunProgram(
      {INTERDICT_BINARY, "bench", "match", "--entries", "2000", "--reads", "5000", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* field :
       {"\"entries\": 2000", "\"reads\": 5000", "\"reads_per_s_per_core\"", "\"memory_mib\"",
        "\"lookalike_recall\": 1.0000", "\"false_hits_per_million\""}) {
    EXPECT_NE(r.out.find(field), std::string::npos) << field << " in " << r.out;
  }
  r = test::RunProgram(
      {INTERDICT_BINARY, "bench", "ingest", "--reads", "3000", "--entries", "500", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* field : {"\"reads\": 3000", "\"errors\": 0", "\"alerts\": 3", "\"reads_per_s\"",
                            "\"alert_latency_p99_ms\""}) {
    EXPECT_NE(r.out.find(field), std::string::npos) << field << " in " << r.out;
  }
}

// The API benchmark signs its analysts in, sends their mix and a camera's
// hits, and times each alert: on one server with SQLite, and on two servers
// sharing a PostgreSQL catalog and NATS, where every hit raised on the first
// reaches the stream on the second. Several servers on SQLite are refused.
TEST(CliTest, TheApiBenchmarkRunsOneServerOnSqliteAndTwoOnPostgresqlWithEveryAlertArriving) {
  for (const std::vector<std::string>& flags :
       {std::vector<std::string>{"--catalog", "sqlite"},
        std::vector<std::string>{"--catalog", "postgresql", "--servers", "2"}}) {
    std::vector<std::string> argv = {
        INTERDICT_BINARY, "bench",     "api", "--seconds",      "2", "--reads",
        "5000",           "--clients", "2",   "--alerts-per-s", "5", "--json"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    test::RunResult r = test::RunProgram(argv, std::chrono::minutes(3));
    ASSERT_EQ(r.code, 0) << r.err << r.out;
    for (const char* field : {R"("errors":0,"kinds")", R"("search_plate":{"n":)", R"("hits":{"n":)",
                              R"("requests_per_s":)", R"("p99_ms":)"}) {
      EXPECT_NE(r.out.find(field), std::string::npos) << field << " in " << r.out;
    }
    const bool two = flags.size() > 2;
    EXPECT_NE(r.out.find(two ? R"("across_servers":true)" : R"("across_servers":false)"),
              std::string::npos)
        << r.out;
    // Every hit sent in the measured seconds arrived on the stream.
    const std::size_t sent = r.out.find(R"("sent":)"), got = r.out.find(R"("received":)");
    ASSERT_NE(sent, std::string::npos);
    ASSERT_NE(got, std::string::npos);
    const long n_sent = std::strtol(r.out.c_str() + sent + 7, nullptr, 10);
    EXPECT_GT(n_sent, 0) << r.out;
    EXPECT_EQ(std::strtol(r.out.c_str() + got + 11, nullptr, 10), n_sent) << r.out;
  }
  test::RunResult refused = test::RunProgram({INTERDICT_BINARY, "bench", "api", "--servers", "2"});
  EXPECT_EQ(refused.code, 2);
  EXPECT_NE(refused.err.find("several servers share one PostgreSQL catalog"), std::string::npos)
      << refused.err;
}

// The demo seeds a region on its first start, prints how to sign in, feeds
// live traffic in which a stolen car soon raises a hit, and keeps its data.
TEST(CliTest, TheDemoSignsPeopleInFeedsLiveHitsAndKeepsItsDataAcrossRestarts) {
  TempDir dir;
  const std::vector<std::string> argv = {kBin, "demo", "--listen", "127.0.0.1:0", "--data",
                                         dir.path(), "--vehicles", "2000", "--history-days", "1",
                                         "--speed", "60",
                                         // Time to sign in and subscribe first,
                                         // even on a loaded machine: a hit before
                                         // the subscription is not replayed.
                                         "--first-hit-after-s", "5"};
  std::string secret;
  {
    Process p(argv);
    std::optional<std::string> seeded = p.WaitForLine("agencies,", std::chrono::seconds(180));
    ASSERT_TRUE(seeded) << p.err();
    EXPECT_NE(seeded->find("seeded with"), std::string::npos) << *seeded;
    std::optional<std::string> totp = p.WaitForLine("TOTP secret:");
    ASSERT_TRUE(totp) << p.err();
    secret = totp->substr(totp->find(':') + 1);
    secret = secret.substr(secret.find_first_not_of(' '));
    secret = secret.substr(0, secret.find(' '));
    std::optional<std::string> serving = p.WaitForLine("serving http://127.0.0.1:");
    ASSERT_TRUE(serving) << p.err();
    const auto port =
        static_cast<std::uint16_t>(std::stoi(serving->substr(serving->find("127.0.0.1:") + 10)));
    const std::string raw = *crypto::Base32Decode(secret);
    http::ClientOptions o;
    o.host = "127.0.0.1";
    o.port = port;
    http::Client client(o);
    auto sign_in = [&](const std::string& user) {
      const std::string code = crypto::TotpCode(raw, crypto::TotpStep(Clock::System().NowMillis()));
      Result<http::ClientResponse> r =
          client.Send("POST", "/api/v1/auth/login",
                      R"({"username":")" + user + R"(","password":"interdict-demo","code":")" +
                          code + R"(","banner":")" + test::BannerVersion(client) + "\"}");
      EXPECT_TRUE(r.ok() && r->status == 200) << user << ": " << (r.ok() ? r->body : "");
      return r.ok() && r->status == 200 ? r->body.substr(r->body.find("\"token\":\"") + 9, 64)
                                        : std::string();
    };
    const std::string token = sign_in("gcpd-analyst");
    ASSERT_FALSE(token.empty());
    // `interdict totp` gives the code the banner promises (of the step it ran in).
    const std::int64_t before = crypto::TotpStep(Clock::System().NowMillis());
    test::RunResult code = test::RunProgram({kBin, "totp", secret});
    const std::int64_t after = crypto::TotpStep(Clock::System().NowMillis());
    EXPECT_EQ(code.code, 0);
    EXPECT_TRUE(code.out == crypto::TotpCode(raw, before) + "\n" ||
                code.out == crypto::TotpCode(raw, after) + "\n")
        << code.out;
    // The stolen car passes a city camera five seconds after the start: its hit
    // reaches the city's analysts on the alert stream.
    test::SseClient alerts(port, "/api/v1/alerts/stream", token);
    ASSERT_TRUE(
        alerts.WaitFor(R"x("name":"NCIC extract (Missouri, daily)")x", std::chrono::seconds(60)))
        << alerts.received();
    // The camera's crop of the plate came with the read: the officer can look.
    // (The stolen car's hit, not whichever came first: at some hours of the
    // day the AMBER car passes a camera sooner, and its reads carry no crop.)
    const std::string& frame = alerts.received();
    const std::size_t stolen_at = frame.find(R"x("name":"NCIC extract (Missouri, daily)")x");
    ASSERT_NE(stolen_at, std::string::npos);
    const std::size_t id_at = frame.rfind("id: ", stolen_at);
    ASSERT_NE(id_at, std::string::npos);
    const std::string hit = frame.substr(id_at + 4, frame.find('\n', id_at) - id_at - 4);
    Result<http::ClientResponse> crop = client.Send("GET", "/api/v1/hits/" + hit + "/plate-image",
                                                    "", {{"Authorization", "Bearer " + token}});
    ASSERT_TRUE(crop.ok());
    EXPECT_EQ(crop->status, 200) << crop->body;
    EXPECT_EQ(crop->Header("Content-Type"), "image/png");
    p.Signal(SIGTERM);
    EXPECT_EQ(p.Wait(std::chrono::seconds(60)), 0) << p.err();
  }
  // A second start finds the region and prints the same logins.
  Process again(argv);
  std::optional<std::string> seeded = again.WaitForLine("agencies,", std::chrono::seconds(120));
  ASSERT_TRUE(seeded) << again.err();
  EXPECT_EQ(seeded->find("seeded with"), std::string::npos) << *seeded;
  std::optional<std::string> totp = again.WaitForLine("TOTP secret:");
  ASSERT_TRUE(totp);
  EXPECT_NE(totp->find(secret), std::string::npos);
  ASSERT_TRUE(again.WaitForLine("serving http://"));
  again.Signal(SIGTERM);
  EXPECT_EQ(again.Wait(std::chrono::seconds(60)), 0) << again.err();
}

// The simulator writes the same bytes for the same seed, and its statistics.
TEST(CliTest, TheSimulatorIsDeterministicAndReportsItsStatistics) {
  test::TempDir dir;
  auto run = [&](const std::string& file, const std::string& seed, const std::string& format) {
    return test::RunProgram({INTERDICT_BINARY, "sim", "--out", dir.File(file), "--days", "1",
                             "--vehicles", "2000", "--seed", seed, "--start", "2026-11-16",
                             "--format", format});
  };
  test::RunResult a = run("a.ndjson", "3", "native");
  ASSERT_EQ(a.code, 0) << a.err;
  test::RunResult b = run("b.ndjson", "3", "native");
  test::RunResult c = run("c.ndjson", "4", "native");
  auto slurp = [&](const std::string& file) {
    std::ifstream in(dir.File(file), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string first = slurp("a.ndjson");
  ASSERT_GT(first.size(), 100'000u);
  EXPECT_EQ(first, slurp("b.ndjson"));
  EXPECT_NE(first, slurp("c.ndjson"));
  for (const char* field : {R"("vehicles":2000,)", R"("days":1,)", R"("error_share":0.1)",
                            R"("reads_per_camera_per_day":{"median":)", R"("missed_share":0.)"}) {
    EXPECT_NE(a.out.find(field), std::string::npos) << field << " in " << a.out;
  }
  test::RunResult csv = run("d.csv", "3", "csv");
  ASSERT_EQ(csv.code, 0) << csv.err;
  EXPECT_EQ(slurp("d.csv").rfind("id,agency,camera,time,plate,state,", 0), 0u);
  test::RunResult bad = test::RunProgram({INTERDICT_BINARY, "sim", "--days", "1"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--out is required"), std::string::npos) << bad.err;
  bad = test::RunProgram({INTERDICT_BINARY, "sim", "--live", "--server", "http://127.0.0.1:1"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--live needs --server URL and --keys FILE"), std::string::npos)
      << bad.err;
  bad = test::RunProgram({INTERDICT_BINARY, "sim", "--live", "--server", "http://127.0.0.1:1",
                          "--keys", dir.File("a.ndjson")});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--keys: "), std::string::npos) << bad.err;
}

// The search benchmark runs every type through the whole search layer, and
// the analyses find what was planted in the simulated traffic.
TEST(CliTest, TheSearchBenchmarkRunsEveryTypeAndFindsThePlantedConvoy) {
  test::RunResult r = test::RunProgram(
      {INTERDICT_BINARY, "bench", "search", "--reads", "20000", "--queries", "3", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* field : {R"("plate":{"queries":3,)", R"("partial":{"queries":3,)",
                            R"("scenes":{"queries":3,)", R"("convoy":{"queries":3,)",
                            R"("route_heavy":{"queries":3,)", R"("policy_and_audit_share")",
                            R"("convoy_found":true)", R"("scenes_top":"QC4Q88,QX7Q12")"}) {
    EXPECT_NE(r.out.find(field), std::string::npos) << field << " in " << r.out;
  }
  // Eleven query sets (eight types, three with heavy targets), none with a failed query.
  auto count = [&](std::string_view what) {
    std::size_t n = 0;
    for (std::size_t at = r.out.find(what); at != std::string::npos; at = r.out.find(what, at + 1))
      ++n;
    return n;
  };
  EXPECT_EQ(count(R"("errors":)"), 11u) << r.out;
  EXPECT_EQ(count(R"("errors":0})"), 11u) << r.err;
  r = test::RunProgram({INTERDICT_BINARY, "bench", "search", "--days", "7"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--days must be at least 31"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace interdict
