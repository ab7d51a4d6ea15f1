// The same answer from Interdict and from a peer (docs/bench-peers.md): a
// search's answer reduced to comparable rows, the peer's rows turned into
// that answer with the search's own rules (pages, ranking, a convoy's passes
// and chance baselines), and the check that two answers agree.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "base/status.h"
#include "bench/peer.h"
#include "search/search.h"

namespace interdict::bench {

// An answer as rows of text in the answer's order, and how many results
// there are before paging.
//   plate, partial: "agency/camera/id" newest first
//   lookalike:      "agency/camera/id" newest first, then "plate:match" (no peer has it)
//   area:           "plate:reads"            scenes: "plate:scenes:reads"
//   convoy:         "plate:together"         route:  "agency/camera/id" oldest first
//   locate:         "agency/camera:reads:hour=n,hour=n…"
struct Canonical {
  std::vector<std::string> rows;
  std::size_t total = 0;
};

// Interdict's answer, reduced.
Canonical Reduce(const search::Request& req, const search::Answer& answer);

// The question of `req` (with the cameras its plan found) asked of a peer.
Result<Canonical> AskPeer(Peer& peer, const search::Request& req, const search::Plan& plan);

// "" when the two agree; otherwise what differs. A convoy's page is compared
// as a set (its order depends on floating-point sums of chance).
std::string Differ(const search::Request& req, const Canonical& interdict, const Canonical& peer);

}  // namespace interdict::bench
