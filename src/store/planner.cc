// Store::Query in steps: take a snapshot, collect the memtables' matches,
// choose the segments, find candidate rows in each (by plate, pattern or
// camera), then order them newest first and cut the page. Each step is a
// method of one QueryRun, which holds what the steps share.
#include <algorithm>
#include <deque>
#include <future>
#include <set>
#include <tuple>

#include "store/store_impl.h"

namespace interdict::store {
namespace {

class QueryRun {
 public:
  // `plates`: the plates asked for (sorted, distinct) when several plate
  // queries share one run; empty: q's own plate, if any.
  QueryRun(const Store::Impl& s, const ReadQuery& q, std::vector<std::uint64_t> plates = {})
      : q_(q),
        agencies_(q.agencies.begin(), q.agencies.end()),
        cameras_(q.cameras.begin(), q.cameras.end()),
        now_(s.clock.NowMillis()),
        plates_(std::move(plates)) {
    if (plates_.empty() && q.plate) plates_.push_back(q.plate->Pack());
    if (q.area) {
      area_cameras_.insert(q.area->cameras.begin(), q.area->cameras.end());
      mobile_cameras_.insert(q.area->mobile_cameras.begin(), q.area->mobile_cameras.end());
    }
  }

  // The version, the retention rules and holds of this moment, and the
  // memtables' reads that may match.
  void Snapshot(const Store::Impl& s) EXCLUDES(s.mu) {
    MutexLock l(s.mu);
    version_ = s.version;
    rules_.insert(s.retention.begin(), s.retention.end());
    holds_ = s.holds;
    TakeFromMemory(*s.mem);
    if (s.imm) TakeFromMemory(*s.imm);
  }

  Result<QueryResult> Run() {
    INTERDICT_RETURN_IF_ERROR(Search());
    QueryResult out;
    out.segments_searched = targets_.size();
    INTERDICT_RETURN_IF_ERROR(Page(cands_, q_, &out));
    return out;
  }

  // Several plate queries that differ only in their plate (and what they
  // exclude), answered from one snapshot and one pass over the segments: the
  // i-th result is queries[i]'s, as Run would give it.
  Result<std::vector<QueryResult>> RunPerPlate(const std::vector<ReadQuery>& queries) {
    INTERDICT_RETURN_IF_ERROR(Search());
    std::stable_sort(cands_.begin(), cands_.end(),
                     [](const Candidate& a, const Candidate& b) { return a.plate < b.plate; });
    std::vector<QueryResult> out(queries.size());
    for (std::size_t i = 0; i < queries.size(); ++i) {
      const std::uint64_t key = queries[i].plate->Pack();
      auto [b, e] = std::equal_range(
          cands_.begin(), cands_.end(), Candidate{.plate = key},
          [](const Candidate& x, const Candidate& y) { return x.plate < y.plate; });
      out[i].segments_searched = targets_.size();
      std::vector<Candidate> mine(b, e);
      // A plate asked twice: the first asker took the rows read whole.
      const auto before = queries.begin() + static_cast<std::ptrdiff_t>(i);
      if (std::any_of(queries.begin(), before,
                      [&](const ReadQuery& q) { return q.plate->Pack() == key; })) {
        for (Candidate& c : mine) c.read = nullptr;
      }
      INTERDICT_RETURN_IF_ERROR(Page(mine, queries[i], &out[i]));
    }
    return out;
  }

 private:
  struct Candidate {
    std::int64_t time = 0;
    const Segment* seg = nullptr;  // null: from_memory_[row]
    std::uint32_t row = 0;
    bool timed = true;           // false: time not read yet
    read::Read* read = nullptr;  // the whole read, when it was read during the search
    std::uint64_t plate = 0;     // packed, for plate queries
  };

