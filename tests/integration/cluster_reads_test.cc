// The reads on ClickHouse (decision 0035): a real clickhouse-server of the
// test's own (one node, named a cluster of one shard, so the Distributed
// tables are the ones searched), loaded with the same reads as the embedded
// store, must give every search type the same answer — with retention and
// holds, and after the purge has physically deleted what expired.
#include <gtest/gtest.h>
#include <nats/nats.h>

#include <map>
#include <optional>
#include <set>
#include <thread>

#include <fmt/core.h>

#include "base/clock.h"
#include "base/log.h"
#include "bench/clickhouse_server.h"
#include "bench/peer_answers.h"
#include "bench/questions.h"
#include "bench/read_generator.h"
#include "bench/search_workload.h"
#include "cluster/clickhouse_reads.h"
#include "cluster/streamed_reads.h"
#include "metrics/registry.h"
#include "server/data_dir.h"
#include "store/store.h"
#include "support/nats_server.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace interdict::cluster {
namespace {

constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 86'400'000;

class ClickHouseReadsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    Result<std::unique_ptr<bench::ClickHouseServer>> s =
        bench::ClickHouseServer::Start(dir_->path(), std::chrono::seconds(60), true);
    ASSERT_TRUE(s.ok()) << s.status().message();
    server_ = s->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }

  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    ClickHouse admin({{Node()}}, std::chrono::seconds(30));
    ASSERT_TRUE(admin.Run(Node(), "DROP DATABASE IF EXISTS interdict").ok());
  }

  static ClickHouseNode Node() { return {"127.0.0.1", server_->http_port()}; }

  std::unique_ptr<ClickHouseReads> Open(const Clock& clock) {
    ClickHouseReadsOptions o;
    o.shards = {{Node()}};
    o.cluster = "interdict";
    o.replicated = false;
    Result<std::unique_ptr<ClickHouseReads>> r = ClickHouseReads::Open(o, clock, log_);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? std::move(r).value() : nullptr;
  }

  // Waits (bounded) until the server has finished every delete it was given.
  static void WaitForMutations(ClickHouse& ch) {
    for (int i = 0; i < 600; ++i) {
      Result<std::vector<Row>> left =
          ch.Select(Node(),
                    "SELECT count() FROM system.mutations WHERE database = 'interdict' AND NOT "
                    "is_done");
      ASSERT_TRUE(left.ok()) << left.status().message();
      if (left->at(0).at(0) == "0") return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the server works on
    }
    FAIL() << "ClickHouse did not finish its deletes in 60 s";
  }

  static std::int64_t Count(ClickHouse& ch, const std::string& where) {
    Result<std::vector<Row>> n =
        ch.Select(Node(), "SELECT count() FROM interdict.reads_local FINAL WHERE " + where);
    EXPECT_TRUE(n.ok()) << n.status().message();
    return n.ok() ? std::stoll(n->at(0).at(0)) : -1;
  }

  Logger log_{[](std::string_view) {}, Clock::System()};
  static test::TempDir* dir_;
  static bench::ClickHouseServer* server_;
};

test::TempDir* ClickHouseReadsTest::dir_ = nullptr;
bench::ClickHouseServer* ClickHouseReadsTest::server_ = nullptr;

TEST(ClickHouseShardsTest, ShardsAreSeparatedBySemicolonsAndReplicasByCommas) {
  Result<ClickHouseShards> s = ParseShards("a:8123,b:8124;c:9000");
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_EQ(s->size(), 2u);
  ASSERT_EQ((*s)[0].size(), 2u);
  EXPECT_EQ((*s)[0][1].name(), "b:8124");
  EXPECT_EQ((*s)[1][0].port, 9000);
  for (const char* bad : {"", "a", "a:", ":80", "a:0", "a:70000", "a:80;", "a:80,,b:81", "a:8x"}) {
    Result<ClickHouseShards> r = ParseShards(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("host:port"), std::string::npos) << bad;
    }
  }
}

