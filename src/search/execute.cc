// Running a planned search on the store: read lists page through the store
// with its cursors; the aggregates gather every read they need (refusing more
// than kMaxGathered) and page through their own results.
#include <algorithm>
#include <array>
#include <cctype>
#include <functional>
#include <map>
#include <span>
#include <tuple>

#include <fmt/core.h>

#include "base/time_zone.h"
#include "match/matcher.h"
#include "search/search.h"

namespace interdict::search {
namespace {

constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::int64_t kHourMs = 3'600'000;
// Camera positions and clocks are not exact: a jump shorter than this is never
// called impossible, however short the time.
constexpr double kMinImpossibleMeters = 1000;

bool Same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

// The vehicle-attribute filters; a read without the attribute does not pass.
bool Passes(const Request& req, const read::Read& r) {
  return (req.make.empty() || Same(r.vehicle.make, req.make)) &&
         (req.model.empty() || Same(r.vehicle.model, req.model)) &&
         (req.color.empty() || Same(r.vehicle.color, req.color)) &&
         (req.body.empty() || Same(r.vehicle.body, req.body));
}

bool Newer(const read::Read& a, const read::Read& b) {
  return std::tie(b.time, a.agency, a.camera, a.id) < std::tie(a.time, b.agency, b.camera, b.id);
}

std::string CameraKey(const read::Read& r) {
  return r.agency + "/" + r.camera;
}

// Every plate the matcher's rules relate to `p`: up to two substitutions
// within the look-alike classes, and one insertion, deletion or substitution.
// In plate order, without duplicates. Each variant is built in a fixed buffer
// (a plate is at most 10 characters): a 7-character plate has ~600 of them,
// and this runs on every plate search.
std::vector<plate::Plate> LookalikeCandidates(const plate::Plate& p) {
  const auto& classes = plate::LookalikeClasses::Default();
  constexpr std::string_view kChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const std::string_view s = p.text();
  std::vector<plate::Plate> plates;
  plates.reserve(40 * (s.size() + 1));
  std::array<char, plate::Plate::kMaxLength + 1> buf{};
  auto add = [&](std::size_t n) {
    if (Result<plate::Plate> q = plate::Plate::FromNormalized({buf.data(), n}); q.ok())
      plates.push_back(*q);
  };
  auto reset = [&] { std::copy(s.begin(), s.end(), buf.begin()); };
  plates.push_back(p);
  for (std::size_t i = 0; i < s.size(); ++i) {
    for (char a : classes.Members(s[i])) {
      if (a == s[i]) continue;
      reset();
      buf[i] = a;
      add(s.size());
      for (std::size_t j = i + 1; j < s.size(); ++j) {
        for (char b : classes.Members(s[j])) {
          if (b == s[j]) continue;
          buf[j] = b;
          add(s.size());
        }
        buf[j] = s[j];
      }
    }
  }
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i < s.size()) {  // a deletion
      std::copy(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(i), buf.begin());
      std::copy(s.begin() + static_cast<std::ptrdiff_t>(i) + 1, s.end(),
                buf.begin() + static_cast<std::ptrdiff_t>(i));
      add(s.size() - 1);
    }
    for (char c : kChars) {
      if (s.size() < plate::Plate::kMaxLength) {  // an insertion
        std::copy(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(i), buf.begin());
        buf[i] = c;
        std::copy(s.begin() + static_cast<std::ptrdiff_t>(i), s.end(),
                  buf.begin() + static_cast<std::ptrdiff_t>(i) + 1);
        add(s.size() + 1);
      }
      if (i < s.size() && c != s[i]) {  // a substitution
        reset();
        buf[i] = c;
        add(s.size());
      }
    }
  }
  std::sort(plates.begin(), plates.end());
  plates.erase(std::unique(plates.begin(), plates.end()), plates.end());
  return plates;
}

