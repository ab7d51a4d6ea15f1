// The reads' stream on NATS JetStream (decision 0035, docs/format/cluster-reads.md):
// a server publishes each accepted batch and answers the camera only once
// every read is stored on a quorum of the stream's replicas; loaders fetch
// from the one shared durable consumer, insert into ClickHouse and then
// acknowledge. Thread-safe for publishing; one loader thread fetches.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/status.h"
#include "read/read.h"

namespace interdict::cluster {

struct ReadStreamOptions {
  std::string urls;   // nats://host:port, comma-separated
  std::string token;  // empty: none
  int replicas = 3;
  std::int64_t max_bytes = std::int64_t{8} << 30;
  std::int64_t max_messages = 10'000'000;
  std::chrono::milliseconds publish_timeout{10'000};
};

// The identity of a read as the stream's message id: "AGENCY/CAMERA/ID",
// with '%' and '/' in the camera and id written %25 and %2F.
std::string MessageId(const read::Read& r);

// A fetched batch: the reads, when each was accepted (epoch ms), and the
// messages to acknowledge once they are in ClickHouse.
class Delivery {
 public:
  Delivery() = default;
  ~Delivery();
  Delivery(Delivery&&) noexcept;
  Delivery& operator=(Delivery&&) noexcept;

  std::vector<read::Read> reads;
  std::vector<std::int64_t> received;
  std::size_t refused = 0;  // messages that were not a read (terminated, never redelivered)

  // Acknowledges every read: the stream removes them.
  void Ack();
  // Asks for every read again after `delay`.
  void Retry(std::chrono::milliseconds delay);

 private:
  friend class ReadStream;
  struct Messages;
  std::unique_ptr<Messages> messages_;
};

class ReadStream {
 public:
  // Connects, creates the stream and the loaders' consumer where missing, and
  // refuses (FailedPrecondition naming the setting) a stream whose settings
  // differ from `options`.
  static Result<std::unique_ptr<ReadStream>> Connect(const ReadStreamOptions& options, Logger& log);
  ~ReadStream();
  ReadStream(const ReadStream&) = delete;
  ReadStream& operator=(const ReadStream&) = delete;

  // Stores the reads, accepted at `received`; for each, whether it is new
  // (false: the stream already had it, within the duplicate window). An
  // error means some were not stored: ResourceExhausted when the stream is
  // full, Unavailable when NATS did not answer in time. The caller answers
  // 503 and the camera sends the batch again.
  Result<std::vector<bool>> Publish(const std::vector<read::Read>& reads, std::int64_t received);

  // Up to `max` reads, waiting at most `wait` for the first. An empty
  // delivery when there were none.
  Result<Delivery> Fetch(int max, std::chrono::milliseconds wait);

  // Messages in the stream: reads not yet loaded into ClickHouse.
  Result<std::uint64_t> Pending();

  // Whether `holder` leads `job` now (one server of all runs it): true while
  // it holds the job's key in the KV bucket INTERDICT_LEASES, which it takes
  // when no one holds it and keeps by calling again within `kLeaseTtl`.
  static constexpr std::chrono::seconds kLeaseTtl{120};
  Result<bool> Lead(const std::string& job, const std::string& holder);

 private:
  struct Impl;
  explicit ReadStream(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace interdict::cluster