TEST(ClickHouseTabSeparatedTest, EscapedFieldsComeBackAsTheyWere) {
  std::string body;
  AppendTabField(body, "a\tb\\c\nd'e");
  body += '\t';
  AppendTabField(body, "");
  body += '\n';
  Result<std::vector<Row>> rows = ParseTabSeparated(body);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->at(0), (Row{"a\tb\\c\nd'e", ""}));
  EXPECT_FALSE(ParseTabSeparated("a\tb").ok());  // no end of line: a cut answer
  EXPECT_FALSE(ParseTabSeparated("a\\").ok());
}

TEST_F(ClickHouseReadsTest, AReadSurvivesTheRoundTripFieldForField) {
  FakeClock clock(1'790'000'000'000);
  std::unique_ptr<ClickHouseReads> reads = Open(clock);
  ASSERT_NE(reads, nullptr);
  read::Read full;
  full.id = "id\twith\\odd'chars\n";
  full.agency = "AG.01";
  full.camera = "cam/7";
  full.time = 1'789'999'000'123;
  full.plate = *plate::Plate::FromNormalized("ABC1234");
  full.raw_plate = "abc-1234";
  full.state = *plate::Jurisdiction::Parse("MO");
  full.state_confidence = read::Confidence::FromPercent(88);
  full.plate_confidence = read::Confidence::FromPercent(97);
  full.position = geo::Point{38'627'003, -90'199'404};
  full.heading = 271;
  full.alternates = {{*plate::Plate::FromNormalized("ABC1284"), read::Confidence::FromPercent(40)},
                     {*plate::Plate::FromNormalized("A8C1234"), read::Confidence::Unknown()}};
  full.vehicle = {"Ford", "F-150", "blue", "pickup"};
  full.plate_image = "sha256:" + std::string(64, 'a');
  full.overview_image = "sha256:" + std::string(64, 'b');
  read::Read bare;
  bare.id = "2";
  bare.agency = "AG.01";
  bare.camera = "cam/7";
  bare.time = full.time - 1;
  bare.plate = full.plate;
  ASSERT_TRUE(reads->Append({full, bare}).ok());
  store::ReadQuery q;
  q.agencies = {"AG.01"};
  q.plate = full.plate;
  Result<store::QueryResult> r = reads->Query(q);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->reads.size(), 2u);
  EXPECT_EQ(r->reads[0], full);
  EXPECT_EQ(r->reads[1], bare);
}

TEST_F(ClickHouseReadsTest, ABatchInsertedTwiceIsAnsweredOnce) {
  FakeClock clock(1'790'000'000'000);
  std::unique_ptr<ClickHouseReads> reads = Open(clock);
  ASSERT_NE(reads, nullptr);
  std::vector<read::Read> batch;
  for (int i = 0; i < 50; ++i) {
    read::Read r;
    r.id = std::to_string(i);
    r.agency = "AG00";
    r.camera = "c" + std::to_string(i % 3);
    r.time = 1'789'990'000'000 + i % 7;  // ties in time, ordered by agency, camera and id
    r.plate = *plate::Plate::FromNormalized("DUP" + std::to_string(i % 2));
    batch.push_back(r);
  }
  // A loader that died before acknowledging inserts the batch again, also
  // split differently (so no block of ClickHouse's own is the same).
  ASSERT_TRUE(reads->Append(batch).ok());
  ASSERT_TRUE(reads->Append({batch.begin(), batch.begin() + 20}).ok());
  ASSERT_TRUE(reads->Append({batch.begin() + 20, batch.end()}).ok());
  Result<std::uint64_t> n = reads->CountReads();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 50u);
  // Pages of 7 through both tables: every read once, in the store's order.
  for (bool by_plate : {true, false}) {
    store::ReadQuery q;
    q.agencies = {"AG00"};
    if (by_plate)
      q.pattern = *store::PlatePattern::Parse("DUP*");
    else
      q.cameras = {"c0", "c1", "c2"};
    q.limit = 7;
    std::vector<std::string> seen;
    for (int page = 0; page < 20; ++page) {
      Result<store::QueryResult> r = reads->Query(q);
      ASSERT_TRUE(r.ok()) << r.status().message();
      for (const read::Read& rd : r->reads) seen.push_back(rd.id);
      if (!r->truncated) break;
      q.after = r->next;
    }
    EXPECT_EQ(seen.size(), 50u) << (by_plate ? "by plate" : "by camera");
    std::set<std::string> unique(seen.begin(), seen.end());
    EXPECT_EQ(unique.size(), 50u);
  }
}

