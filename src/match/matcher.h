// The hotlist matcher: an immutable in-memory index of hotlist plates that
// answers, for one read, every entry it may be (docs/format/ingest.md):
//
//   exact       same plate, same state
//   plate_only  same plate, the read's or the entry's state unknown
//   lookalike   one or two characters differ, each within a look-alike class
//               (8/B, 0/O/D/Q, 5/S, 2/Z, 1/I/L, 6/G)
//   alternate   one of the vendor's alternate readings is the plate exactly
//   one_edit    one character inserted, deleted or substituted
//
// When the read's state and the entry's state are both known and differ there
// is no match of any kind (GOVERNANCE D.20). Everything but exact and
// plate_only is approximate and labelled so wherever it is shown.
//
// Two hash tables of 8-byte slots: one keyed by the plate's look-alike
// canonical form (exact, plate-only and look-alike matches share it), one by
// the plate and each of its single-deletion variants (the read's plate and
// its deletions probe it; two plates within one edit share a variant).
// Candidates are always verified against the stored plate, so a collision
// costs time, never a false match. A new list is indexed by building a new
// Index while the old one keeps serving, then swapping the pointer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "plate/jurisdiction.h"
#include "plate/lookalike.h"
#include "plate/plate.h"
#include "read/read.h"

namespace interdict::match {

enum class MatchKind : std::uint8_t { kExact, kPlateOnly, kLookalike, kAlternate, kOneEdit };
std::string_view MatchKindName(MatchKind k);
// The kind a name stands for (as stored with a hit); nothing for another name.
std::optional<MatchKind> ParseMatchKind(std::string_view name);
// Lookalike, alternate and one-edit matches: the plate read is not the plate listed.
bool IsApproximate(MatchKind k);

struct Candidate {
  std::uint32_t ref = 0;  // the Item's ref
  MatchKind kind = MatchKind::kExact;
  float score = 0;       // 1.0 exact ... 0.5 one edit; see docs/format/ingest.md
  plate::Plate matched;  // the text that matched: the read's plate or an alternate
};

class Index {
 public:
  struct Item {
    plate::Plate plate;
    plate::Jurisdiction state;
    std::uint32_t ref = 0;  // the caller's handle (an entry number); returned in Candidate
    // Whether one-edit matching applies to this entry. Against a national
    // extract of millions of plates one edit finds some unrelated listed plate
    // for a large share of all reads (docs/performance.md), so lists opt in
    // (decision 0018).
    bool one_edit = true;
  };

  // Builds the index; `classes` must outlive it. At most 2^32 - 2 items.
  static std::shared_ptr<const Index> Build(std::span<const Item> items,
                                            const plate::LookalikeClasses& classes);

  // Every entry the read may be, one candidate per entry (its best kind),
  // best score first. `out` is cleared first.
  void Match(const read::Read& read, std::vector<Candidate>* out) const;

  // Matches many reads, overlapping their memory accesses (several times the
  // throughput of one Match at a time on a large index). `out[i]` gets the
  // candidates of `reads[i]`.
  void MatchBatch(std::span<const read::Read> reads,
                  std::vector<std::vector<Candidate>>* out) const;

  std::size_t size() const { return packed_.size(); }
  std::size_t MemoryBytes() const;

 private:
  // Zeroed slots in anonymous memory backed by 2 MiB pages where the kernel
  // allows: random probes of a table of hundreds of MiB then miss the TLB far
  // less often.
  class Slots {
   public:
    Slots() = default;
    explicit Slots(std::size_t n);
    ~Slots();
    Slots(Slots&& o) noexcept;
    Slots& operator=(Slots&& o) noexcept;
    std::uint64_t& operator[](std::size_t i) { return data_[i]; }
    std::uint64_t operator[](std::size_t i) const { return data_[i]; }
    const std::uint64_t* data() const { return data_; }
    std::size_t bytes() const { return bytes_; }

   private:
    std::uint64_t* data_ = nullptr;
    std::size_t bytes_ = 0;
  };

  struct Table {
    // (24-bit fingerprint << 40) | (state id << 32) | (item + 1); 0 = empty.
    // The state in the slot lets a probe skip other states' entries without
    // touching them.
    Slots slots;
    std::uint64_t mask = 0;
    int shift = 0;
    void Init(std::size_t n);
    void Insert(std::uint64_t key_hash, std::uint8_t state, std::uint32_t item);
    std::size_t Home(std::uint64_t key_hash) const { return key_hash >> shift; }
    // Calls f(item) for each item under the key whose state agrees with
    // `state` (either unknown, or equal).
    template <typename F>
    void ForEach(std::uint64_t key_hash, std::uint8_t state, F&& f) const;
  };

  // The probe hashes of a read: its canonical key, its plate and deletion
  // variants, its alternates' canonical keys.
  struct Probes {
    std::uint64_t canonical = 0;
    std::uint64_t variants[plate::Plate::kMaxLength + 1] = {};
    std::uint64_t alternates[read::kMaxAlternates] = {};
    std::size_t n_variants = 0;
    std::size_t n_alternates = 0;
  };

  explicit Index(const plate::LookalikeClasses& classes) : classes_(classes) {}
  std::uint64_t CanonicalPack(const plate::Plate& p) const;
  void ProbeHashes(const read::Read& read, Probes* probes) const;
  void Prefetch(const Probes& probes) const;
  void MatchOne(const read::Read& read, const Probes& probes, std::vector<Candidate>* out) const;

  const plate::LookalikeClasses& classes_;
  std::vector<std::uint64_t> packed_;  // item -> packed plate
  std::vector<std::uint8_t> state_;    // item -> jurisdiction id
  std::vector<std::uint32_t> ref_;     // item -> caller's ref
  Table canonical_;
  Table variants_;  // only items with one_edit
  std::size_t one_edit_items_ = 0;
};

// Edit distance at most one (insert, delete or substitute): exposed for tests.
bool WithinOneEdit(std::string_view a, std::string_view b);

}  // namespace interdict::match
