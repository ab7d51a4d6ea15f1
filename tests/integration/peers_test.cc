// The benchmark's own peer servers (docs/bench-peers.md) — made in temporary
// directories, answering on loopback, and gone, process and files, when the
// object goes — and the check at the heart of `bench peers`: PostgreSQL and
// ClickHouse, loaded with the same reads as the store, give every search
// type the same answer as Interdict's search layer.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <filesystem>
#include <map>

#include "base/clock.h"
#include "base/log.h"
#include "bench/clickhouse_peer.h"
#include "bench/clickhouse_server.h"
#include "bench/harness.h"
#include "bench/peer_answers.h"
#include "bench/postgres_peer.h"
#include "bench/postgres_server.h"
#include "bench/read_generator.h"
#include "bench/search_workload.h"
#include "http/client.h"
#include "store/store.h"
#include "support/temp_dir.h"

namespace interdict::bench {
namespace {

constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 86'400'000;

TEST(PostgresServerTest, StartsOnLoopbackAnswersAndLeavesNothingBehind) {
  test::TempDir dir;
  std::string data_dir, conninfo;
  {
    Result<std::unique_ptr<PostgresServer>> pg =
        PostgresServer::Start(dir.path(), std::chrono::seconds(60));
    ASSERT_TRUE(pg.ok()) << pg.status().message();
    data_dir = (*pg)->dir();
    conninfo = (*pg)->conninfo();
    PGconn* c = PQconnectdb(conninfo.c_str());
    ASSERT_EQ(PQstatus(c), CONNECTION_OK) << PQerrorMessage(c);
    PGresult* r = PQexec(c, "CREATE EXTENSION pg_trgm; SELECT current_setting('fsync')");
    ASSERT_EQ(PQresultStatus(r), PGRES_TUPLES_OK) << PQerrorMessage(c);
    EXPECT_STREQ(PQgetvalue(r, 0, 0), "on");  // durable, like the store it is compared with
    PQclear(r);
    PQfinish(c);
    EXPECT_GT(DirBytes(data_dir + "/data"), 1'000'000u);  // a real cluster on disk
  }
  EXPECT_FALSE(std::filesystem::exists(data_dir));
  EXPECT_NE(PQping(conninfo.c_str()), PQPING_OK);  // nobody answers any more
}

TEST(ClickHouseServerTest, StartsOnLoopbackAnswersAndLeavesNothingBehind) {
  test::TempDir dir;
  std::string data_dir;
  std::uint16_t port = 0;
  {
    Result<std::unique_ptr<ClickHouseServer>> ch =
        ClickHouseServer::Start(dir.path(), std::chrono::seconds(60));
    ASSERT_TRUE(ch.ok()) << ch.status().message();
    data_dir = (*ch)->dir();
    port = (*ch)->http_port();
    http::Client client(http::ClientOptions::To("127.0.0.1", port));
    Result<http::ClientResponse> r = client.Send("POST", "/", "SELECT version()");
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->status, 200);
    EXPECT_FALSE(r->body.empty());
    ClickHousePeer peer(port);
    ASSERT_TRUE(peer.CreateSchema().ok());
    EXPECT_TRUE(std::filesystem::exists(data_dir + "/data/data/default/reads"));
  }
  EXPECT_FALSE(std::filesystem::exists(data_dir));
  http::ClientOptions o = http::ClientOptions::To("127.0.0.1", port);
  o.timeout = std::chrono::seconds(2);
  http::Client client(o);
  EXPECT_FALSE(client.Send("POST", "/", "SELECT 1").ok());  // nobody answers any more
}

// A running peer and its connection, whichever it is.
struct RunningPeer {
  std::shared_ptr<void> server;
  std::unique_ptr<Peer> peer;
};

Result<RunningPeer> StartPeer(const std::string& name, const std::string& dir) {
  RunningPeer out;
  if (name == "postgresql") {
    Result<std::unique_ptr<PostgresServer>> s =
        PostgresServer::Start(dir, std::chrono::seconds(60));
    if (!s.ok()) return s.status();
    Result<std::unique_ptr<PostgresPeer>> p = PostgresPeer::Connect((*s)->conninfo());
    if (!p.ok()) return p.status();
    out.server = std::shared_ptr<PostgresServer>(std::move(s).value());
    out.peer = std::move(p).value();
  } else {
    Result<std::unique_ptr<ClickHouseServer>> s =
        ClickHouseServer::Start(dir, std::chrono::seconds(60));
    if (!s.ok()) return s.status();
    out.peer = std::make_unique<ClickHousePeer>((*s)->http_port());
    out.server = std::shared_ptr<ClickHouseServer>(std::move(s).value());
  }
  return out;
}

class PeerAnswersTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PeerAnswersTest, EverySearchTypeGetsTheSameAnswerAsInterdict) {
  test::TempDir dir;
  Result<RunningPeer> running = StartPeer(GetParam(), dir.path());
  ASSERT_TRUE(running.ok()) << running.status().message();
  Peer& peer = *running->peer;
  ASSERT_TRUE(peer.CreateSchema().ok());