  // The candidates of every step: memory, then the chosen segments.
  Status Search() {
    for (std::uint32_t i = 0; i < from_memory_.size(); ++i) {
      const read::Read& r = from_memory_[i];
      if (!agencies_.count(r.agency) || !Visible(r.agency, r.plate, r.camera, r.time)) continue;
      if (q_.area && !InArea(r)) continue;
      cands_.push_back({r.time, nullptr, i, true, nullptr, r.plate.Pack()});
    }
    ChooseSegments();
    if (q_.pattern) MatchPattern();
    return SearchSegments();
  }

  // Calls fn(entry, plate) for each of `plates` the segment holds, found
  // through its filter and dictionary.
  template <typename Fn>
  static Status ForEachHeld(const Segment& seg, const std::vector<std::uint64_t>& plates, Fn&& fn) {
    const PlateDictionary& dict = seg.plate_dictionary();
    for (std::uint64_t key : plates) {
      if (!seg.MayContain(key)) continue;
      const std::size_t at = dict.LowerBound(key);
      if (at != dict.size() && dict[at] == key)
        INTERDICT_RETURN_IF_ERROR(fn(static_cast<std::uint32_t>(at), key));
    }
    return Status::Ok();
  }

  // What one searching thread found.
  struct Found {
    std::vector<Candidate> cands;
    std::deque<read::Read> whole;     // rows read whole during the search (stable addresses)
    std::vector<std::uint32_t> rows;  // scratch: one entry's rows
  };

  void TakeFromMemory(const Memtable& m) {
    if (!plates_.empty()) {
      std::vector<std::uint32_t> rows;
      for (std::uint64_t p : plates_) {
        m.RowsOfPlate(p, &rows);
        for (std::uint32_t idx : rows) from_memory_.push_back(m.Get(idx));
      }
      return;
    }
    for (std::uint32_t i = 0; i < m.size(); ++i) {
      if (m.time(i) < q_.from || m.time(i) >= q_.to || !agencies_.count(m.agency(i))) continue;
      if (q_.pattern && !q_.pattern->MatchesPacked(m.packed_plate(i))) continue;
      if (q_.area && !area_cameras_.count(m.camera(i)) && !mobile_cameras_.count(m.camera(i)))
        continue;
      from_memory_.push_back(m.Get(i));
    }
  }

  bool InArea(const read::Read& r) const {
    if (area_cameras_.count(r.camera)) return true;
    if (!mobile_cameras_.count(r.camera) || !r.position) return false;
    return q_.area->polygon.empty()
               ? geo::DistanceMeters(*r.position, q_.area->center) <= q_.area->radius_m
               : geo::RingContains(q_.area->polygon, *r.position);
  }

  // Everything but the plate, pattern or area test: the window, the cameras,
  // and retention (an expired read is seen only while a hold keeps it).
  bool Visible(std::string_view agency, const plate::Plate& p, std::string_view camera,
               std::int64_t t) const {
    if (t < q_.from || t >= q_.to) return false;
    if (!cameras_.empty() && !cameras_.count(camera)) return false;
    auto it = rules_.find(agency);
    if (it != rules_.end() && it->second.non_hit_ms >= 0 && t < now_ - it->second.non_hit_ms) {
      return HoldCovering(holds_, agency, p, camera, t, now_) != nullptr;
    }
    return true;
  }

  // The allowed agencies' segments whose time range meets the window.
  void ChooseSegments() {
    for (const std::string& agency : agencies_) {
      auto agency_it = version_->by_agency.find(agency);
      if (agency_it == version_->by_agency.end()) continue;
      for (const auto& seg : agency_it->second) {
        if (seg->meta().max_time < q_.from || seg->meta().min_time >= q_.to) continue;
        targets_.emplace_back(&agency, seg.get());
      }
    }
  }