// Every read of `q` that passes the filters; more than kMaxGathered is a
// request too wide to answer whole, refused naming `what` to narrow.
Result<std::vector<read::Read>> Gather(const store::ReadStore& store, store::ReadQuery q,
                                       const Request& req, std::string_view what) {
  q.limit = kMaxGathered;
  q.after.reset();
  Result<store::QueryResult> r = store.Query(q);
  if (!r.ok()) return r.status();
  if (r->truncated) {
    return Status::InvalidArgument(fmt::format(
        "{}: more than {} reads match; narrow the time window, the area or the agencies", what,
        kMaxGathered));
  }
  std::vector<read::Read> out;
  out.reserve(r->reads.size());
  for (read::Read& rd : r->reads) {
    if (Passes(req, rd)) out.push_back(std::move(rd));
  }
  return out;
}

// Gather for several queries at once (one round trip on a store that has
// them); `what(i)` names the i-th for the refusal.
Result<std::vector<std::vector<read::Read>>> GatherMany(
    const store::ReadStore& store, std::vector<store::ReadQuery> queries, const Request& req,
    const std::function<std::string(std::size_t)>& what) {
  for (store::ReadQuery& q : queries) {
    q.limit = kMaxGathered;
    q.after.reset();
  }
  Result<std::vector<store::QueryResult>> results = store.QueryMany(queries);
  if (!results.ok()) return results.status();
  std::vector<std::vector<read::Read>> out(results->size());
  for (std::size_t i = 0; i < results->size(); ++i) {
    store::QueryResult& r = (*results)[i];
    if (r.truncated) {
      return Status::InvalidArgument(fmt::format(
          "{}: more than {} reads match; narrow the time window, the area or the agencies", what(i),
          kMaxGathered));
    }
    for (read::Read& rd : r.reads) {
      if (Passes(req, rd)) out[i].push_back(std::move(rd));
    }
  }
  return out;
}

void AddTo(PlateGroup& g, const read::Read& r, int scene) {
  if (g.reads == 0) {
    g.plate = r.plate.str();
    g.first = g.last = r.time;
  }
  ++g.reads;
  g.first = std::min(g.first, r.time);
  g.last = std::max(g.last, r.time);
  if (r.state.known()) g.states.insert(std::string(r.state.code()));
  ++g.cameras[CameraKey(r)];
  g.agencies.insert(r.agency);
  if (scene >= 0) g.scenes.insert(scene);
  g.sightings.push_back({r, "", scene});
}

// Keeps the newest kSightingsPerGroup sightings of each group.
void TrimSightings(std::vector<PlateGroup>& groups) {
  for (PlateGroup& g : groups) {
    std::sort(g.sightings.begin(), g.sightings.end(),
              [](const Sighting& a, const Sighting& b) { return Newer(a.read, b.read); });
    if (g.sightings.size() > kSightingsPerGroup) g.sightings.resize(kSightingsPerGroup);
  }
}

template <typename T>
void Page(std::vector<T>& items, const Request& req, Answer& a) {
  a.total = items.size();
  if (req.offset >= items.size()) {
    items.clear();
    return;
  }
  items.erase(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(req.offset));
  if (items.size() > req.limit) {
    items.resize(req.limit);
    a.truncated = true;
    a.next_offset = req.offset + req.limit;
  }
}

Status ReadList(const store::ReadStore& store, const Request& req, const Plan& plan, Answer& a) {
  store::ReadQuery q = plan.query;
  // Attribute filters apply after the store: fetch pages until enough pass.
  for (int pages = 0;; ++pages) {
    Result<store::QueryResult> r = store.Query(q);
    if (!r.ok()) return r.status();
    for (read::Read& rd : r->reads) {
      if (!Passes(req, rd)) continue;
      if (a.reads.size() < req.limit) {
        a.reads.push_back({std::move(rd), "", -1});
      } else {
        a.truncated = true;
      }
    }
    if (a.reads.size() >= req.limit || !r->truncated || pages == 50) {
      a.truncated = a.truncated || r->truncated;
      break;
    }
    q.after = r->next;
  }
  if (a.truncated && !a.reads.empty()) {
    const read::Read& last = a.reads.back().read;
    a.next = store::ReadCursor{last.time, last.agency, last.camera, last.id};
  }
  return Status::Ok();
}

// Look-alike plates the store holds (the plate itself too when `with_self`).
std::vector<plate::Plate> KnownLookalikes(const store::ReadStore& store, const plate::Plate& p,
                                          bool with_self) {
  std::vector<plate::Plate> candidates = LookalikeCandidates(p);
  if (!with_self) std::erase(candidates, p);
  return store.KnownPlates(candidates);
}