  // Dense traffic (40 cameras) so areas, scenes and convoys find plates.
  const std::int64_t now = Clock::System().NowMillis() / kHour * kHour;
  GeneratorOptions g;
  g.reads = 60'000;
  g.cameras = 40;
  g.days = 31;
  g.start_ms = now - g.days * kDay;
  ReadGenerator gen(g);
  Result<Region> region = MakeRegion(catalog::Location::Sqlite(dir.File("catalog.db")), gen, now);
  ASSERT_TRUE(region.ok()) << region.status().message();
  const Planted planted = Plant(gen, now);

  Logger log([](std::string_view) {}, Clock::System());
  store::StoreOptions so;
  so.dir = dir.File("store");
  so.sync = store::SyncPolicy::kNone;
  so.background = false;
  Result<std::unique_ptr<store::Store>> st =
      store::Store::Open(so, store::Env::Posix(), Clock::System(), log);
  ASSERT_TRUE(st.ok()) << st.status().message();
  std::vector<read::Read> batch;
  while (gen.Next(10'000, &batch)) {
    Status loaded = peer.Load(batch);
    ASSERT_TRUE(loaded.ok()) << loaded.message();
    ASSERT_TRUE((*st)->Append(std::move(batch)).ok());
  }
  ASSERT_TRUE(peer.Load(planted.reads).ok());
  ASSERT_TRUE((*st)->Append(planted.reads).ok());
  ASSERT_TRUE(peer.Settle().ok());

  std::map<std::string, std::size_t> rows;  // per type, over all its questions
  const std::string purpose = PurposeJson(region->approval);
  for (const auto& [type, terms] : MakeQueries(gen, planted, now, g.days, 4)) {
    if (type == "lookalike") continue;
    for (const std::string& t : terms) {
      const std::string page = type.starts_with("convoy") ? R"(,"page":{"limit":1000})" : "";
      Result<search::Request> req = search::ParseRequest("{" + t + "," + purpose + page + "}", now);
      ASSERT_TRUE(req.ok()) << t << ": " << req.status().message();
      Result<search::Plan> plan =
          search::Prepare(*region->db, region->analyst(), *req, now, region->limits);
      ASSERT_TRUE(plan.ok()) << t << ": " << plan.status().message();
      Result<search::Answer> ours = search::Execute(**st, *req, *plan);
      ASSERT_TRUE(ours.ok()) << t << ": " << ours.status().message();
      const Canonical expected = Reduce(*req, *ours);
      Result<Canonical> theirs = AskPeer(peer, *req, *plan);
      ASSERT_TRUE(theirs.ok()) << t << ": " << theirs.status().message();
      EXPECT_EQ(Differ(*req, expected, *theirs), "") << GetParam() << " " << t;
      rows[type] += expected.rows.size();
    }
  }
  // Each type's answers hold something: equal empty answers would prove nothing.
  for (const char* type : {"plate", "partial", "area", "scenes", "convoy", "locate", "route",
                           "convoy_heavy", "locate_heavy", "route_heavy"})
    EXPECT_GT(rows[type], 0u) << type;
}

INSTANTIATE_TEST_SUITE_P(Peers, PeerAnswersTest, ::testing::Values("postgresql", "clickhouse"),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

TEST(PeerAnswersTest, DifferNamesTheFirstUnlikeRowAndUnlikeTotals) {
  search::Request plate;
  plate.type = search::SearchType::kPlate;
  const Canonical a{{"AG00/cam0001/1", "AG00/cam0002/7"}, 2};
  EXPECT_EQ(Differ(plate, a, a), "");
  EXPECT_EQ(Differ(plate, a, Canonical{{"AG00/cam0001/1", "AG00/cam0002/8"}, 2}),
            "row 1: AG00/cam0002/7 against AG00/cam0002/8");
  EXPECT_EQ(Differ(plate, a, Canonical{{"AG00/cam0002/7", "AG00/cam0001/1"}, 2}),
            "row 0: AG00/cam0001/1 against AG00/cam0002/7");  // order matters for a read list
  EXPECT_EQ(Differ(plate, a, Canonical{{"AG00/cam0001/1"}, 1}), "2 results against 1");
}

TEST(PeerAnswersTest, AConvoyPageComparesAsASetButItsCountsMustAgree) {
  search::Request convoy;
  convoy.type = search::SearchType::kConvoy;
  const Canonical a{{"ABC123:4", "XYZ789:2"}, 2};
  EXPECT_EQ(Differ(convoy, a, Canonical{{"XYZ789:2", "ABC123:4"}, 2}), "");
  EXPECT_NE(Differ(convoy, a, Canonical{{"ABC123:4", "XYZ789:3"}, 2}), "");
  EXPECT_NE(Differ(convoy, a, Canonical{{"ABC123:4", "XYZ780:2"}, 2}), "");
}

}  // namespace
}  // namespace interdict::bench