  // A pattern is matched once against the distinct plates of all segments.
  void MatchPattern() {
    const std::string_view prefix = q_.pattern->prefix();
    std::vector<std::uint32_t> entries;
    for (const auto& run : version_->plates->runs) {
      auto b = run->begin(), e = run->end();
      if (!prefix.empty()) {
        const std::uint64_t lo = plate::Plate::FromNormalized(prefix)->Pack();
        // Every plate starting with the prefix lies in [lo, lo + one past the
        // prefix's last code).
        const std::uint64_t span = std::uint64_t{1} << (64 - 6 * prefix.size());
        b = std::lower_bound(b, e, lo);
        e = std::lower_bound(b, e, lo + span);
      }
      entries.clear();
      q_.pattern->MatchDictionary(run->data() + (b - run->begin()), static_cast<std::size_t>(e - b),
                                  &entries);
      for (std::uint32_t i : entries) matched_.push_back(b[i]);
    }
    std::sort(matched_.begin(), matched_.end());
    matched_.erase(std::unique(matched_.begin(), matched_.end()), matched_.end());
  }

  // A pattern matching many plates walks every segment's dictionary, so it
  // uses both cores when there are enough segments (each worker collects its
  // own candidates); for other lookups a thread costs more than it saves.
  Status SearchSegments() {
    if (q_.pattern && targets_.size() >= 16 && matched_.size() > 1000) {
      const std::size_t half = targets_.size() / 2;
      auto second = std::async(std::launch::async,
                               [&] { return SearchRange(half, targets_.size(), found_[1]); });
      const Status first = SearchRange(0, half, found_[0]);
      const Status st2 = second.get();
      INTERDICT_RETURN_IF_ERROR(first);
      INTERDICT_RETURN_IF_ERROR(st2);
    } else {
      INTERDICT_RETURN_IF_ERROR(SearchRange(0, targets_.size(), found_[0]));
    }
    for (const Found& f : found_) cands_.insert(cands_.end(), f.cands.begin(), f.cands.end());
    return Status::Ok();
  }

  Status SearchRange(std::size_t from_i, std::size_t to_i, Found& found) const {
    for (std::size_t ti = from_i; ti < to_i; ++ti)
      INTERDICT_RETURN_IF_ERROR(SearchSegment(*targets_[ti].first, *targets_[ti].second, found));
    // Rows taken without their time (whole segment visible) get it now.
    for (Candidate& c : found.cands) {
      if (!c.timed) INTERDICT_RETURN_IF_ERROR(c.seg->RowTime(c.row, &c.time));
    }
    return Status::Ok();
  }

  Status SearchSegment(const std::string& agency, const Segment& seg, Found& found) const {
    const SegmentMeta& m = seg.meta();
    // Whether every row of the segment is inside the window and unexpired,
    // so rows need no per-row time check.
    auto rule_it = rules_.find(agency);
    const bool ages_out = rule_it != rules_.end() && rule_it->second.non_hit_ms >= 0 &&
                          m.min_time < now_ - rule_it->second.non_hit_ms;
    const bool all_visible =
        m.min_time >= q_.from && m.max_time < q_.to && !ages_out && cameras_.empty();
    const PlateDictionary& dict = seg.plate_dictionary();
    auto entry = [&](std::uint32_t e, std::uint64_t key) {
      return AddEntryRows(agency, seg, e, key, all_visible, found);
    };
    if (!plates_.empty()) return ForEachHeld(seg, plates_, entry);
    if (q_.pattern) {
      // The plates matching the pattern, looked up one by one when they are
      // few, else walked alongside the dictionary.
      const std::size_t n = dict.size();
      if (matched_.size() * 16 < n) return ForEachHeld(seg, matched_, entry);
      std::size_t k = 0;
      const DictionaryReader in_order(dict);
      for (std::size_t at = dict.LowerBound(matched_.empty() ? ~0ull : matched_.front());
           at < n && k < matched_.size(); ++at) {
        const std::uint64_t v = in_order[at];
        while (k < matched_.size() && matched_[k] < v) ++k;
        if (k < matched_.size() && matched_[k] == v)
          INTERDICT_RETURN_IF_ERROR(entry(static_cast<std::uint32_t>(at), v));
      }
      return Status::Ok();
    }
    // By camera: each camera's rows in the window.
    std::vector<std::uint32_t> rows;
    for (std::size_t c = 0; c < seg.camera_count(); ++c) {
      const std::string& name = seg.camera_name(c);
      if (!cameras_.empty() && !cameras_.count(name)) continue;
      if (q_.area && !area_cameras_.count(name) && !mobile_cameras_.count(name)) continue;
      INTERDICT_RETURN_IF_ERROR(seg.RowsInWindow(c, q_.from, q_.to, &rows));
      for (std::uint32_t row : rows) {
        std::int64_t t = 0;
        std::uint32_t e = 0;
        INTERDICT_RETURN_IF_ERROR(seg.RowKey(row, &t, &e));
        AddRow(agency, seg, row, t, e, name, found);
      }
    }
    return Status::Ok();
  }