TEST_F(ClickHouseReadsTest, ReadsPastRetentionAreRefusedUnlessAHoldKeepsThem) {
  FakeClock clock(1'790'000'000'000);
  std::unique_ptr<ClickHouseReads> reads = Open(clock);
  ASSERT_NE(reads, nullptr);
  reads->SetRetention({{"AG00", store::RetentionRule{30 * kDay}}});
  store::Hold hold;
  hold.id = "hold-1";
  hold.plate = *plate::Plate::FromNormalized("HELD1");
  hold.expires_at = clock.NowMillis() + kDay;
  reads->SetHolds({hold});
  std::vector<read::Read> batch;
  for (const char* p : {"HELD1", "GONE1"}) {
    read::Read r;
    r.id = p;
    r.agency = "AG00";
    r.camera = "c";
    r.time = clock.NowMillis() - 40 * kDay;
    r.plate = *plate::Plate::FromNormalized(p);
    batch.push_back(r);
  }
  Result<store::AppendResult> a = reads->Append(batch);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->accepted, 1u);
  EXPECT_EQ(a->expired, 1u);
  EXPECT_EQ(a->kept, (std::vector<bool>{true, false}));
  EXPECT_EQ(reads->HoldFor(batch[0]), "hold-1");
}

// Sets the same retention and holds on both stores.
void SetRules(store::ReadStore& a, store::ReadStore& b,
              const std::map<std::string, store::RetentionRule>& rules,
              const std::vector<store::Hold>& holds) {
  for (store::ReadStore* s : {&a, &b}) {
    s->SetRetention(rules);
    s->SetHolds(holds);
  }
}

