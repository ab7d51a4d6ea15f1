// `interdict bench api`: the API under an analysts' load, on one server with
// the SQLite catalog, one with PostgreSQL, or several sharing PostgreSQL (and
// NATS for live alerts), for the cluster's figures (docs/performance.md).
//
// Everything is real and on loopback: the servers (in this process, each with
// its own data directory and store), a PostgreSQL and a nats-server of the
// benchmark's own. Closed-loop clients, one signed-in analyst each, spread
// over the servers as a load balancer would, send a console's mix: searches
// with a purpose, the hit list, the hotlists, the session's person. Beside
// them one camera sends a batch with a listed plate to the first server at a
// steady rate, and a subscriber on the last server's alert stream times each
// hit from the batch's sending to its arrival: across servers when there are
// several. One JSON object out.
#pragma once

#include <cstdint>
#include <string>

namespace interdict::bench {

struct ApiBenchOptions {
  std::string catalog = "sqlite";  // or "postgresql"
  int servers = 1;                 // more than one wants postgresql
  int connections = 4;             // each server's to PostgreSQL (catalog.postgresql.connections)
  int clients = 8;                 // concurrent analysts
  int seconds = 20;                // measured, after a 2-second warm-up
  std::uint64_t reads = 200'000;   // in each server's store before the run
  int alerts_per_s = 20;           // the camera's batches with a listed plate
  std::string dir;                 // working directory; empty: a new one under /tmp
  bool keep = false;
};

int RunApiBench(const ApiBenchOptions& options);

}  // namespace interdict::bench