  void AddRow(const std::string& agency, const Segment& seg, std::uint32_t row, std::int64_t t,
              std::uint32_t entry, const std::string& camera, Found& found,
              std::uint64_t plate = 0) const {
    if (t < q_.from || t >= q_.to) return;
    if (!Visible(agency, plate::Plate::Unpack(seg.plate_dictionary()[entry]), camera, t)) return;
    found.cands.push_back({t, &seg, row, true, nullptr, plate});
  }

  // The rows of one dictionary entry, through its postings.
  Status AddEntryRows(const std::string& agency, const Segment& seg, std::uint32_t entry,
                      std::uint64_t plate, bool all_visible, Found& found) const {
    std::vector<std::uint32_t>& rows = found.rows;
    INTERDICT_RETURN_IF_ERROR(seg.Postings(entry, &rows));
    for (std::uint32_t row : rows) {
      if (found.cands.size() < q_.limit) {
        // While a page's worth has not been found, read whole rows at once:
        // their blocks are decoded now, and not again for the results.
        read::Read& r = found.whole.emplace_back();
        INTERDICT_RETURN_IF_ERROR(seg.ReadRow(row, &r));
        if (!all_visible && !Visible(agency, r.plate, r.camera, r.time)) {
          found.whole.pop_back();
          continue;
        }
        found.cands.push_back({r.time, &seg, row, true, &r, plate});
        continue;
      }
      if (all_visible) {
        found.cands.push_back({0, &seg, row, false, nullptr, plate});  // time read below
        continue;
      }
      std::int64_t t = 0;
      std::uint32_t e = 0;
      std::size_t camera = 0;
      INTERDICT_RETURN_IF_ERROR(seg.RowKey(row, &t, &e, &camera));
      AddRow(agency, seg, row, t, entry, seg.camera_name(camera), found, plate);
    }
    return Status::Ok();
  }

  // Newest first; reads of the same millisecond in (agency, camera, id)
  // order, a total order, so a cursor resumes exactly where a page ended.
  Status Page(std::vector<Candidate>& cands, const ReadQuery& q, QueryResult* out) const {
    std::sort(cands.begin(), cands.end(),
              [](const Candidate& a, const Candidate& b) { return a.time > b.time; });
    const auto key_less = [](const read::Read& a, const read::Read& b) {
      return std::tie(a.agency, a.camera, a.id) < std::tie(b.agency, b.camera, b.id);
    };
    std::vector<read::Read> tie;
    for (std::size_t i = 0; i < cands.size() && !out->truncated;) {
      // One group of candidates with the same time.
      std::size_t j = i;
      while (j < cands.size() && cands[j].time == cands[i].time) ++j;
      if (q.after && cands[i].time > q.after->time) {
        i = j;  // already on an earlier page
        continue;
      }
      tie.clear();
      for (std::size_t k = i; k < j; ++k) {
        read::Read r;
        INTERDICT_RETURN_IF_ERROR(Materialize(cands[k], &r));
        if (q.area && cands[k].seg != nullptr && !InArea(r)) continue;
        if (q.state && r.state != *q.state) continue;
        if (q.exclude && q.exclude(r)) continue;
        if (!AfterCursor(q, r)) continue;
        tie.push_back(std::move(r));
      }
      std::sort(tie.begin(), tie.end(), key_less);
      for (read::Read& r : tie) {
        if (out->reads.size() == q.limit) {
          out->truncated = true;
          break;
        }
        out->reads.push_back(std::move(r));
      }
      i = j;
    }
    if (out->truncated && !out->reads.empty()) {
      const read::Read& last = out->reads.back();
      out->next = ReadCursor{last.time, last.agency, last.camera, last.id};
    }
    return Status::Ok();
  }

