// The benchmark's own PostgreSQL (docs/bench-peers.md): made in a temporary
// directory, answering on loopback with the extensions the benchmark uses,
// and gone — process and files — when the object goes.
#include "bench/postgres_server.h"

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

}  // namespace
}  // namespace interdict::bench
