// The reads on a ClickHouse cluster (decision 0035, docs/format/cluster-reads.md):
// a store::ReadStore whose searches are SQL on the cluster's Distributed
// tables, with the same answers as the embedded store's; inserts by shard of
// plate into one replica, then the shard's other replicas synced; retention
// by dropped partitions and delete mutations, holds kept.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "cluster/clickhouse.h"
#include "store/read_store.h"

namespace interdict::cluster {

struct ClickHouseReadsOptions {
  ClickHouseShards shards;
  // The cluster's name in the nodes' <remote_servers>, over which the
  // Distributed tables read. Empty: one node and no Distributed tables.
  std::string cluster = "interdict";
  // ReplicatedReplacingMergeTree on ZooKeeper (the nodes' macros name
  // {shard} and {replica}); false: ReplacingMergeTree, one replica a shard.
  bool replicated = true;
  std::chrono::milliseconds timeout{60'000};
  ClickHouseUser user;
};

// The retention class of an agency's reads, by its non-hit period: which
// partitions they share (docs/format/cluster-reads.md).
int RetentionClass(const store::RetentionRule& rule);

// What a purge did, for the purge report.
struct ClusterPurge {
  std::vector<std::string> dropped_partitions;         // "(class,'week')" on each shard
  std::map<std::string, std::int64_t> deleted_before;  // agency → cutoff of the delete issued
};

class ClickHouseReads : public store::ReadStore {
 public:
  // Connects and creates what is missing of the schema on every node.
  static Result<std::unique_ptr<ClickHouseReads>> Open(ClickHouseReadsOptions options,
                                                       const Clock& clock, Logger& log);
  ~ClickHouseReads() override;

  // Whether retention keeps `r` now: unexpired, or held.
  bool Keeps(const read::Read& r) const;

  // Inserts reads straight into the tables (the loaders' path; `received` is
  // when the server accepted them). Reads already past their agency's
  // retention are refused. Inserting a read again stores no second answer.
  // Ok when every shard's insert is on one replica; `replicated` is set when
  // the shard's other replicas have it too.
  // `received` has one time for all reads, or one for each.
  Result<store::AppendResult> Insert(const std::vector<read::Read>& reads,
                                     const std::vector<std::int64_t>& received,
                                     bool* replicated = nullptr);

  // store::ReadStore. Append inserts straight away (tests, `store migrate`);
  // in a cluster the servers append through JetStream instead.
  Result<store::AppendResult> Append(std::vector<read::Read> reads) override;
  Result<store::QueryResult> Query(const store::ReadQuery& query) const override;
  // The queries' SELECTs in one statement (UNION ALL): one round trip.
  Result<std::vector<store::QueryResult>> QueryMany(
      const std::vector<store::ReadQuery>& queries) const override;
  std::vector<plate::Plate> KnownPlates(const std::vector<plate::Plate>& candidates) const override;
  std::string HoldFor(const read::Read& r) const override;
  void SetRetention(std::map<std::string, store::RetentionRule> by_agency) override;
  void SetHolds(std::vector<store::Hold> holds) override;

  // Drops the partitions whose reads have all expired and are not held, and
  // deletes the other expired reads that are not held, within the deadline
  // max(60 s, 5 % of the period) of each agency.
  Result<ClusterPurge> Purge();

  // Distinct reads stored (all agencies, expired but not purged included).
  Result<std::uint64_t> CountReads() const;

  // `store verify` of the cluster: on every node (after waiting for its
  // replication queue), both tables hold the same reads, the replicas of a
  // shard hold as many, and every read is on the shard of its plate.
  // Problems, each naming its node (never a plate), go to `problems`; OK
  // when there are none.
  Status Verify(std::vector<std::string>* problems) const;

  ClickHouse& clickhouse() { return *ch_; }

 private:
  ClickHouseReads(ClickHouseReadsOptions options, const Clock& clock, Logger& log);
  // Retention's verdict on a read at `now`: its agency's rule, whether it is
  // kept (unexpired, or held), and the hold keeping it past its period. mu_ held.
  struct Verdict {
    const store::RetentionRule* rule = nullptr;
    const store::Hold* hold = nullptr;
    bool kept = true;
  };
  Verdict JudgeLocked(const read::Read& r, std::int64_t now) const;
  struct Prepared;
  Result<Prepared> Prepare(const store::ReadQuery& q, std::int64_t now) const;
  // The SELECT of `p` after `after`, at most `fetch` rows, `tag` before the
  // read's columns.
  std::string Select(const Prepared& p, const std::optional<store::ReadCursor>& after,
                     std::size_t fetch, std::string_view tag) const;
  // Takes a page of rows (their first `skip` columns dropped) into `out`;
  // true when the query is answered, false when another page is needed.
  Result<bool> Absorb(const store::ReadQuery& q, const Prepared& p, std::vector<Row>& rows,
                      std::size_t skip, std::size_t fetch, store::QueryResult& out,
                      std::optional<store::ReadCursor>& after) const;
  Status CreateSchema();
  std::string Table(std::string_view name) const;  // the Distributed table, or the local one
  // Runs `statement` on each shard: on one replica when replicated (the
  // others follow through ZooKeeper), else on every node.
  Status OnEachShard(const std::string& statement);

  ClickHouseReadsOptions opts_;
  const Clock& clock_;
  Logger& log_;
  std::unique_ptr<ClickHouse> ch_;
  mutable std::mutex mu_;
  std::map<std::string, store::RetentionRule> retention_;
  std::vector<store::Hold> holds_;
  std::map<std::string, std::int64_t> purged_before_;  // agency → last delete's cutoff
  // Partitions found not yet droppable, and when to look at them again
  // (cleared when retention or holds change).
  std::map<std::string, std::int64_t> recheck_;
  std::size_t next_replica_ = 0;
};

}  // namespace interdict::cluster