  Status Materialize(const Candidate& c, read::Read* r) const {
    if (c.seg == nullptr) {
      *r = from_memory_[c.row];
    } else if (c.read != nullptr) {
      *r = std::move(*c.read);
    } else {
      INTERDICT_RETURN_IF_ERROR(c.seg->ReadRow(c.row, r));
    }
    return Status::Ok();
  }

  static bool AfterCursor(const ReadQuery& q, const read::Read& r) {
    if (!q.after) return true;
    if (r.time != q.after->time) return r.time < q.after->time;
    return std::tie(q.after->agency, q.after->camera, q.after->id) <
           std::tie(r.agency, r.camera, r.id);
  }

  const ReadQuery& q_;
  // Transparent comparators: looked up by string_view without a copy.
  const std::set<std::string, std::less<>> agencies_, cameras_;
  std::set<std::string, std::less<>> area_cameras_, mobile_cameras_;
  const std::int64_t now_;
  std::shared_ptr<const Version> version_;
  std::map<std::string, RetentionRule, std::less<>> rules_;
  std::vector<Hold> holds_;
  std::vector<read::Read> from_memory_;
  std::vector<std::pair<const std::string*, const Segment*>> targets_;
  std::vector<std::uint64_t> matched_;  // the pattern's plates, sorted
  std::vector<std::uint64_t> plates_;   // plates asked for, sorted
  std::vector<Candidate> cands_;
  Found found_[2];
};

}  // namespace

Result<QueryResult> Store::Query(const ReadQuery& q) const {
  const int kinds = (q.plate ? 1 : 0) + (q.pattern ? 1 : 0) + (q.area ? 1 : 0);
  if (kinds > 1)
    return Status::InvalidArgument("a query has at most one of plate, pattern and area");
  QueryRun run(*impl_, q);
  run.Snapshot(*impl_);
  return run.Run();
}

// A plate search offers the look-alikes the store holds (often dozens), each
// a query over the same window: one snapshot and one pass over the segments
// answer them all, each segment's filter probed once a plate. Queries that
// differ in more than their plate (and exclusions) are answered one by one.
Result<std::vector<QueryResult>> Store::QueryMany(const std::vector<ReadQuery>& queries) const {
  const auto same_plan = [&](const ReadQuery& q) {
    const ReadQuery& f = queries.front();
    return q.plate && !q.pattern && !q.area && !q.after && q.agencies == f.agencies &&
           q.from == f.from && q.to == f.to && q.cameras == f.cameras && q.state == f.state &&
           q.limit == f.limit;
  };
  if (queries.size() < 2 || !std::all_of(queries.begin(), queries.end(), same_plan))
    return ReadStore::QueryMany(queries);
  std::vector<std::uint64_t> plates;
  for (const ReadQuery& q : queries) plates.push_back(q.plate->Pack());
  std::sort(plates.begin(), plates.end());
  plates.erase(std::unique(plates.begin(), plates.end()), plates.end());
  QueryRun run(*impl_, queries.front(), std::move(plates));
  run.Snapshot(*impl_);
  return run.RunPerPlate(queries);
}

}  // namespace interdict::store