TEST_F(ClickHouseReadsTest, EverySearchTypeGivesTheEmbeddedStoresAnswerBeforeAndAfterPurges) {
  // The peers benchmark's region at a small size: dense traffic (40 cameras)
  // so that areas, scenes and convoys find plates.
  const std::int64_t now = Clock::System().NowMillis() / kHour * kHour;
  FakeClock clock(now);
  bench::GeneratorOptions g;
  g.reads = 60'000;
  g.cameras = 40;
  g.days = 31;
  g.start_ms = now - g.days * kDay;
  bench::ReadGenerator gen(g);
  test::TempDir dir;
  Result<bench::Region> region =
      bench::MakeRegion(catalog::Location::Sqlite(dir.File("catalog.db")), gen, now);
  ASSERT_TRUE(region.ok()) << region.status().message();
  const bench::Planted planted = bench::Plant(gen, now);

  store::StoreOptions so;
  so.dir = dir.File("store");
  so.sync = store::SyncPolicy::kNone;
  so.background = false;
  Result<std::unique_ptr<store::Store>> embedded =
      store::Store::Open(so, store::Env::Posix(), clock, log_);
  ASSERT_TRUE(embedded.ok()) << embedded.status().message();
  std::unique_ptr<ClickHouseReads> cluster = Open(clock);
  ASSERT_NE(cluster, nullptr);
  // Every agency keeps reads 25 days, one 20: older reads are refused at
  // the door by both stores.
  const std::vector<std::string> codes = gen.agency_codes();
  std::map<std::string, store::RetentionRule> rules;
  for (const std::string& code : codes) rules[code] = {25 * kDay};
  rules[codes[1]] = {20 * kDay};
  SetRules(**embedded, *cluster, rules, {});
  std::uint64_t refused = 0;
  std::vector<read::Read> batch;
  auto load = [&](std::vector<read::Read> reads) {
    Result<store::AppendResult> a = cluster->Append(reads);
    Result<store::AppendResult> b = (*embedded)->Append(std::move(reads));
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->kept, b->kept);
    refused += a->expired;
  };
  while (gen.Next(10'000, &batch)) load(std::move(batch));
  load(planted.reads);
  EXPECT_GT(refused, 0u);

  // The peers benchmark's questions (look-alikes too), planned once, asked of
  // both stores through the search layer.
  bench::Questions questions;
  ASSERT_TRUE(
      bench::BuildQuestions(gen, planted, *region, now, g.days, 3, 0, true, &questions).ok());
  const bench::Ask ours = bench::AskStore(**embedded), theirs = bench::AskStore(*cluster);
  auto compare_all = [&](const std::string& phase) {
    std::map<std::string, std::size_t> rows;  // per type, over all its questions
    for (const auto& [type, qs] : questions) {
      for (std::size_t i = 0; i < qs.size(); ++i) {
        Result<bench::Canonical> expected = ours(qs[i]), got = theirs(qs[i]);
        EXPECT_TRUE(expected.ok() && got.ok()) << phase << ": " << type << " " << i;
        if (!expected.ok() || !got.ok()) continue;
        EXPECT_EQ(bench::Differ(qs[i].req, *expected, *got), "")
            << phase << ": " << type << " question " << i;
        rows[type] += expected->rows.size();
      }
    }
    return rows;
  };

  // 1. As loaded.
  std::map<std::string, std::size_t> rows = compare_all("loaded");
  // Each type's answers hold something: equal empty answers would prove nothing.
  for (const char* type : {"plate", "partial", "lookalike", "area", "scenes", "convoy", "locate",
                           "route", "convoy_heavy", "locate_heavy", "route_heavy"})
    EXPECT_GT(rows[type], 0u) << type;

  // 2. The periods shorten to 10 days, and 2 for one agency; a hold keeps
  // the planted target's reads of two days that have now expired.
  for (auto& [code, rule] : rules) rule.non_hit_ms = 10 * kDay;
  rules[codes[1]] = {2 * kDay};
  store::Hold hold;
  hold.id = "hold-target";
  hold.plate = *plate::Plate::FromNormalized(bench::kTarget);
  hold.from = now - 14 * kDay;
  hold.to = now - 12 * kDay;
  hold.expires_at = now + 30 * kDay;
  SetRules(**embedded, *cluster, rules, {hold});
  compare_all("shortened");
  const std::string expired_unheld =
      fmt::format("time < {} AND plate <> '{}'", now - 10 * kDay, bench::kTarget);
  const std::string held =
      fmt::format("time >= {} AND time < {} AND plate = '{}'", hold.from, hold.to, bench::kTarget);
  EXPECT_GT(Count(cluster->clickhouse(), expired_unheld), 0);  // hidden, not yet deleted
  const std::int64_t held_before = Count(cluster->clickhouse(), held);
  ASSERT_GT(held_before, 0);

  // 3. The purge deletes what expired, drops the weeks where everything did,
  // and keeps what the hold keeps; the answers stay the same.
  Result<ClusterPurge> purged = cluster->Purge();
  ASSERT_TRUE(purged.ok()) << purged.status().message();
  EXPECT_FALSE(purged->dropped_partitions.empty());  // the weeks before the hold's
  EXPECT_EQ(purged->deleted_before.size(), rules.size());
  WaitForMutations(cluster->clickhouse());
  EXPECT_EQ(Count(cluster->clickhouse(), expired_unheld), 0);
  EXPECT_EQ(Count(cluster->clickhouse(), held), held_before);
  EXPECT_EQ(Count(cluster->clickhouse(),
                  fmt::format("agency = '{}' AND time < {}", codes[1], now - 2 * kDay)),
            0);
  // A second purge at once has nothing due: no new delete is issued.
  Result<ClusterPurge> again = cluster->Purge();
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->deleted_before.empty());
  EXPECT_TRUE(again->dropped_partitions.empty());
  compare_all("purged");
}

// Reads of one plate at one camera, a second apart, ids "0", "1", ….
std::vector<read::Read> Reads(int n, std::int64_t start, const std::string& plate = "STREAM1") {
  std::vector<read::Read> out;
  for (int i = 0; i < n; ++i) {
    read::Read r;
    r.id = std::to_string(i);
    r.agency = "AG00";
    r.camera = "c1";
    r.time = start + i * 1000;
    r.plate = *plate::Plate::FromNormalized(plate);
    out.push_back(r);
  }
  return out;
}

// A JetStream server of the test's own and the stream on it (one replica).
struct Stream {
  explicit Stream(const test::TempDir& dir, std::int64_t max_messages = 1'000'000)
      : nats(dir.File("jetstream")) {
    ReadStreamOptions o;
    o.urls = nats.url();
    o.replicas = 1;
    o.max_messages = max_messages;
    o.publish_timeout = std::chrono::seconds(5);
    Result<std::unique_ptr<ReadStream>> s = ReadStream::Connect(o, log);
    EXPECT_TRUE(s.ok()) << s.status().message();
    if (s.ok()) stream = std::move(s).value();
  }
  Logger log{[](std::string_view) {}, Clock::System()};
  test::NatsServer nats;
  std::unique_ptr<ReadStream> stream;
};