Status Lookalike(const store::ReadStore& store, const Request& req, const Plan& plan, Answer& a) {
  // One exact query per related plate the store holds; the newest `limit`
  // reads of all of them, continuing after the cursor.
  std::vector<read::Read> all;
  for (const plate::Plate& candidate : KnownLookalikes(store, *req.plate, true)) {
    store::ReadQuery q = plan.query;
    q.plate = candidate;
    for (int pages = 0;; ++pages) {
      Result<store::QueryResult> r = store.Query(q);
      if (!r.ok()) return r.status();
      std::size_t passed = 0;
      for (read::Read& rd : r->reads) {
        if (Passes(req, rd)) {
          all.push_back(std::move(rd));
          ++passed;
        }
      }
      if (!r->truncated || passed >= req.limit || pages == 50) {
        a.truncated = a.truncated || r->truncated;
        break;
      }
      q.after = r->next;
    }
  }
  std::sort(all.begin(), all.end(), Newer);
  if (all.size() > req.limit) {
    all.resize(req.limit);
    a.truncated = true;
  }
  // The page's plates, each labelled with how it relates to the one asked for.
  const Relation rel(*req.plate);
  std::map<std::string, PlateGroup> labels;
  for (read::Read& r : all) {
    PlateGroup& g = labels[r.plate.str()];
    if (g.plate.empty()) {
      g.plate = r.plate.str();
      g.match = rel.KindOf(r.plate);
      if (g.match.empty()) g.match = "one_edit";
    }
    a.reads.push_back({std::move(r), "", -1});
  }
  for (auto& [plate, g] : labels) a.groups.push_back(std::move(g));
  if (a.truncated && !a.reads.empty()) {
    const read::Read& last = a.reads.back().read;
    a.next = store::ReadCursor{last.time, last.agency, last.camera, last.id};
  }
  return Status::Ok();
}

// A plate search offers the look-alikes seen in the same window apart from
// its results (first page only): each plate with its reads and match kind.
Status OfferLookalikes(const store::ReadStore& store, const Request& req, const Plan& plan,
                       Answer& a) {
  const Relation rel(*req.plate);
  const std::vector<plate::Plate> candidates = KnownLookalikes(store, *req.plate, false);
  std::vector<store::ReadQuery> queries;
  for (const plate::Plate& candidate : candidates) {
    store::ReadQuery q = plan.query;
    q.plate = candidate;
    queries.push_back(std::move(q));
  }
  Result<std::vector<std::vector<read::Read>>> found =
      GatherMany(store, std::move(queries), req, [](std::size_t) { return "params.plate"; });
  if (!found.ok()) return found.status();
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const std::vector<read::Read>& reads = (*found)[i];
    if (reads.empty()) continue;
    PlateGroup g;
    for (const read::Read& r : reads) {
      AddTo(g, r, -1);
      a.owners.insert(r.agency);
    }
    g.match = rel.KindOf(candidates[i]);
    if (g.match.empty()) g.match = "one_edit";
    a.groups.push_back(std::move(g));
  }
  std::sort(a.groups.begin(), a.groups.end(), [](const PlateGroup& x, const PlateGroup& y) {
    return std::tie(y.reads, x.plate) < std::tie(x.reads, y.plate);
  });
  TrimSightings(a.groups);
  return Status::Ok();
}

Status Area(const store::ReadStore& store, const Request& req, const Plan& plan, Answer& a) {
  Result<std::vector<read::Read>> reads = Gather(store, plan.query, req, "params");
  if (!reads.ok()) return reads.status();
  std::map<std::string, PlateGroup> by_plate;
  for (const read::Read& r : *reads) AddTo(by_plate[r.plate.str()], r, -1);
  for (auto& [plate, g] : by_plate) a.groups.push_back(std::move(g));
  std::sort(a.groups.begin(), a.groups.end(), [](const PlateGroup& x, const PlateGroup& y) {
    return std::tie(y.reads, x.plate) < std::tie(x.reads, y.plate);
  });
  return Status::Ok();
}

