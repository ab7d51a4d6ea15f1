#include "bench/read_generator.h"

#include <array>
#include <cmath>

#include <fmt/core.h>

namespace interdict::bench {
namespace {

constexpr char kLetters[] = "ABCDEFGHJKLMNPRSTUVWXYZ";  // no I, O, Q, as many states issue
constexpr char kDigits[] = "0123456789";

// Plate templates: L = letter, D = digit.
constexpr std::array<const char*, 5> kFormats = {"LLDLDL", "LLDLDL", "LLLDDD", "DLLDDD", "LLDDDDD"};

char Lookalike(char c) {
  switch (c) {
    case '8': return 'B';
    case 'B': return '8';
    case '0': return 'D';
    case 'D': return '0';
    case '5': return 'S';
    case 'S': return '5';
    case '2': return 'Z';
    case 'Z': return '2';
    case '1': return 'L';
    default: return c;
  }
}

}  // namespace

ReadGenerator::ReadGenerator(GeneratorOptions options) : opts_(options), rng_(options.seed) {
  std::uniform_real_distribution<double> lat(38.45, 38.85), lon(-90.60, -90.10);
  for (int i = 0; i < opts_.cameras; ++i) {
    const int agency = i * opts_.agencies / opts_.cameras;
    cameras_.push_back({fmt::format("AG{:02}", agency), fmt::format("cam{:04}", i),
                        geo::Point::FromDegrees(lat(rng_), lon(rng_))});
  }
  // About 20 sightings per vehicle over the period.
  const std::uint64_t population =
      opts_.vehicles > 0 ? opts_.vehicles : std::max<std::uint64_t>(1000, opts_.reads / 20);
  plates_.reserve(population);
  std::uniform_int_distribution<int> fmt_pick(0, static_cast<int>(kFormats.size()) - 1);
  std::uniform_int_distribution<int> letter(0, 22), digit(0, 9), pct(0, 99);
  std::uniform_int_distribution<int> cam(0, opts_.cameras - 1);
  const std::uint8_t mo = plate::Jurisdiction::Parse("MO")->id();
  const std::uint8_t il = plate::Jurisdiction::Parse("IL")->id();
  for (std::uint64_t v = 0; v < population; ++v) {
    std::string p;
    for (const char* f = kFormats[static_cast<std::size_t>(fmt_pick(rng_))]; *f; ++f) {
      p += *f == 'L' ? kLetters[letter(rng_)] : kDigits[digit(rng_)];
    }
    plates_.push_back(p);
    const int s = pct(rng_);
    states_.push_back(s < 70 ? mo : s < 90 ? il : static_cast<std::uint8_t>(1 + pct(rng_) % 50));
    favourites_.push_back({static_cast<std::uint16_t>(cam(rng_)),
                           static_cast<std::uint16_t>(cam(rng_)),
                           static_cast<std::uint16_t>(cam(rng_))});
  }
}

std::vector<std::string> ReadGenerator::agency_codes() const {
  std::vector<std::string> out;
  for (int a = 0; a < opts_.agencies; ++a) out.push_back(fmt::format("AG{:02}", a));
  return out;
}

bool ReadGenerator::Next(std::size_t count, std::vector<read::Read>* out) {
  out->clear();
  if (made_ >= opts_.reads) return false;
  const double span = static_cast<double>(opts_.days) * 86'400'000.0;
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::uniform_int_distribution<int> cam(0, opts_.cameras - 1), pct(0, 99), pos(0, 5);
  for (std::size_t i = 0; i < count && made_ < opts_.reads; ++i, ++made_) {
    read::Read r;
    // Skewed popularity: a few vehicles are seen very often.
    const double x = u(rng_);
    const auto v = static_cast<std::size_t>(static_cast<double>(plates_.size()) * x * x);
    const int p = pct(rng_);
    const Camera& c = cameras_[p < 80 ? favourites_[v][static_cast<std::size_t>(p % 3)]
                                      : static_cast<std::uint16_t>(cam(rng_))];
    r.agency = c.agency;
    r.camera = c.name;
    r.time = opts_.start_ms + static_cast<std::int64_t>(span * static_cast<double>(made_) /
                                                        static_cast<double>(opts_.reads));
    r.id = r.camera + "-" + std::to_string(r.time);
    std::string text = plates_[v];
    if (pct(rng_) < 5) {  // a misread: one look-alike character
      auto& ch = text[static_cast<std::size_t>(pos(rng_)) % text.size()];
      ch = Lookalike(ch);
      r.plate_confidence =
          read::Confidence::FromPercent(static_cast<std::uint8_t>(55 + pct(rng_) % 30));
    } else {
      r.plate_confidence =
          read::Confidence::FromPercent(static_cast<std::uint8_t>(85 + pct(rng_) % 15));
    }
    r.plate = *plate::Plate::FromNormalized(text);
    r.state = *plate::Jurisdiction::FromId(states_[v]);
    r.state_confidence = read::Confidence::FromPercent(90);
    out->push_back(std::move(r));
  }
  return true;
}

}  // namespace interdict::bench
