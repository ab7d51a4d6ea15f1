#include "match/matcher.h"

#include <algorithm>
#include <array>
#include <bit>
#include <new>
#include <stdexcept>
#include <utility>

#include <sys/mman.h>

namespace interdict::match {
namespace {

// splitmix64's finalizer: every input bit reaches every output bit.
std::uint64_t Mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

std::uint64_t CharCode(char c) {
  return (c <= '9') ? static_cast<std::uint64_t>(c - '0' + 1)
                    : static_cast<std::uint64_t>(c - 'A' + 11);
}

// Plate::Pack's layout for any text of normalized characters, skipping the
// character at `skip` (npos: none).
std::uint64_t PackSkipping(std::string_view s, std::size_t skip) {
  std::uint64_t v = 0;
  int pos = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i == skip) continue;
    v |= CharCode(s[i]) << (58 - 6 * pos);
    ++pos;
  }
  return v;
}

// A plate of n characters has at most n + 1 distinct variants: itself and its
// deletions (deleting either of two equal neighbours gives the same text).
std::size_t Variants(std::string_view s, std::uint64_t* out) {
  std::size_t n = 0;
  out[n++] = PackSkipping(s, std::string_view::npos);
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i > 0 && s[i] == s[i - 1]) continue;
    out[n++] = PackSkipping(s, i);
  }
  return n;
}

float ScoreOf(MatchKind k, int substitutions) {
  switch (k) {
    case MatchKind::kExact: return 1.0F;
    case MatchKind::kPlateOnly: return 0.9F;
    case MatchKind::kLookalike: return substitutions <= 1 ? 0.8F : 0.7F;
    case MatchKind::kAlternate: return 0.6F;
    case MatchKind::kOneEdit: return 0.5F;
  }
  return 0;
}

}  // namespace

std::string_view MatchKindName(MatchKind k) {
  switch (k) {
    case MatchKind::kExact: return "exact";
    case MatchKind::kPlateOnly: return "plate_only";
    case MatchKind::kLookalike: return "lookalike";
    case MatchKind::kAlternate: return "alternate";
    case MatchKind::kOneEdit: return "one_edit";
  }
  return "?";
}

std::optional<MatchKind> ParseMatchKind(std::string_view name) {
  for (MatchKind k : {MatchKind::kExact, MatchKind::kPlateOnly, MatchKind::kLookalike,
                      MatchKind::kAlternate, MatchKind::kOneEdit}) {
    if (MatchKindName(k) == name) return k;
  }
  return std::nullopt;
}

bool IsApproximate(MatchKind k) {
  return k == MatchKind::kLookalike || k == MatchKind::kAlternate || k == MatchKind::kOneEdit;
}

bool WithinOneEdit(std::string_view a, std::string_view b) {
  if (a.size() < b.size()) std::swap(a, b);
  if (a.size() - b.size() > 1) return false;
  std::size_t i = 0;
  while (i < b.size() && a[i] == b[i]) ++i;
  if (i == b.size()) return true;  // equal, or a has one more character at the end
  if (a.size() == b.size()) return a.substr(i + 1) == b.substr(i + 1);  // one substitution
  return a.substr(i + 1) == b.substr(i);                                // one deletion from a
}

Index::Slots::Slots(std::size_t n) {
  constexpr std::size_t kHuge = 2u << 20;
  bytes_ = (n * sizeof(std::uint64_t) + kHuge - 1) / kHuge * kHuge;
  void* p = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  madvise(p, bytes_, MADV_HUGEPAGE);  // advice: without it the table still works
  data_ = static_cast<std::uint64_t*>(p);
}

Index::Slots::~Slots() {
  if (data_ != nullptr) munmap(data_, bytes_);
}