Status Scenes(const store::ReadStore& store, const Request& req, const Plan& plan, Answer& a) {
  std::map<std::string, PlateGroup> by_plate;
  std::vector<store::ReadQuery> queries;
  for (std::size_t i = 0; i < req.scenes.size(); ++i) {
    store::ReadQuery q = plan.query;
    q.area = plan.scene_areas[i];
    q.from = req.scenes[i].from;
    q.to = req.scenes[i].to;
    queries.push_back(std::move(q));
  }
  Result<std::vector<std::vector<read::Read>>> found =
      GatherMany(store, std::move(queries), req,
                 [](std::size_t i) { return fmt::format("params.scenes[{}]", i); });
  if (!found.ok()) return found.status();
  for (std::size_t i = 0; i < found->size(); ++i) {
    for (const read::Read& r : (*found)[i]) AddTo(by_plate[r.plate.str()], r, static_cast<int>(i));
  }
  for (auto& [plate, g] : by_plate) {
    if (g.scenes.size() >= req.k) a.groups.push_back(std::move(g));
  }
  std::sort(a.groups.begin(), a.groups.end(), [](const PlateGroup& x, const PlateGroup& y) {
    return std::tuple(y.scenes.size(), y.reads, x.plate) <
           std::tuple(x.scenes.size(), x.reads, y.plate);
  });
  return Status::Ok();
}

Status Convoy(const store::ReadStore& store, const Request& req, const Plan& plan, Answer& a) {
  Result<std::vector<read::Read>> target = Gather(store, plan.query, req, "filters.from");
  if (!target.ok()) return target.status();
  a.target_reads = static_cast<std::int64_t>(target->size());
  // The target's passes: a sighting at a camera where it was not already seen
  // within Δt (a car read twice as it passes is one pass).
  std::vector<const read::Read*> passes;
  {
    std::vector<const read::Read*> sorted;
    for (const read::Read& r : *target) sorted.push_back(&r);
    std::sort(sorted.begin(), sorted.end(), [](const read::Read* x, const read::Read* y) {
      return std::tie(x->agency, x->camera, x->time) < std::tie(y->agency, y->camera, y->time);
    });
    for (const read::Read* r : sorted) {
      if (!passes.empty() && passes.back()->agency == r->agency &&
          passes.back()->camera == r->camera && r->time - passes.back()->time <= req.window_ms)
        continue;
      passes.push_back(r);
    }
  }
  const Relation rel(*req.plate);
  struct Companion {
    PlateGroup group;
    std::set<std::size_t> passes;
  };
  std::map<std::string, Companion> companions;
  std::map<std::string, std::int64_t> target_passes_at;  // camera → passes
  std::vector<store::ReadQuery> windows;
  for (const read::Read* t : passes) {
    ++target_passes_at[CameraKey(*t)];
    a.owners.insert(t->agency);
    store::ReadQuery q;
    q.agencies = {t->agency};
    q.cameras = {t->camera};
    q.exclude = plan.query.exclude;
    q.from = t->time - req.window_ms;
    q.to = t->time + req.window_ms + 1;
    windows.push_back(std::move(q));
  }
  Result<std::vector<std::vector<read::Read>>> near =
      GatherMany(store, std::move(windows), req, [](std::size_t) { return "params.window_s"; });
  if (!near.ok()) return near.status();
  for (std::size_t i = 0; i < passes.size(); ++i) {
    for (const read::Read& r : (*near)[i]) {
      if (r.plate == *req.plate) continue;
      if (!rel.KindOf(r.plate).empty()) {
        ++a.excluded;  // the target itself, misread
        continue;
      }
      Companion& c = companions[r.plate.str()];
      if (c.passes.insert(i).second) AddTo(c.group, r, -1);
    }
  }
  std::vector<Companion*> repeated;
  for (auto& [plate, c] : companions) {
    c.group.together = static_cast<std::int64_t>(c.passes.size());
    if (c.group.together >= req.min_together) repeated.push_back(&c);
  }
  std::sort(repeated.begin(), repeated.end(), [](const Companion* x, const Companion* y) {
    return x->group.together > y->group.together;
  });
  // Chance: a plate that passes a camera n times in the period meets each of
  // the target's passes there with probability about n × 2Δt / period.
  if (repeated.size() > kMaxCompanions) repeated.resize(kMaxCompanions);
  const double period = static_cast<double>(req.to - req.from);
  // Each companion's own reads, a chunk of companions at a time (one round
  // trip each on a store that answers many queries at once; a bounded
  // number of reads in memory).
  constexpr std::size_t kCompanionsAtOnce = 64;
  for (std::size_t from = 0; from < repeated.size(); from += kCompanionsAtOnce) {
    const std::size_t to = std::min(repeated.size(), from + kCompanionsAtOnce);
    std::vector<store::ReadQuery> own_queries;
    for (std::size_t k = from; k < to; ++k) {
      store::ReadQuery q = plan.query;
      q.plate = *plate::Plate::FromNormalized(repeated[k]->group.plate);
      q.state.reset();
      q.limit = kMaxGathered;
      own_queries.push_back(std::move(q));
    }
    Result<std::vector<store::QueryResult>> owns = store.QueryMany(own_queries);
    if (!owns.ok()) return owns.status();
    for (std::size_t k = from; k < to; ++k) {
      Companion* c = repeated[k];
      std::map<std::string, std::int64_t> at;
      for (const read::Read& r : (*owns)[k - from].reads) ++at[CameraKey(r)];
      double expected = 0;
      for (const auto& [camera, n] : target_passes_at) {
        auto it = at.find(camera);
        if (it != at.end())
          expected += static_cast<double>(n) * static_cast<double>(it->second) *
                      static_cast<double>(2 * req.window_ms) / period;
      }
      c->group.expected = expected;
      for (const std::string& agency : c->group.agencies) a.owners.insert(agency);
      a.groups.push_back(std::move(c->group));
    }
  }
  // Ranked by co-occurrences beyond chance, then distinct cameras.
  std::sort(a.groups.begin(), a.groups.end(), [](const PlateGroup& x, const PlateGroup& y) {
    const double ex = static_cast<double>(x.together) - x.expected;
    const double ey = static_cast<double>(y.together) - y.expected;
    if (ex != ey) return ex > ey;
    if (x.cameras.size() != y.cameras.size()) return x.cameras.size() > y.cameras.size();
    return x.plate < y.plate;
  });
  return Status::Ok();
}

