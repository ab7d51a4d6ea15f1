// The benchmark's own PostgreSQL (docs/bench-peers.md): made in a temporary
// directory, answering on loopback with the extensions the benchmark uses,
// and gone — process and files — when the object goes.
#include "bench/postgres_server.h"

#include "base/log.h"
#include "bench/postgres_peer.h"
#include "bench/read_generator.h"
#include "store/store.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <signal.h>

#include <filesystem>

#include "support/temp_dir.h"

namespace interdict::bench {
namespace {

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
    EXPECT_GT((*pg)->DiskBytes(), 1'000'000u);
  }
  EXPECT_FALSE(std::filesystem::exists(data_dir));
  EXPECT_NE(PQping(conninfo.c_str()), PQPING_OK);  // nobody answers any more
}

TEST(PostgresPeerTest, TheSameReadsGiveTheSameAnswersAsTheStore) {
  test::TempDir dir;
  Result<std::unique_ptr<PostgresServer>> pg =
      PostgresServer::Start(dir.path(), std::chrono::seconds(60));
  ASSERT_TRUE(pg.ok()) << pg.status().message();
  Result<std::unique_ptr<PostgresPeer>> peer = PostgresPeer::Connect((*pg)->conninfo());
  ASSERT_TRUE(peer.ok()) << peer.status().message();
  ASSERT_TRUE((*peer)->CreateSchema().ok());

  Logger log([](std::string_view) {}, Clock::System());
  store::StoreOptions so;
  so.dir = dir.File("store");
  so.sync = store::SyncPolicy::kNone;
  so.background = false;
  Result<std::unique_ptr<store::Store>> st =
      store::Store::Open(so, store::Env::Posix(), Clock::System(), log);
  ASSERT_TRUE(st.ok()) << st.status().message();

  GeneratorOptions g;
  g.reads = 6000;
  g.cameras = 50;
  g.days = 3;
  ReadGenerator gen(g);
  std::vector<read::Read> batch;
  std::vector<std::string> plates;
  while (gen.Next(1000, &batch)) {
    Status loaded = (*peer)->Load(batch);
    ASSERT_TRUE(loaded.ok()) << loaded.message();
    for (std::size_t i = 0; i < batch.size(); i += 97) plates.push_back(batch[i].plate.str());
    ASSERT_TRUE((*st)->Append(std::move(batch)).ok());
  }
  ASSERT_GE(plates.size(), 50u);
  std::size_t rows = 0;
  for (const std::string& plate : plates) {
    store::ReadQuery q;
    q.agencies = gen.agency_codes();
    q.plate = *plate::Plate::FromNormalized(plate);
    q.limit = 100'000;
    Result<store::QueryResult> mine = (*st)->Query(q);
    ASSERT_TRUE(mine.ok());
    std::vector<std::string> ids;
    for (const read::Read& r : mine->reads) ids.push_back(r.id);
    Result<std::vector<std::string>> theirs = (*peer)->PlateIds(plate, g.start_ms, gen.end_ms());
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    EXPECT_EQ(ids, *theirs) << plate;
    rows += ids.size();
  }
  EXPECT_GT(rows, plates.size());  // plates repeat: the answers are not trivially one row

  // Partial plates (prefix, substring, one unknown character) and camera windows.
  auto same = [&](store::ReadQuery q, const Result<std::vector<std::string>>& theirs,
                  const std::string& what) {
    q.agencies = gen.agency_codes();
    q.limit = 100'000;
    Result<store::QueryResult> mine = (*st)->Query(q);
    ASSERT_TRUE(mine.ok()) << what;
    ASSERT_TRUE(theirs.ok()) << what << ": " << theirs.status().message();
    std::vector<std::string> ids;
    for (const read::Read& r : mine->reads) ids.push_back(r.id);
    EXPECT_EQ(ids, *theirs) << what;
    EXPECT_FALSE(ids.empty()) << what;  // each question finds something
  };
  for (std::size_t i = 0; i < 10; ++i) {
    const std::string& p = plates[i * 3];
    for (const std::string& pattern : {p.substr(0, 2) + "*", "*" + p.substr(1, 3) + "*",
                                       p.substr(0, 1) + "?" + p.substr(2, 2) + "*"}) {
      store::ReadQuery q;
      q.pattern = *store::PlatePattern::Parse(pattern);
      q.from = g.start_ms;
      q.to = gen.end_ms();
      same(q, (*peer)->PartialIds(pattern, q.from, q.to), pattern);
    }
  }
  for (std::size_t c = 0; c < 5; ++c) {
    const std::vector<std::string> cameras = {gen.cameras()[c * 3].name,
                                              gen.cameras()[c * 3 + 1].name};
    store::ReadQuery q;
    q.cameras = cameras;
    q.from = g.start_ms + static_cast<std::int64_t>(c) * 6 * 3'600'000LL;
    q.to = q.from + 12 * 3'600'000LL;
    same(q, (*peer)->CameraIds(cameras, q.from, q.to), cameras[0] + "," + cameras[1]);
  }
}

}  // namespace
}  // namespace interdict::bench