// The stream's messages once the server has taken in the acknowledgements
// sent to it (it removes acknowledged messages from a work queue by itself,
// shortly after): polled, at most 5 s.
std::uint64_t Pending(ReadStream& stream, std::uint64_t expected) {
  std::uint64_t n = 0;
  for (int i = 0; i < 100; ++i) {
    Result<std::uint64_t> p = stream.Pending();
    EXPECT_TRUE(p.ok());
    n = p.ok() ? *p : 0;
    if (n == expected) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return n;
}

std::size_t Found(const store::ReadStore& s, const std::string& plate) {
  store::ReadQuery q;
  q.agencies = {"AG00"};
  q.plate = *plate::Plate::FromNormalized(plate);
  Result<store::QueryResult> r = s.Query(q);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? r->reads.size() : 0;
}

// What a server in cluster mode runs (the store it appends to and its
// loader), on a stream and tables of the test's own.
struct StreamRig {
  StreamRig(std::unique_ptr<ClickHouseReads> t, const Clock& clock, Logger& log,
            std::int64_t max_messages = 1'000'000,
            std::chrono::milliseconds wait = std::chrono::milliseconds(500))
      : tables(std::move(t)), s(dir, max_messages) {
    if (!tables || !s.stream) return;
    reads.emplace(*s.stream, *tables, clock);
    loader.emplace(*s.stream, *tables, clock, log, metrics,
                   LoaderOptions{.batch = 1000, .wait = wait});
  }
  test::TempDir dir;
  std::unique_ptr<ClickHouseReads> tables;
  Stream s;
  metrics::Registry metrics;
  std::optional<StreamedReads> reads;
  std::optional<Loader> loader;  // set when everything above started

  // Loader rounds until `expected` reads are loaded (or ten rounds went
  // by): JetStream may hand a batch out over more than one fetch,
  // redelivered messages especially.
  std::size_t Load(std::size_t expected) {
    std::size_t loaded = 0;
    for (int round = 0; round < 10 && loaded < expected; ++round) {
      Result<std::size_t> n = loader->LoadOnce();
      EXPECT_TRUE(n.ok()) << n.status().message();
      if (n.ok()) loaded += *n;
    }
    return loaded;
  }
};

TEST_F(ClickHouseReadsTest, ReadsGoThroughTheStreamAndAreSearchableOnceLoaded) {
  FakeClock clock(1'790'000'000'000);
  StreamRig rig(Open(clock), clock, log_);
  ASSERT_TRUE(rig.loader);

  const std::vector<read::Read> batch = Reads(100, clock.NowMillis() - 60'000);
  Result<store::AppendResult> a = rig.reads->Append(batch);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->accepted, 100u);
  EXPECT_EQ(Found(*rig.reads, "STREAM1"), 0u);  // durable in the stream, not loaded yet
  EXPECT_EQ(*rig.s.stream->Pending(), 100u);
  clock.Advance(std::chrono::milliseconds(1500));
  EXPECT_EQ(rig.Load(100), 100u);
  EXPECT_EQ(Found(*rig.reads, "STREAM1"), 100u);
  EXPECT_EQ(Pending(*rig.s.stream, 0), 0u);  // acknowledged: the work queue is empty
  metrics::Histogram& lag = rig.metrics.GetHistogram(
      "interdict_cluster_read_lag_seconds",
      "From a batch accepted by a server to its reads searchable in ClickHouse.",
      {0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 300});
  EXPECT_EQ(lag.count(), 100u);
  EXPECT_EQ(lag.CumulativeCount(4), 0u);  // 1.5 s on the injected clock: above 1 s
  EXPECT_EQ(lag.CumulativeCount(5), 100u);

  // The camera sends the batch again: the stream knows every read.
  Result<store::AppendResult> again = rig.reads->Append(batch);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->accepted, 0u);
  EXPECT_EQ(again->duplicates, 100u);
  EXPECT_EQ(Pending(*rig.s.stream, 0), 0u);
}