std::optional<geo::Point> Where(const Plan& plan, const read::Read& r) {
  if (r.position) return r.position;
  auto it = plan.camera_at.find(CameraKey(r));
  if (it == plan.camera_at.end()) return std::nullopt;
  return it->second;
}

Status Locate(const store::ReadStore& store, const Request& req, const Plan& plan, Answer& a) {
  Result<std::vector<read::Read>> reads = Gather(store, plan.query, req, "filters.from");
  if (!reads.ok()) return reads.status();
  a.target_reads = static_cast<std::int64_t>(reads->size());
  std::map<std::string, Spot> by_camera;
  for (const read::Read& r : *reads) {
    Spot& s = by_camera[CameraKey(r)];
    if (s.reads == 0) {
      s.agency = r.agency;
      s.camera = r.camera;
      s.where = Where(plan, r);
    }
    ++s.reads;
    const std::int64_t local = r.time + req.time_zone.OffsetAt(r.time);
    const std::int64_t day = local >= 0 ? local / kDayMs : (local - kDayMs + 1) / kDayMs;
    const int weekday = static_cast<int>(((day + 3) % 7 + 7) % 7);  // 1970-01-01 was a Thursday
    const int hour = static_cast<int>((local - day * kDayMs) / kHourMs);
    ++s.hours[weekday * 24 + hour];
    a.owners.insert(r.agency);
  }
  for (auto& [camera, s] : by_camera) a.spots.push_back(std::move(s));
  std::sort(a.spots.begin(), a.spots.end(), [](const Spot& x, const Spot& y) {
    return std::tie(y.reads, x.agency, x.camera) < std::tie(x.reads, y.agency, y.camera);
  });
  return Status::Ok();
}

