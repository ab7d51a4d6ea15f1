// `interdict bench ingest`: the whole ingest path on loopback. A real server
// (its own data directory, durable store, catalog, hotlists) and a client
// sending NDJSON batches over HTTP with an integration key; one read in each
// batch is on the hotlist, and a subscriber on the alert stream times each hit
// from the start of its request to its arrival as a server-sent event.
#pragma once

#include <cstdint>
#include <string>

namespace interdict::bench {

struct IngestBenchOptions {
  std::uint64_t reads = 1'000'000;
  std::uint64_t batch = 1000;
  std::uint64_t entries = 100'000;  // hotlist entries loaded before the run
  int clients = 1;                  // concurrent HTTP clients
  // When > 0: once a tenth of the batches are sent, the hotlist is reloaded
  // through the API with this many entries while ingest goes on, and the
  // request latency of batches during the reload is reported apart.
  std::uint64_t reload = 0;
  std::string dir;  // working directory; default a new one under /tmp
  bool keep = false;
};

int RunIngestBench(const IngestBenchOptions& options);

}  // namespace interdict::bench