Index::Slots::Slots(Slots&& o) noexcept
    : data_(std::exchange(o.data_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}

Index::Slots& Index::Slots::operator=(Slots&& o) noexcept {
  if (this != &o) {
    if (data_ != nullptr) munmap(data_, bytes_);
    data_ = std::exchange(o.data_, nullptr);
    bytes_ = std::exchange(o.bytes_, 0);
  }
  return *this;
}

void Index::Table::Init(std::size_t n) {
  const std::size_t want = std::max<std::size_t>(16, n + n / 2);  // load at most 2/3
  const std::size_t cap = std::bit_ceil(want);
  slots = Slots(cap);
  mask = cap - 1;
  shift = 64 - std::countr_zero(cap);
}

void Index::Table::Insert(std::uint64_t h, std::uint8_t state, std::uint32_t item) {
  const std::uint64_t v = ((h & 0xFFFFFFu) << 40) | (static_cast<std::uint64_t>(state) << 32) |
                          (static_cast<std::uint64_t>(item) + 1);
  for (std::size_t i = Home(h);; i = (i + 1) & mask) {
    if (slots[i] == 0) {
      slots[i] = v;
      return;
    }
  }
}

template <typename F>
void Index::Table::ForEach(std::uint64_t h, std::uint8_t state, F&& f) const {
  const std::uint64_t fp = h & 0xFFFFFFu;
  for (std::size_t i = Home(h);; i = (i + 1) & mask) {
    const std::uint64_t s = slots[i];
    if (s == 0) return;
    if ((s >> 40) != fp) continue;
    const auto st = static_cast<std::uint8_t>(s >> 32);
    if (state != 0 && st != 0 && st != state) continue;
    f(static_cast<std::uint32_t>(s & 0xFFFFFFFFu) - 1);
  }
}

std::uint64_t Index::CanonicalPack(const plate::Plate& p) const {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    v |= CharCode(classes_.Canonical(p[i])) << (58 - 6 * i);
  }
  return v;
}

std::shared_ptr<const Index> Index::Build(std::span<const Item> items,
                                          const plate::LookalikeClasses& classes) {
  if (items.size() >= 0xFFFFFFFEu) throw std::length_error("match::Index: too many items");
  std::shared_ptr<Index> ix(new Index(classes));
  ix->packed_.reserve(items.size());
  ix->state_.reserve(items.size());
  ix->ref_.reserve(items.size());
  std::size_t variants = 0;
  for (const Item& it : items) {
    ix->packed_.push_back(it.plate.Pack());
    ix->state_.push_back(it.state.id());
    ix->ref_.push_back(it.ref);
    if (it.one_edit) {
      variants += it.plate.size() + 1;
      ++ix->one_edit_items_;
    }
  }
  ix->canonical_.Init(items.size());
  ix->variants_.Init(variants);
  std::array<std::uint64_t, plate::Plate::kMaxLength + 1> vs{};
  for (std::uint32_t i = 0; i < items.size(); ++i) {
    const plate::Plate& p = items[i].plate;
    const std::uint8_t st = items[i].state.id();
    ix->canonical_.Insert(Mix(ix->CanonicalPack(p)), st, i);
    if (!items[i].one_edit) continue;
    const std::size_t n = Variants(p.text(), vs.data());
    for (std::size_t k = 0; k < n; ++k) ix->variants_.Insert(Mix(vs[k]), st, i);
  }
  return ix;
}

std::size_t Index::MemoryBytes() const {
  return packed_.capacity() * sizeof(std::uint64_t) + state_.capacity() +
         ref_.capacity() * sizeof(std::uint32_t) + canonical_.slots.bytes() +
         variants_.slots.bytes();
}

void Index::ProbeHashes(const read::Read& read, Probes* pr) const {
  pr->canonical = Mix(CanonicalPack(read.plate));
  pr->n_variants = one_edit_items_ == 0 ? 0 : Variants(read.plate.text(), pr->variants);
  for (std::size_t k = 0; k < pr->n_variants; ++k) pr->variants[k] = Mix(pr->variants[k]);
  pr->n_alternates = std::min(read.alternates.size(), read::kMaxAlternates);
  for (std::size_t a = 0; a < pr->n_alternates; ++a) {
    pr->alternates[a] = Mix(CanonicalPack(read.alternates[a].plate));
  }
}

void Index::Prefetch(const Probes& pr) const {
  __builtin_prefetch(canonical_.slots.data() + canonical_.Home(pr.canonical));
  for (std::size_t k = 0; k < pr.n_variants; ++k) {
    __builtin_prefetch(variants_.slots.data() + variants_.Home(pr.variants[k]));
  }
  for (std::size_t a = 0; a < pr.n_alternates; ++a) {
    __builtin_prefetch(canonical_.slots.data() + canonical_.Home(pr.alternates[a]));
  }
}

