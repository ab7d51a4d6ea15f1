#include "bench/peer_answers.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <fmt/core.h>

namespace interdict::bench {
namespace {

std::string Key(const read::Read& r) {
  return r.agency + "/" + r.camera + "/" + r.id;
}

std::string SpotRow(const std::string& agency, const std::string& camera, std::int64_t reads,
                    const std::map<int, std::int64_t>& hours) {
  std::string row = fmt::format("{}/{}:{}:", agency, camera, reads);
  for (const auto& [hour, n] : hours) row += fmt::format("{}={},", hour, n);
  return row;
}

template <typename T>
void PageOf(std::vector<T>& items, const search::Request& req, Canonical& c) {
  c.total = items.size();
  if (req.offset >= items.size()) {
    items.clear();
    return;
  }
  items.erase(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(req.offset));
  if (items.size() > req.limit) items.resize(req.limit);
}

Result<Canonical> PeerConvoy(Peer& peer, const search::Request& req, const search::Plan& plan) {
  const std::string target = req.plate->str();
  Result<std::vector<PeerRead>> reads = peer.PlateReads(target, plan.query.from, plan.query.to);
  if (!reads.ok()) return reads.status();
  // The target's passes: a sighting at a camera where it was not already seen
  // within the window.
  std::sort(reads->begin(), reads->end(), [](const PeerRead& x, const PeerRead& y) {
    return std::tie(x.agency, x.camera, x.time) < std::tie(y.agency, y.camera, y.time);
  });
  std::vector<Pass> passes;
  for (const PeerRead& r : *reads) {
    if (!passes.empty() && passes.back().agency == r.agency && passes.back().camera == r.camera &&
        r.time - passes.back().time <= req.window_ms)
      continue;
    passes.push_back({r.agency, r.camera, r.time});
  }
  Result<std::vector<PassPlate>> near = peer.PlatesNear(passes, req.window_ms);
  if (!near.ok()) return near.status();
  const search::Relation rel(*req.plate);
  std::map<std::string, bool> related;
  struct Companion {
    std::string plate;
    std::set<std::size_t> passes;
    std::set<std::string> cameras;
    double expected = 0;
  };
  std::map<std::string, Companion> companions;
  for (const PassPlate& pp : *near) {
    if (pp.plate == target) continue;
    auto [it, fresh] = related.try_emplace(pp.plate, false);
    if (fresh) {
      Result<plate::Plate> p = plate::Plate::FromNormalized(pp.plate);
      it->second = !p.ok() || !rel.KindOf(*p).empty();
    }
    if (it->second) continue;
    Companion& c = companions[pp.plate];
    c.plate = pp.plate;
    c.passes.insert(pp.pass);
    c.cameras.insert(passes[pp.pass].agency + "/" + passes[pp.pass].camera);
  }
  std::vector<Companion*> repeated;
  for (auto& [plate, c] : companions) {
    if (static_cast<std::int64_t>(c.passes.size()) >= req.min_together) repeated.push_back(&c);
  }
  std::sort(repeated.begin(), repeated.end(), [](const Companion* x, const Companion* y) {
    return x->passes.size() > y->passes.size();
  });
  if (repeated.size() > search::kMaxCompanions) repeated.resize(search::kMaxCompanions);
  // Chance: each plate's own reads at the target's cameras over the period.
  std::vector<std::string> plates;
  for (const Companion* c : repeated) plates.push_back(c->plate);
  Result<std::vector<CameraCount>> counts =
      peer.CameraCounts(plates, plan.query.from, plan.query.to);
  if (!counts.ok()) return counts.status();
  std::map<std::string, std::map<std::string, std::int64_t>> own;  // plate → camera → reads
  for (const CameraCount& cc : *counts) own[cc.plate][cc.agency + "/" + cc.camera] += cc.reads;
  std::map<std::string, std::int64_t> target_passes_at;
  for (const Pass& p : passes) ++target_passes_at[p.agency + "/" + p.camera];
  const double period = static_cast<double>(req.to - req.from);
  for (Companion* c : repeated) {
    const auto& at = own[c->plate];
    for (const auto& [camera, n] : target_passes_at) {
      auto it = at.find(camera);
      if (it != at.end())
        c->expected += static_cast<double>(n) * static_cast<double>(it->second) *
                       static_cast<double>(2 * req.window_ms) / period;
    }
  }
  std::sort(repeated.begin(), repeated.end(), [](const Companion* x, const Companion* y) {
    const double ex = static_cast<double>(x->passes.size()) - x->expected;
    const double ey = static_cast<double>(y->passes.size()) - y->expected;
    if (ex != ey) return ex > ey;
    if (x->cameras.size() != y->cameras.size()) return x->cameras.size() > y->cameras.size();
    return x->plate < y->plate;
  });
  Canonical c;
  PageOf(repeated, req, c);
  for (const Companion* r : repeated)
    c.rows.push_back(fmt::format("{}:{}", r->plate, r->passes.size()));
  return c;
}

}  // namespace

Canonical Reduce(const search::Request& req, const search::Answer& a) {
  Canonical c;
  c.total = a.total;
  if (req.type == search::SearchType::kPlate || req.type == search::SearchType::kPartial) {
    for (const search::Sighting& s : a.reads) c.rows.push_back(Key(s.read));
    c.total = c.rows.size();
  } else if (req.type == search::SearchType::kLookalike) {
    for (const search::Sighting& s : a.reads) c.rows.push_back(Key(s.read));
    for (const search::PlateGroup& g : a.groups)
      c.rows.push_back(fmt::format("{}:{}", g.plate, g.match));
    c.total = c.rows.size();
  } else if (req.type == search::SearchType::kArea) {
    for (const search::PlateGroup& g : a.groups)
      c.rows.push_back(fmt::format("{}:{}", g.plate, g.reads));
  } else if (req.type == search::SearchType::kScenes) {
    for (const search::PlateGroup& g : a.groups)
      c.rows.push_back(fmt::format("{}:{}:{}", g.plate, g.scenes.size(), g.reads));
  } else if (req.type == search::SearchType::kConvoy) {
    for (const search::PlateGroup& g : a.groups)
      c.rows.push_back(fmt::format("{}:{}", g.plate, g.together));
  } else if (req.type == search::SearchType::kLocate) {
    for (const search::Spot& s : a.spots)
      c.rows.push_back(SpotRow(s.agency, s.camera, s.reads, s.hours));
  } else if (req.type == search::SearchType::kRoute) {
    for (const search::Leg& l : a.legs) c.rows.push_back(Key(l.at.read));
  }
  return c;
}

Result<Canonical> AskPeer(Peer& peer, const search::Request& req, const search::Plan& plan) {
  const std::int64_t from = plan.query.from, to = plan.query.to;
  Canonical c;
  if (req.type == search::SearchType::kPlate || req.type == search::SearchType::kPartial) {
    Result<std::vector<std::string>> keys =
        req.type == search::SearchType::kPlate
            ? peer.PlateKeys(req.plate->str(), from, to, req.limit)
            : peer.PatternKeys(req.pattern->text(), from, to, req.limit);
    if (!keys.ok()) return keys.status();
    c.rows = std::move(keys).value();
    c.total = c.rows.size();
    return c;
  }
  if (req.type == search::SearchType::kArea || req.type == search::SearchType::kScenes) {
    std::vector<CameraWindow> windows;
    if (req.type == search::SearchType::kArea) {
      windows.push_back({plan.query.area->cameras, from, to});
    } else {
      for (std::size_t i = 0; i < req.scenes.size(); ++i)
        windows.push_back({plan.scene_areas[i].cameras, req.scenes[i].from, req.scenes[i].to});
    }
    Result<std::vector<PlateCount>> counts = peer.PlatesAt(windows);
    if (!counts.ok()) return counts.status();
    struct Group {
      std::string plate;
      std::set<int> scenes;
      std::int64_t reads = 0;
    };
    std::map<std::string, Group> by_plate;
    for (const PlateCount& pc : *counts) {
      Group& g = by_plate[pc.plate];
      g.plate = pc.plate;
      g.reads += pc.reads;
      g.scenes.insert(pc.scene);
    }
    std::vector<Group> groups;
    for (auto& [plate, g] : by_plate) {
      if (req.type == search::SearchType::kArea || g.scenes.size() >= req.k)
        groups.push_back(std::move(g));
    }
    std::sort(groups.begin(), groups.end(), [&](const Group& x, const Group& y) {
      return std::tuple(y.scenes.size(), y.reads, x.plate) <
             std::tuple(x.scenes.size(), x.reads, y.plate);
    });
    PageOf(groups, req, c);
    for (const Group& g : groups) {
      c.rows.push_back(req.type == search::SearchType::kArea
                           ? fmt::format("{}:{}", g.plate, g.reads)
                           : fmt::format("{}:{}:{}", g.plate, g.scenes.size(), g.reads));
    }
    return c;
  }
  if (req.type == search::SearchType::kConvoy) return PeerConvoy(peer, req, plan);
  if (req.type == search::SearchType::kLocate) {
    Result<std::vector<CameraCount>> counts = peer.HourCounts(req.plate->str(), from, to);
    if (!counts.ok()) return counts.status();
    struct Spot {
      std::string agency, camera;
      std::int64_t reads = 0;
      std::map<int, std::int64_t> hours;
    };
    std::map<std::string, Spot> by_camera;
    for (const CameraCount& cc : *counts) {
      Spot& s = by_camera[cc.agency + "/" + cc.camera];
      s.agency = cc.agency;
      s.camera = cc.camera;
      s.reads += cc.reads;
      s.hours[cc.hour] += cc.reads;
    }
    std::vector<Spot> spots;
    for (auto& [camera, s] : by_camera) spots.push_back(std::move(s));
    std::sort(spots.begin(), spots.end(), [](const Spot& x, const Spot& y) {
      return std::tie(y.reads, x.agency, x.camera) < std::tie(x.reads, y.agency, y.camera);
    });
    PageOf(spots, req, c);
    for (const Spot& s : spots) c.rows.push_back(SpotRow(s.agency, s.camera, s.reads, s.hours));
    return c;
  }
  if (req.type == search::SearchType::kRoute) {
    Result<std::vector<PeerRead>> reads = peer.PlateReads(req.plate->str(), from, to);
    if (!reads.ok()) return reads.status();
    // Oldest first; ties as the search orders them (the reverse of newest first).
    std::sort(reads->begin(), reads->end(), [](const PeerRead& x, const PeerRead& y) {
      return std::tie(x.time, y.agency, y.camera, y.key) <
             std::tie(y.time, x.agency, x.camera, x.key);
    });
    PageOf(*reads, req, c);
    for (const PeerRead& r : *reads) c.rows.push_back(r.key);
    return c;
  }
  return Status::InvalidArgument(std::string("bench peers: no peer question for search type ") +
                                 std::string(search::Describe(req.type).name));
}

std::string Differ(const search::Request& req, const Canonical& a, const Canonical& b) {
  if (a.total != b.total) return fmt::format("{} results against {}", a.total, b.total);
  std::vector<std::string> x = a.rows, y = b.rows;
  if (req.type == search::SearchType::kConvoy) {
    std::sort(x.begin(), x.end());
    std::sort(y.begin(), y.end());
  }
  if (x.size() != y.size()) return fmt::format("{} rows against {}", x.size(), y.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (x[i] != y[i]) return fmt::format("row {}: {} against {}", i, x[i], y[i]);
  }
  return "";
}

}  // namespace interdict::bench