Status Route(const store::ReadStore& store, const Request& req, const Plan& plan, Answer& a) {
  Result<std::vector<read::Read>> reads = Gather(store, plan.query, req, "filters.from");
  if (!reads.ok()) return reads.status();
  a.target_reads = static_cast<std::int64_t>(reads->size());
  std::sort(reads->begin(), reads->end(),
            [](const read::Read& x, const read::Read& y) { return Newer(y, x); });
  for (std::size_t i = 0; i < reads->size(); ++i) {
    Leg leg;
    leg.at.read = (*reads)[i];
    leg.where = Where(plan, leg.at.read);
    a.owners.insert(leg.at.read.agency);
    if (i > 0) {
      const Leg& prev = a.legs.back();
      leg.first = false;
      leg.seconds = static_cast<double>(leg.at.read.time - prev.at.read.time) / 1000.0;
      if (leg.where && prev.where) {
        leg.distance_m = geo::DistanceMeters(*prev.where, *leg.where);
        if (leg.seconds > 0) leg.kmh = leg.distance_m / 1000.0 / (leg.seconds / 3600.0);
        leg.impossible =
            leg.distance_m >= kMinImpossibleMeters && (leg.seconds <= 0 || leg.kmh > req.max_kmh);
      }
    }
    a.legs.push_back(std::move(leg));
  }
  return Status::Ok();
}

void NameHolds(const store::ReadStore& store, Answer& a) {
  for (Sighting& s : a.reads) s.hold = store.HoldFor(s.read);
  for (PlateGroup& g : a.groups) {
    for (Sighting& s : g.sightings) s.hold = store.HoldFor(s.read);
  }
  for (Leg& l : a.legs) l.at.hold = store.HoldFor(l.at.read);
}

}  // namespace

Relation::Relation(const plate::Plate& target) {
  const match::Index::Item item{target, plate::Jurisdiction(), 0, true};
  rules_ = match::Index::Build(std::span<const match::Index::Item>(&item, 1),
                               plate::LookalikeClasses::Default());
}

std::string Relation::KindOf(const plate::Plate& p) const {
  read::Read probe;
  probe.plate = p;
  std::vector<match::Candidate> c;
  rules_->Match(probe, &c);
  if (c.empty()) return {};
  const match::MatchKind kind = c[0].kind;
  if (kind == match::MatchKind::kExact || kind == match::MatchKind::kPlateOnly) return "exact";
  return std::string(match::MatchKindName(kind));
}

Result<Answer> Execute(const store::ReadStore& store, const Request& req, const Plan& plan) {
  Answer a;
  if (plan.agencies.empty()) return a;
  Status st = Status::Ok();
  if (req.type == SearchType::kPlate || req.type == SearchType::kPartial) {
    st = ReadList(store, req, plan, a);
    if (st.ok() && req.type == SearchType::kPlate && !req.after && req.offer_lookalikes)
      st = OfferLookalikes(store, req, plan, a);
  } else if (req.type == SearchType::kLookalike) {
    st = Lookalike(store, req, plan, a);
  } else if (req.type == SearchType::kArea) {
    st = Area(store, req, plan, a);
  } else if (req.type == SearchType::kScenes) {
    st = Scenes(store, req, plan, a);
  } else if (req.type == SearchType::kConvoy) {
    st = Convoy(store, req, plan, a);
  } else if (req.type == SearchType::kLocate) {
    st = Locate(store, req, plan, a);
  } else if (req.type == SearchType::kRoute) {
    st = Route(store, req, plan, a);
  }
  if (!st.ok()) return st;
  for (const Sighting& s : a.reads) a.owners.insert(s.read.agency);
  if (req.type == SearchType::kArea || req.type == SearchType::kScenes) {
    for (const PlateGroup& g : a.groups) a.owners.insert(g.agencies.begin(), g.agencies.end());
  }
  if (req.type == SearchType::kArea || req.type == SearchType::kScenes ||
      req.type == SearchType::kConvoy) {
    Page(a.groups, req, a);
    TrimSightings(a.groups);
  } else if (req.type == SearchType::kLocate) {
    Page(a.spots, req, a);
  } else if (req.type == SearchType::kRoute) {
    Page(a.legs, req, a);
  }
  NameHolds(store, a);
  return a;
}

}  // namespace interdict::search