void Index::MatchOne(const read::Read& read, const Probes& pr, std::vector<Candidate>* out) const {
  out->clear();
  const std::uint8_t read_state = read.state.id();
  auto add = [&](std::uint32_t item, MatchKind kind, int subs, const plate::Plate& matched) {
    const float score = ScoreOf(kind, subs);
    for (Candidate& c : *out) {
      if (c.ref == ref_[item]) {
        if (score > c.score) c = Candidate{ref_[item], kind, score, matched};
        return;
      }
    }
    out->push_back(Candidate{ref_[item], kind, score, matched});
  };
  const plate::Plate& p = read.plate;
  const std::uint64_t read_canon = CanonicalPack(p);
  const std::uint64_t read_packed = p.Pack();

  // Exact, plate-only and look-alike: the same canonical form.
  canonical_.ForEach(pr.canonical, read_state, [&](std::uint32_t item) {
    const plate::Plate q = plate::Plate::Unpack(packed_[item]);
    if (CanonicalPack(q) != read_canon) return;  // a hash collision
    int subs = 0;
    for (std::size_t i = 0; i < p.size(); ++i) subs += p[i] != q[i] ? 1 : 0;
    if (subs == 0) {
      const bool both_known = read_state != 0 && state_[item] != 0;
      add(item, both_known ? MatchKind::kExact : MatchKind::kPlateOnly, 0, p);
    } else if (subs <= 2) {
      add(item, MatchKind::kLookalike, subs, p);
    }
  });

  // One edit: the read and the entry share the plate or a deletion variant.
  for (std::size_t k = 0; k < pr.n_variants; ++k) {
    variants_.ForEach(pr.variants[k], read_state, [&](std::uint32_t item) {
      if (packed_[item] == read_packed) return;
      const plate::Plate q = plate::Plate::Unpack(packed_[item]);
      if (WithinOneEdit(p.text(), q.text())) add(item, MatchKind::kOneEdit, 1, p);
    });
  }

  // The vendor's alternate readings, exactly.
  for (std::size_t a = 0; a < pr.n_alternates; ++a) {
    const plate::Plate& alt = read.alternates[a].plate;
    const std::uint64_t alt_packed = alt.Pack();
    canonical_.ForEach(pr.alternates[a], read_state, [&](std::uint32_t item) {
      if (packed_[item] == alt_packed) add(item, MatchKind::kAlternate, 0, alt);
    });
  }
  std::sort(out->begin(), out->end(), [](const Candidate& a, const Candidate& b) {
    return a.score != b.score ? a.score > b.score : a.ref < b.ref;
  });
}

void Index::Match(const read::Read& read, std::vector<Candidate>* out) const {
  Probes pr;
  ProbeHashes(read, &pr);
  MatchOne(read, pr, out);
}

void Index::MatchBatch(std::span<const read::Read> reads,
                       std::vector<std::vector<Candidate>>* out) const {
  out->resize(reads.size());
  // Software pipelining: hash the next group of reads and prefetch every slot
  // it will probe, then probe the current group, whose slots were prefetched
  // one group earlier. The cache misses overlap instead of queueing.
  constexpr std::size_t kGroup = 16;
  std::array<std::array<Probes, kGroup>, 2> pr;
  auto prepare = [&](std::size_t base, std::array<Probes, kGroup>& group) {
    const std::size_t g = std::min(kGroup, reads.size() - base);
    for (std::size_t r = 0; r < g; ++r) {
      ProbeHashes(reads[base + r], &group[r]);
      Prefetch(group[r]);
    }
  };
  if (reads.empty()) return;
  prepare(0, pr[0]);
  for (std::size_t base = 0, turn = 0; base < reads.size(); base += kGroup, turn ^= 1) {
    if (base + kGroup < reads.size()) prepare(base + kGroup, pr[turn ^ 1]);
    const std::size_t g = std::min(kGroup, reads.size() - base);
    for (std::size_t r = 0; r < g; ++r) MatchOne(reads[base + r], pr[turn][r], &(*out)[base + r]);
  }
}

}  // namespace interdict::match
