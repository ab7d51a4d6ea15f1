// The local cluster under fault (issues 21 and 22): scripts/cluster up,
// clients signing in, ingesting, searching and working hits through HAProxy,
// a dispatcher's alert stream open; then kill -9, in turn, a ClickHouse
// replica, a NATS server and an Interdict server (each started again after),
// and then the PostgreSQL primary (its Patroni and its postgres). Afterwards
// every request that got a 2xx is in the catalog, every read acknowledged is
// searchable exactly once, the audit chain verifies, the surviving servers
// serve every session, and the stream, reconnecting with Last-Event-ID, has
// every hit. Release build only; about two minutes.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/core.h>

#include <regex>

#include "audit/audit.h"
#include "catalog/database.h"
#include "http/client.h"
#include "identity/accounts.h"
#include "identity/keys.h"
#include "support/accounts.h"
#include "support/fixtures.h"
#include "support/process.h"
#include "support/sse_client.h"
#include "support/temp_dir.h"

namespace interdict {
namespace {

const std::string kScript = std::string(INTERDICT_SOURCE_DIR) + "/scripts/cluster";
constexpr const char* kPurpose =
    R"("purpose":{"code":"stolen-vehicle","case":"26-004411","offense":"auto theft",)"
    R"("justification":"vehicle taken from a driveway on Market St overnight"})";

std::map<std::string, std::string> ReadEnv(const std::string& file) {
  std::map<std::string, std::string> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    const std::size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '"') value = value.substr(1, value.size() - 2);
    out[line.substr(0, eq)] = value;
  }
  return out;
}

int PidOf(const std::string& dir, const std::string& name) {
  std::ifstream in(dir + "/pids/" + name + ".pid");
  int pid = 0;
  in >> pid;
  return pid;
}

class ClusterFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.path() + "/cluster";
    test::RunResult up =
        test::RunProgram({"/bin/bash", kScript, "up", "--dir", dir_, "--binary", INTERDICT_BINARY},
                         std::chrono::minutes(3));
    ASSERT_EQ(up.code, 0) << up.err;
    env_ = ReadEnv(dir_ + "/cluster.env");
    front_ = static_cast<std::uint16_t>(std::stoi(env_.at("FRONT")));
    catalog::Location where = catalog::Location::Postgres(env_.at("CONNINFO"));
    where.password = "interdict-local";
    where_ = where;
    // People with known passwords and codes, and a camera feed's key.
    auto db = catalog::Database::Open(where_);
    ASSERT_TRUE(db.ok()) << db.status().message();
    for (const char* role : {"supervisor", "analyst", "officer"})
      test::AddUser(**db, 1, role, role);
    test::AddUser(**db, 1, "second-admin", "administrator");
    // Checks at the end what is searchable (its own daily results cap).
    test::AddUser(**db, 1, "checker", "analyst");
    identity::Accounts accounts(**db, {});
    Result<identity::NewKey> key =
        identity::CreateKey(**db, *accounts.UserPrincipal(1),
                            {"camera feed", {"reads.ingest", "hotlists.load"}, std::nullopt}, 0);
    ASSERT_TRUE(key.ok()) << key.status().message();
    key_ = key->key;
  }
  void TearDown() override {
    test::RunResult down =
        test::RunProgram({"/bin/bash", kScript, "down", "--dir", dir_}, std::chrono::minutes(1));
    EXPECT_EQ(down.code, 0) << down.err;
  }

  http::Client Front() {
    http::ClientOptions o = http::ClientOptions::To("127.0.0.1", front_);
    o.timeout = std::chrono::seconds(5);
    return http::Client(o);
  }
  // One request through HAProxy: the status, 0 when there was no answer.
  int Send(const std::string& token, const std::string& method, const std::string& path,
           const std::string& body, std::string* answer = nullptr,
           const std::string& type = "application/json") {
    http::Client c = Front();
    Result<http::ClientResponse> r =
        c.Send(method, path, body, {{"Authorization", "Bearer " + token}, {"Content-Type", type}});
    if (!r.ok()) return 0;
    if (answer) *answer = r->body;
    return r->status;
  }
  // Kills a process of the cluster with SIGKILL (its whole process group).
  void Kill(const std::string& name) {
    const int pid = PidOf(dir_, name);
    ASSERT_GT(pid, 0) << name;
    ASSERT_EQ(::kill(-pid, SIGKILL), 0) << name;
    // Gone before it is started again: its ports and files are free.
    for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  void Restart(const std::string& name) {
    test::RunResult r = test::RunProgram({"/bin/bash", kScript, "restart", name, "--dir", dir_},
                                         std::chrono::minutes(1));
    ASSERT_EQ(r.code, 0) << r.err;
  }
  // The ids of every read a plate search finds, page after page (each as
  // often as it is answered).
  std::vector<std::string> ReadIdsFound(const std::string& token, std::string* last = nullptr) {
    std::vector<std::string> ids;
    std::string cursor;
    for (int page = 0; page < 100; ++page) {
      std::string body;
      const std::string page_terms =
          cursor.empty() ? R"("page":{"limit":1000})"
                         : fmt::format(R"("page":{{"limit":1000,"cursor":"{}"}})", cursor);
      const int status = Send(token, "POST", "/api/v1/search",
                              std::string(R"({"type":"plate","params":{"plate":"KZ9Q81"},)") +
                                  kPurpose + "," + page_terms + "}",
                              &body);
      if (last) *last = fmt::format("{} {}", status, body.substr(0, 400));
      if (status != 200) return {};
      static const std::regex kId(R"re("id":"(f[0-9]+)")re");
      for (auto it = std::sregex_iterator(body.begin(), body.end(), kId);
           it != std::sregex_iterator(); ++it)
        ids.push_back((*it)[1]);
      static const std::regex kNext(R"re("next":"([^"]+)")re");
      std::smatch next;
      if (!std::regex_search(body, next, kNext)) break;
      cursor = next[1];
    }
    return ids;
  }
  // The last lines of the Interdict servers' and HAProxy's logs.
  std::string LogTails() {
    std::string logs;
    for (const char* name : {"interdict-1", "interdict-2", "haproxy"}) {
      std::ifstream log_file(dir_ + "/logs/" + name + ".log");
      std::string all((std::istreambuf_iterator<char>(log_file)), std::istreambuf_iterator<char>());
      logs += fmt::format("\n--- {} (last 1500 bytes)\n{}", name,
                          all.size() > 1500 ? all.substr(all.size() - 1500) : all);
    }
    return logs;
  }
  std::string SignIn(const std::string& user) {
    http::Client c = Front();
    return test::SignIn(c, Clock::System(), user);
  }

  test::TempDir tmp_;
  std::string dir_;
  std::map<std::string, std::string> env_;
  std::uint16_t front_ = 0;
  catalog::Location where_;
  std::string key_;
};

TEST_F(ClusterFaultTest, KillingAServerAndThePrimaryLosesNoAcknowledgedWork) {
  // Sign-ins use each 30-second TOTP step once per person: one session each.
  const std::string sup = SignIn("supervisor");
  const std::string analyst = SignIn("analyst");
  const std::string officer = SignIn("officer");
  const std::string admin = SignIn("second-admin");
  ASSERT_FALSE(sup.empty() || analyst.empty() || officer.empty() || admin.empty());
  std::string answer;
  ASSERT_EQ(Send(admin, "POST", "/api/v1/cameras", R"({"code":"cam1","name":"Market St"})"), 201);
  ASSERT_EQ(Send(admin, "POST", "/api/v1/hotlists",
                 R"({"name":"NCIC extract","kind":"ncic","priority":1})", &answer),
            201)
      << answer;
  std::ifstream in(std::string(INTERDICT_SOURCE_DIR) + "/tests/data/hotlists/ncic-extract.txt");
  std::stringstream text;
  text << in.rdbuf();
  ASSERT_EQ(Send(key_, "PUT", "/api/v1/hotlists/1/entries?format=ncic", text.str(), &answer,
                 "text/plain"),
            200)
      << answer;
  // The files turned on: an administrator asks, the supervisor approves.
  ASSERT_EQ(Send(admin, "POST", "/api/v1/hotlist-kinds", R"({"enable":["V"]})", &answer), 202)
      << answer;
  ASSERT_EQ(Send(sup, "POST", "/api/v1/hotlist-kinds/requests/1/approve", ""), 200);

  // The dispatcher's stream, through HAProxy, reconnecting with Last-Event-ID
  // whenever its server goes.
  std::mutex mu;
  std::set<std::int64_t> streamed;
  std::atomic<bool> stop{false};
  std::atomic<int> reconnects{0}, refused_streams{0};
  std::string last_connection;  // what the newest connection received (under mu)
  std::thread dispatcher([&] {
    std::int64_t last = 0;
    while (!stop) {
      test::SseClient s(front_, "/api/v1/alerts/stream", sup,
                        last > 0 ? fmt::format("Last-Event-ID: {}\r\n", last) : "");
      ++reconnects;
      if (!s.connected()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      // As the console does: an answer other than 200 (a 5xx from HAProxy or
      // the server while the catalog fails over) is dropped, and the client
      // comes back after two seconds. The connection may stay open after it.
      s.WaitFor("\r\n", std::chrono::seconds(5));
      if (s.received().rfind("HTTP/1.1 200", 0) != 0) {
        ++refused_streams;
        std::this_thread::sleep_for(std::chrono::seconds(2));
        continue;
      }
      std::size_t seen = 0;
      while (!stop) {
        s.WaitFor("\n\n\n", std::chrono::milliseconds(200));  // reads for up to 200 ms
        const std::string& got = s.received();
        for (std::size_t at = got.find("id: ", seen); at != std::string::npos;
             at = got.find("id: ", at + 4)) {
          const std::size_t nl = got.find('\n', at);
          if (nl == std::string::npos) break;
          const std::int64_t id = std::stoll(got.substr(at + 4, nl - at - 4));
          std::lock_guard l(mu);
          streamed.insert(id);
          last = std::max(last, id);
          seen = nl;
        }
        {
          std::lock_guard l(mu);
          last_connection = got.size() > 600 ? got.substr(got.size() - 600) : got;
        }
        if (s.closed()) break;  // its server went: reconnect with Last-Event-ID
      }
    }
  });

  // Clients at work: reads with hits, searches, hits worked. Each 2xx is noted.
  std::atomic<int> searches_ok{0}, reads_ok{0}, reads_busy{0};
  std::vector<std::int64_t> acknowledged;
  std::set<std::string> reads_acknowledged;
  std::atomic<int> round{0};
  auto work = [&](std::chrono::seconds how_long) {
    const auto until = std::chrono::steady_clock::now() + how_long;
    while (std::chrono::steady_clock::now() < until) {
      const int n = round++;
      std::string body;
      const std::string read = fmt::format(
          R"([{{"id":"f{}","agency":"STLPD","camera":"cam1","time":{},"plate":"KZ9Q81","state":"MO"}}])",
          n, Clock::System().NowMillis());
      const int stored = Send(key_, "POST", "/api/v1/reads", read, &body);
      if (stored == 200) {
        ++reads_ok;
        reads_acknowledged.insert(fmt::format("f{}", n));
      } else if (stored == 503) {
        ++reads_busy;  // the stream refused it for now: the camera sends it again
      }
      if (Send(analyst, "POST", "/api/v1/search",
               std::string(R"({"type":"plate","params":{"plate":"KZ9Q81"},)") + kPurpose + "}") ==
          200)
        ++searches_ok;
      // The newest hit acknowledged, when it is new.
      if (Send(officer, "GET", "/api/v1/hits", "", &body) == 200) {
        const std::size_t at = body.find(R"("hit":)");
        const std::size_t step = body.find(R"("step":")", at == std::string::npos ? 0 : at);
        if (at != std::string::npos && step != std::string::npos &&
            body.compare(step, std::string_view(R"("step":"new")").size(), R"("step":"new")") ==
                0) {
          const std::int64_t id = std::stoll(body.substr(at + 6));
          if (Send(officer, "POST", fmt::format("/api/v1/hits/{}/acknowledge", id), "") == 200)
            acknowledged.push_back(id);
        }
      }
    }
  };
  // Reads answered 503 in each phase, for the log (docs/cluster.md quotes them).
  std::string busy_by_phase;
  auto phase = [&](const char* name, auto&& body) {
    const int busy = reads_busy.load(), ok = reads_ok.load();
    body();
    busy_by_phase += fmt::format(" {}: {} of {};", name, reads_busy.load() - busy,
                                 reads_busy.load() - busy + reads_ok.load() - ok);
  };
  phase("steady", [&] { work(std::chrono::seconds(4)); });
  // A ClickHouse replica of the first shard dies, and comes back.
  Kill("clickhouse-2");
  phase("clickhouse-2 down", [&] { work(std::chrono::seconds(4)); });
  Restart("clickhouse-2");
  // A NATS server dies (one of the stream's three replicas), and comes back.
  Kill("nats-2");
  phase("nats-2 down", [&] { work(std::chrono::seconds(4)); });
  Restart("nats-2");
  // One Interdict server dies with everything in flight, and comes back.
  Kill("interdict-1");
  phase("interdict-1 down", [&] { work(std::chrono::seconds(4)); });
  Restart("interdict-1");
  // Then the PostgreSQL primary: its Patroni and its postgres, at once.
  const std::string primary =
      test::RunProgram({"/usr/bin/curl", "-s", "-m", "2", "-o", "/dev/null", "-w", "%{http_code}",
                        "http://127.0.0.1:" + env_.at("PATRONI_1") + "/primary"})
                  .out == "200"
          ? "1"
          : "2";
  const int patroni = PidOf(dir_, "patroni-pg" + primary);
  std::ifstream pm(dir_ + "/pg/pg" + primary + "/postmaster.pid");
  int postmaster = 0;
  pm >> postmaster;
  ASSERT_GT(patroni, 0);
  ASSERT_GT(postmaster, 0);
  ::kill(-patroni, SIGKILL);
  ::kill(postmaster, SIGKILL);
  phase("PostgreSQL failover", [&] { work(std::chrono::seconds(20)); });

  auto db = catalog::Database::Open(where_);
  ASSERT_TRUE(db.ok()) << db.status().message();
  Result<std::vector<std::int64_t>> hits =
      (*db)->List<std::int64_t>("SELECT id FROM hits WHERE backfill = 0 ORDER BY id",
                                [](const catalog::Statement& r) { return r.Int(0); });
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->empty());
  // The stream gets the last hits a moment after they were raised: up to 10 s.
  for (int i = 0; i < 100; ++i) {
    {
      std::lock_guard l(mu);
      if (streamed.count(hits->back())) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  stop = true;
  dispatcher.join();

  EXPECT_GT(reads_ok.load(), 0);
  EXPECT_GT(searches_ok.load(), 0);
  // Every read acknowledged is searchable, exactly once, once the loaders
  // have moved it (up to 60 s: a batch waits in the stream until both
  // replicas of its shard have it).
  const std::string checker = SignIn("checker");
  ASSERT_FALSE(checker.empty());
  std::vector<std::string> found;
  std::set<std::string> missing_reads;
  std::string last_search;
  for (int i = 0; i < 120; ++i) {
    found = ReadIdsFound(checker, &last_search);
    const std::set<std::string> have(found.begin(), found.end());
    missing_reads.clear();
    for (const std::string& id : reads_acknowledged)
      if (!have.count(id)) missing_reads.insert(id);
    if (missing_reads.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  EXPECT_TRUE(missing_reads.empty())
      << missing_reads.size() << " of " << reads_acknowledged.size()
      << " acknowledged reads are not searchable, e.g. " << *missing_reads.begin()
      << "; the last search answered " << last_search << LogTails();
  std::map<std::string, int> times;
  for (const std::string& id : found) ++times[id];
  for (const auto& [id, n] : times)
    EXPECT_EQ(n, 1) << "read " << id << " answered " << n << " times";
  // Every acknowledged request is in the catalog, and the chain holds.
  for (std::int64_t id : acknowledged) {
    auto q = (*db)->Query(
        "SELECT count(*) FROM hit_events WHERE hit_id = ?1 AND step = "
        "'acknowledged'",
        id);
    ASSERT_TRUE(q.ok());
    EXPECT_EQ(q->Int(0), 1) << "hit " << id << " was acknowledged with a 200";
  }
  auto searched =
      (*db)->Query("SELECT count(*) FROM audit WHERE event = 'search.plate' AND outcome = 'ok'");
  ASSERT_TRUE(searched.ok());
  EXPECT_GE(searched->Int(0), searches_ok.load()) << "every search answered is on the record";
  Result<audit::VerifyResult> chain = audit::Verify(**db);
  ASSERT_TRUE(chain.ok()) << chain.status().message();
  EXPECT_FALSE(chain->first_bad) << chain->problem;
  // The surviving server serves every session made before the faults.
  for (const std::string& token : {sup, analyst, officer}) {
    EXPECT_EQ(Send(token, "GET", "/api/v1/me", ""), 200);
  }
  // The stream has every live hit of the agency.
  std::lock_guard l(mu);
  std::vector<std::int64_t> missed;
  for (std::int64_t id : *hits)
    if (!streamed.count(id)) missed.push_back(id);
  if (!missed.empty()) {
    const std::string logs = LogTails();
    ADD_FAILURE() << missed.size() << " of " << hits->size() << " hits missed, from "
                  << missed.front() << " to " << missed.back() << "; streamed from "
                  << *streamed.begin() << " to " << *streamed.rbegin() << " over "
                  << reconnects.load() << " connections; the newest received:\n"
                  << last_connection << logs;
  }
  std::printf(
      "fault test: %d reads (%d more answered 503), %zu searchable, %d searches, %zu hits "
      "acknowledged, %zu hits streamed over %d connections (%d answered other than 200); reads "
      "answered 503 by phase:%s\n",
      reads_ok.load(), reads_busy.load(), times.size(), searches_ok.load(), acknowledged.size(),
      streamed.size(), reconnects.load(), refused_streams.load(), busy_by_phase.c_str());
}

}  // namespace
}  // namespace interdict