TEST_F(ClickHouseReadsTest, AFullStreamRefusesTheBatchAndTheBatchSentAgainIsStoredOnce) {
  FakeClock clock(1'790'000'000'000);
  StreamRig rig(Open(clock), clock, log_, 10);
  ASSERT_TRUE(rig.loader);
  const std::vector<read::Read> batch = Reads(15, clock.NowMillis() - 60'000);
  Result<store::AppendResult> full = rig.reads->Append(batch);
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.status().code(), StatusCode::kResourceExhausted) << full.status().message();
  EXPECT_NE(full.status().message().find("5 of 15"), std::string::npos) << full.status().message();
  // The loaders make room; the camera sends the whole batch again.
  ASSERT_EQ(rig.Load(10), 10u);
  ASSERT_EQ(Pending(*rig.s.stream, 0), 0u);
  Result<store::AppendResult> again = rig.reads->Append(batch);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->accepted, 5u);
  EXPECT_EQ(again->duplicates, 10u);
  ASSERT_EQ(rig.Load(5), 5u);
  EXPECT_EQ(Found(*rig.reads, "STREAM1"), 15u);
  EXPECT_EQ(*rig.tables->CountReads(), 15u);
}

TEST_F(ClickHouseReadsTest, ABatchLoadedTwiceBecauseItsAckWasLostIsAnsweredOnce) {
  FakeClock clock(1'790'000'000'000);
  StreamRig rig(Open(clock), clock, log_, 1'000'000, std::chrono::milliseconds(2000));
  ASSERT_TRUE(rig.loader);
  ASSERT_TRUE(rig.reads->Append(Reads(40, clock.NowMillis() - 60'000)).ok());
  // A loader inserts, then dies before acknowledging: the stream gives the
  // reads out again, and another loader inserts them a second time.
  {
    Result<Delivery> d = rig.s.stream->Fetch(1000, std::chrono::milliseconds(500));
    ASSERT_TRUE(d.ok());
    ASSERT_EQ(d->reads.size(), 40u);
    ASSERT_TRUE(rig.tables->Insert(d->reads, d->received).ok());
    d->Retry(std::chrono::milliseconds(0));
  }
  ASSERT_EQ(rig.Load(40), 40u);
  EXPECT_EQ(Found(*rig.reads, "STREAM1"), 40u);
  EXPECT_EQ(*rig.tables->CountReads(), 40u);
  EXPECT_EQ(Pending(*rig.s.stream, 0), 0u);
}

TEST_F(ClickHouseReadsTest, AMessageThatIsNotAReadIsTerminatedAndCounted) {
  FakeClock clock(1'790'000'000'000);
  StreamRig rig(Open(clock), clock, log_, 1'000'000, std::chrono::milliseconds(2000));
  ASSERT_TRUE(rig.loader);
  // Someone with access to NATS publishes on the reads' subject.
  natsConnection* nc = nullptr;
  ASSERT_EQ(natsConnection_ConnectTo(&nc, rig.s.nats.url().c_str()), NATS_OK);
  ASSERT_EQ(natsConnection_PublishString(nc, "interdict.reads.v1", "{\"not\":\"a read\"}"),
            NATS_OK);
  natsConnection_Flush(nc);
  natsConnection_Destroy(nc);
  Result<std::size_t> n = rig.loader->LoadOnce();
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(*n, 0u);
  EXPECT_EQ(rig.metrics
                .GetCounter("interdict_cluster_loader_refused_total",
                            "Messages in the reads' stream that were not a read.")
                .value(),
            1u);
  EXPECT_EQ(Pending(*rig.s.stream, 0), 0u);  // terminated: never given out again
}

TEST_F(ClickHouseReadsTest, AStreamWithOtherSettingsIsRefusedNamingThem) {
  test::TempDir dir;
  Stream s(dir, 1000);
  ASSERT_NE(s.stream, nullptr);
  ReadStreamOptions o;
  o.urls = s.nats.url();
  o.replicas = 1;
  o.max_messages = 2000;
  Result<std::unique_ptr<ReadStream>> other = ReadStream::Connect(o, log_);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(other.status().message().find("max_messages is 1000, configured 2000"),
            std::string::npos)
      << other.status().message();
}

TEST(ReadStreamTest, AMessageIdNamesTheReadWithSlashesEscaped) {
  read::Read r;
  r.agency = "MO.SLMPD";
  r.camera = "north/7";
  r.id = "50%/x";
  EXPECT_EQ(MessageId(r), "MO.SLMPD/north%2F7/50%25%2Fx");
}

TEST_F(ClickHouseReadsTest, MigrateCopiesAnEmbeddedStoreChecksItAndRefusesAFullTarget) {
  test::TempDir dir;
  const std::string data = dir.File("data");
  {
    store::StoreOptions so;
    so.dir = server::DataPaths(data).store();
    so.sync = store::SyncPolicy::kNone;
    so.background = false;
    Result<std::unique_ptr<store::Store>> st =
        store::Store::Open(so, store::Env::Posix(), Clock::System(), log_);
    ASSERT_TRUE(st.ok()) << st.status().message();
    bench::GeneratorOptions g;
    g.reads = 30'000;
    g.cameras = 40;
    g.days = 9;
    bench::ReadGenerator gen(g);
    std::vector<read::Read> batch;
    while (gen.Next(10'000, &batch)) ASSERT_TRUE((*st)->Append(std::move(batch)).ok());
    ASSERT_TRUE((*st)->Flush().ok());
  }
  const std::string to = "clickhouse:" + Node().name();
  test::RunResult first =
      test::RunProgram({INTERDICT_BINARY, "store", "migrate", "--from", data, "--to", to,
                        "--clickhouse-cluster", "interdict", "--unreplicated"},
                       std::chrono::minutes(3));
  EXPECT_EQ(first.code, 0) << first.err;
  EXPECT_NE(first.out.find("store migrate: ok"), std::string::npos) << first.out;
  EXPECT_NE(first.err.find("200 of 200 sampled plates answered alike"), std::string::npos)
      << first.err;
  FakeClock clock;
  std::unique_ptr<ClickHouseReads> reads = Open(clock);
  ASSERT_NE(reads, nullptr);
  EXPECT_EQ(*reads->CountReads(), 30'000u);
  test::RunResult verified = test::RunProgram(
      {INTERDICT_BINARY, "store", "verify", "--clickhouse", Node().name(), "--unreplicated"});
  EXPECT_EQ(verified.code, 0) << verified.err;

  // A second copy into the same tables is refused: it would not be checkable.
  test::RunResult again =
      test::RunProgram({INTERDICT_BINARY, "store", "migrate", "--from", data, "--to", to,
                        "--clickhouse-cluster", "interdict", "--unreplicated"},
                       std::chrono::minutes(1));
  EXPECT_NE(again.code, 0);
  EXPECT_NE(again.err.find("already holds 30000 reads"), std::string::npos) << again.err;
}

TEST_F(ClickHouseReadsTest, VerifyFindsATableThatLostItsReadsAndNamesTheNode) {
  FakeClock clock(1'790'000'000'000);
  std::unique_ptr<ClickHouseReads> reads = Open(clock);
  ASSERT_NE(reads, nullptr);
  ASSERT_TRUE(reads->Append(Reads(20, clock.NowMillis() - 60'000)).ok());
  std::vector<std::string> problems;
  EXPECT_TRUE(reads->Verify(&problems).ok());
  EXPECT_TRUE(problems.empty());
  // Someone deletes from one table behind Interdict's back.
  ASSERT_TRUE(reads->clickhouse()
                  .Run(Node(), "ALTER TABLE interdict.reads_by_camera_local DELETE WHERE id = '3'")
                  .ok());
  WaitForMutations(reads->clickhouse());
  Status s = reads->Verify(&problems);
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0],
            "shard 1 node " + Node().name() + ": 20 reads, but 19 in reads_by_camera_local");
  test::RunResult cli = test::RunProgram(
      {INTERDICT_BINARY, "store", "verify", "--clickhouse", Node().name(), "--unreplicated"});
  EXPECT_NE(cli.code, 0);
  EXPECT_NE(cli.err.find("problem: shard 1 node"), std::string::npos) << cli.err;
}

TEST_F(ClickHouseReadsTest, ManyQueriesAtOnceAnswerEachAsItsOwnQueryDoes) {
  FakeClock clock(1'790'000'000'000);
  std::unique_ptr<ClickHouseReads> reads = Open(clock);
  ASSERT_NE(reads, nullptr);
  std::vector<read::Read> batch = Reads(60, clock.NowMillis() - 600'000, "MANY1");
  for (std::size_t i = 0; i < batch.size(); ++i) {
    batch[i].camera = "c" + std::to_string(i % 3);
    if (i % 2) batch[i].plate = *plate::Plate::FromNormalized("MANY2");
  }
  ASSERT_TRUE(reads->Append(batch).ok());
  // Enough queries for several statements (each ~100 KB at most), of every
  // shape: by plate, by camera, pages after a cursor, and a filter applied
  // here that leaves a page short (answered by a query of its own).
  std::vector<store::ReadQuery> queries;
  std::vector<std::string> many_cameras;
  for (int i = 0; i < 400; ++i) many_cameras.push_back("unused-camera-" + std::to_string(i));
  for (int i = 0; i < 120; ++i) {
    store::ReadQuery q;
    q.agencies = {"AG00"};
    q.limit = 1 + static_cast<std::size_t>(i % 9);
    switch (i % 4) {
      case 0: q.plate = *plate::Plate::FromNormalized(i % 8 ? "MANY1" : "MANY2"); break;
      case 1:
        q.cameras = many_cameras;
        q.cameras.push_back("c" + std::to_string(i % 3));
        break;
      case 2:
        q.plate = *plate::Plate::FromNormalized("MANY2");
        q.after = store::ReadCursor{batch[31].time, "AG00", batch[31].camera, batch[31].id};
        break;
      default:
        q.pattern = *store::PlatePattern::Parse("MANY*");
        q.exclude = [](const read::Read& r) { return r.id.back() != '7'; };
    }
    queries.push_back(std::move(q));
  }
  // A convoy's passes: one camera, windows that overlap, some with more
  // reads than their limit (merged into one SELECT of ORed windows).
  for (int k = 0; k < 40; ++k) {
    store::ReadQuery q;
    q.agencies = {"AG00"};
    q.cameras = {"c" + std::to_string(k % 2)};
    q.from = batch[0].time + k * 1000;
    q.to = q.from + 9000;
    q.limit = 1 + static_cast<std::size_t>(k % 4);
    if (k % 5 == 0) q.exclude = [](const read::Read& r) { return r.id.back() == '3'; };
    queries.push_back(std::move(q));
  }
  Result<std::vector<store::QueryResult>> together = reads->QueryMany(queries);
  ASSERT_TRUE(together.ok()) << together.status().message();
  ASSERT_EQ(together->size(), queries.size());
  std::size_t found = 0;
  for (std::size_t i = 0; i < queries.size(); ++i) {
    Result<store::QueryResult> alone = reads->Query(queries[i]);
    ASSERT_TRUE(alone.ok());
    EXPECT_EQ((*together)[i].reads, alone->reads) << "query " << i;
    EXPECT_EQ((*together)[i].truncated, alone->truncated) << "query " << i;
    EXPECT_EQ((*together)[i].next.has_value(), alone->next.has_value()) << "query " << i;
    if (alone->next && (*together)[i].next) {
      EXPECT_EQ((*together)[i].next->id, alone->next->id) << "query " << i;
    }
    found += alone->reads.size();
  }
  EXPECT_GT(found, 300u);  // the answers hold something
}

TEST_F(ClickHouseReadsTest, TheServersSignInToClickHouseAndAWrongPasswordIsRefused) {
  FakeClock clock;
  ClickHouseReadsOptions o;
  o.shards = {{Node()}};
  o.replicated = false;
  o.user = {"default", "not the password"};
  Result<std::unique_ptr<ClickHouseReads>> refused = ClickHouseReads::Open(o, clock, log_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("password"), std::string::npos)
      << refused.status().message();
  o.user = {"nobody", ""};
  EXPECT_FALSE(ClickHouseReads::Open(o, clock, log_).ok());
  o.user = {"default", ""};  // the test server's only user
  EXPECT_TRUE(ClickHouseReads::Open(o, clock, log_).ok());
}

}  // namespace
}  // namespace interdict::cluster
