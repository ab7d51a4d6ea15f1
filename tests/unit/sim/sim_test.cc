// The simulator: the embedded region, determinism, the error model and the
// special actors the demo and the tests rely on.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "read/delimited_format.h"
#include "read/native_format.h"
#include "sim/plate_image.h"
#include "sim/population.h"
#include "sim/region.h"
#include "sim/traffic.h"
#include "sim/units.h"

namespace interdict::sim {
namespace {

constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kMonday = 1'794'873'600'000;  // 2026-11-16T00:00:00Z, a Monday

TEST(RegionTest, TheEmbeddedRegionHasRealCamerasOwnedByItsAgencies) {
  const Region& r = Region::Embedded();
  EXPECT_GE(r.agencies.size(), 12u);
  std::size_t osm = 0;
  std::set<std::string> codes;
  for (const Camera& c : r.cameras) {
    ASSERT_NE(r.FindAgency(c.agency), nullptr) << c.code;
    EXPECT_TRUE(codes.insert(c.agency + "/" + c.code).second) << "duplicate " << c.code;
    if (!c.synthetic) ++osm;
    bool in_a_county = false;
    for (const County& county : r.counties) in_a_county |= geo::RingContains(county.ring, c.at);
    EXPECT_TRUE(in_a_county) << c.code << " is outside the region";
  }
  EXPECT_EQ(osm, 275u);  // the OpenStreetMap ALPR nodes inside the 12 counties
  EXPECT_EQ(r.counties.size(), 12u);
  std::set<std::string> kinds, vendors;
  for (const Agency& a : r.agencies) {
    kinds.insert(a.kind);
    vendors.insert(std::string(VendorName(a.vendor)));
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"county", "federal", "local", "state"}));
  EXPECT_TRUE(vendors.count("openalpr") && vendors.count("native") && vendors.count("csv"));
  EXPECT_FALSE(Region::Parse(R"({"name":"x","agencies":[]})").ok());
}

class TrafficTest : public ::testing::Test {
 protected:
  static std::vector<read::Read> Days(const Traffic& t, int days, TrafficStats* stats) {
    std::vector<read::Read> out;
    for (int d = 0; d < days; ++d)
      t.Day(t.LocalMidnight(kMonday + d * kDay + kDay / 2), &out, stats);
    return out;
  }
};

TEST_F(TrafficTest, TheSameSeedGivesTheSameReadsAndAnotherSeedOthers) {
  const Region& region = Region::Embedded();
  const Population p1 = Population::Make(region, 3000, 5);
  const Population p2 = Population::Make(region, 3000, 5);
  const Population p3 = Population::Make(region, 3000, 6);
  TrafficStats s;
  const std::vector<read::Read> a = Days(Traffic(region, p1, {.seed = 5}), 1, &s);
  const std::vector<read::Read> b = Days(Traffic(region, p2, {.seed = 5}), 1, &s);
  const std::vector<read::Read> c = Days(Traffic(region, p3, {.seed = 6}), 1, &s);
  ASSERT_GT(a.size(), 1000u);
  EXPECT_TRUE(a == b);
  EXPECT_FALSE(a == c);
}

TEST_F(TrafficTest, ReadsComeInTimeOrderWithinTheirLocalDayAndUniqueIds) {
  const Region& region = Region::Embedded();
  const Population pop = Population::Make(region, 5000, 9);
  const Traffic traffic(region, pop, {.seed = 9});
  TrafficStats stats;
  std::vector<read::Read> reads;
  const std::int64_t midnight = traffic.LocalMidnight(kMonday + kDay / 2);
  EXPECT_EQ(midnight, kMonday + 6 * 3'600'000);  // 00:00 in St. Louis (CST) is 06:00 UTC
  traffic.Day(midnight, &reads, &stats);
  std::set<std::string> ids;
  for (std::size_t i = 0; i < reads.size(); ++i) {
    if (i > 0) {
      EXPECT_LE(reads[i - 1].time, reads[i].time);
    }
    EXPECT_GE(reads[i].time, midnight);
    EXPECT_LT(reads[i].time, midnight + kDay);
    EXPECT_TRUE(ids.insert(reads[i].agency + "/" + reads[i].camera + "/" + reads[i].id).second);
  }
  EXPECT_EQ(stats.reads, reads.size());
}

TEST_F(TrafficTest, ErrorsAndMissedReadsComeAtTheRatesOfRealCameras) {
  const Region& region = Region::Embedded();
  const Population pop = Population::Make(region, 20000, 3);
  TrafficStats stats;
  const std::vector<read::Read> reads = Days(Traffic(region, pop, {.seed = 3}), 1, &stats);
  ASSERT_GT(stats.reads, 50'000u);
  const double error = static_cast<double>(stats.wrong) / static_cast<double>(stats.reads);
  const double missed = 1.0 - static_cast<double>(stats.reads) / static_cast<double>(stats.passes);
  EXPECT_NEAR(error, 0.14, 0.01);
  EXPECT_NEAR(missed, 0.10, 0.01);
  EXPECT_GT(static_cast<double>(stats.one_character) / static_cast<double>(stats.wrong), 0.85);
  // Confidences overlap but are lower for wrong reads, and some reads lack a state.
  std::size_t stateless = 0, alternates = 0;
  for (const read::Read& r : reads) {
    if (!r.state.known()) ++stateless;
    if (!r.alternates.empty()) ++alternates;
  }
  EXPECT_NEAR(static_cast<double>(stateless) / static_cast<double>(reads.size()), 0.05, 0.01);
  EXPECT_GT(alternates, reads.size() / 2);
}

TEST_F(TrafficTest, CompanionsPassTheSameCamerasSecondsBehindTheirLeaders) {
  const Region& region = Region::Embedded();
  const Population pop = Population::Make(region, 2000, 11);
  TrafficStats stats;
  const std::vector<read::Read> reads = Days(Traffic(region, pop, {.seed = 11}), 5, &stats);
  ASSERT_EQ(pop.convoys().size(), 5u);
  int together = 0;
  for (const auto& [leader, companion] : pop.convoys()) {
    const plate::Plate& lp = pop.vehicles()[leader].plate;
    const plate::Plate& cp = pop.vehicles()[companion].plate;
    std::multimap<std::string, std::int64_t> leader_at;  // camera → time
    for (const read::Read& r : reads)
      if (r.plate == lp) leader_at.emplace(r.agency + "/" + r.camera, r.time);
    for (const read::Read& r : reads) {
      if (r.plate != cp) continue;
      auto [b, e] = leader_at.equal_range(r.agency + "/" + r.camera);
      for (auto it = b; it != e; ++it) {
        if (r.time - it->second >= 20'000 && r.time - it->second <= 60'000) ++together;
      }
    }
  }
  EXPECT_GE(together, 10) << "the pairs should be seen together repeatedly";
}

TEST_F(TrafficTest, TheClonedPlateIsSeenInTwoPlacesTooFarApartToDriveBetween) {
  const Region& region = Region::Embedded();
  const Population pop = Population::Make(region, 2000, 13);
  const auto [original, clone] = pop.clone();
  ASSERT_NE(original, clone);
  EXPECT_EQ(pop.vehicles()[original].plate, pop.vehicles()[clone].plate);
  EXPECT_GT(geo::DistanceMeters(pop.vehicles()[original].home, pop.vehicles()[clone].home), 40'000);
  TrafficStats stats;
  const std::vector<read::Read> reads = Days(Traffic(region, pop, {.seed = 13}), 14, &stats);
  std::map<std::string, geo::Point> where;
  for (const Camera& c : region.cameras) where[c.agency + "/" + c.code] = c.at;
  std::vector<const read::Read*> seen;
  for (const read::Read& r : reads)
    if (r.plate == pop.vehicles()[original].plate && !r.position) seen.push_back(&r);
  int impossible = 0;
  for (std::size_t i = 1; i < seen.size(); ++i) {
    const double km = geo::DistanceMeters(where[seen[i - 1]->agency + "/" + seen[i - 1]->camera],
                                          where[seen[i]->agency + "/" + seen[i]->camera]) /
                      1000;
    const double hours = static_cast<double>(seen[i]->time - seen[i - 1]->time) / 3'600'000.0;
    if (km > 1 && km / std::max(hours, 1e-6) > 200) ++impossible;
  }
  EXPECT_GT(impossible, 0);
}

TEST_F(TrafficTest, TheFastNativeWriterWritesWhatTheNativeParserReadsBack) {
  const Region& region = Region::Embedded();
  const Population pop = Population::Make(region, 3000, 21);
  const Traffic traffic(region, pop, {.seed = 21});
  std::vector<SimRead> compact;
  TrafficStats stats;
  traffic.DayCompact(traffic.LocalMidnight(kMonday + kDay / 2), &compact, &stats);
  ASSERT_GT(compact.size(), 1000u);
  std::size_t mobile = 0;
  for (const SimRead& s : compact) {
    std::string line;
    traffic.AppendNative(s, &line);
    read::Read parsed;
    read::ReadRejection why;
    ASSERT_TRUE(read::ParseNativeRead(line, &parsed, &why)) << why.field << ": " << line;
    ASSERT_EQ(parsed, traffic.ToRead(s)) << line;
    if (parsed.position) ++mobile;
  }
  EXPECT_GT(mobile, 0u) << "mobile units' reads carry their position";
}

TEST_F(TrafficTest, AVehiclesReadsLieOnItsDrivesAtTheTimesItPassesThem) {
  const Region& region = Region::Embedded();
  const Population pop = Population::Make(region, 3000, 5);
  const Traffic traffic(region, pop, {});
  const std::int64_t day = traffic.LocalMidnight(kMonday + kDay / 2);
  std::vector<SimRead> reads;
  TrafficStats stats;
  traffic.DayCompact(day, &reads, &stats);
  int checked = 0;
  for (const SimRead& r : reads) {
    if (r.site >= region.cameras.size() || checked >= 200) continue;
    const std::vector<Drive> drives = traffic.Drives(r.vehicle, day);
    double nearest = 1e9;
    for (const Drive& d : drives) {
      if (r.time < d.depart || r.time > d.arrive + 1'000) continue;
      nearest = std::min(nearest, geo::DistanceMeters(d.At(r.time), region.cameras[r.site].at));
    }
    EXPECT_LT(nearest, 450) << "the car is within the camera's 400 m corridor when read";
    ++checked;
  }
  EXPECT_EQ(checked, 200);
  const Drive d{geo::Point::FromDegrees(0, 0), geo::Point::FromDegrees(0, 1), 1000, 2000};
  EXPECT_EQ(d.At(0), d.from) << "before the drive: at its start";
  EXPECT_EQ(d.At(1500), geo::Point::FromDegrees(0, 0.5));
  EXPECT_EQ(d.At(9000), d.to);
}

TEST(UnitMotionTest, UnitsMoveNearHomeTheSameWayForTheSameMomentAndAreSometimesBusy) {
  const Region& region = Region::Embedded();
  const UnitMotion motion(region, {});
  ASSERT_FALSE(region.units.empty());
  const std::int64_t t0 = kMonday;
  int busy = 0, samples = 0;
  for (std::size_t u = 0; u < motion.size(); ++u) {
    const Unit& unit = region.units[u];
    double moved = 0;
    for (std::int64_t t = t0; t < t0 + 4 * 3'600'000; t += 60'000) {
      const UnitFix a = motion.At(u, t);
      const UnitFix again = motion.At(u, t);
      EXPECT_EQ(a.at, again.at) << "deterministic";
      const double from_home = geo::DistanceMeters(a.at, unit.home);
      if (unit.kind == "air") {
        EXPECT_NEAR(from_home, 6'000, 50) << "the aircraft flies its loop";
        EXPECT_NEAR(a.speed_mps, 200 / 3.6, 0.01);
      } else {
        EXPECT_LE(from_home, 4'050) << unit.name << " wanders its home area";
      }
      moved += geo::DistanceMeters(a.at, motion.At(u, t + 60'000).at);
      busy += !a.available;
      ++samples;
    }
    EXPECT_GT(moved, 1'000) << unit.name << " moves";
  }
  EXPECT_GT(busy, samples / 10) << "about a quarter of the time on a call";
  EXPECT_LT(busy, samples / 2);
  EXPECT_EQ(RegistryKind("tactical"), "tactical_medic");
  EXPECT_EQ(RegistryKind("air"), "aircraft");
}

TEST(PlateCropTest, CropsAreDeterministicGrayscalePngsOfThePlate) {
  Result<std::string> a = RenderPlateCrop("AB8123", "US-MO", 7);
  ASSERT_TRUE(a.ok()) << a.status().message();
  Result<std::string> b = RenderPlateCrop("AB8123", "US-MO", 7);
  Result<std::string> other_plate = RenderPlateCrop("ABB123", "US-MO", 7);
  Result<std::string> other_seed = RenderPlateCrop("AB8123", "US-MO", 8);
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *other_plate);
  EXPECT_NE(*a, *other_seed);  // another tilt, blur and grain
  ASSERT_GT(a->size(), 33u);
  EXPECT_EQ(a->substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  // IHDR: width and height (big-endian), 8-bit grayscale.
  auto be32 = [&](std::size_t at) {
    return (static_cast<std::uint32_t>(static_cast<unsigned char>((*a)[at])) << 24) |
           (static_cast<std::uint32_t>(static_cast<unsigned char>((*a)[at + 1])) << 16) |
           (static_cast<std::uint32_t>(static_cast<unsigned char>((*a)[at + 2])) << 8) |
           static_cast<std::uint32_t>(static_cast<unsigned char>((*a)[at + 3]));
  };
  EXPECT_EQ(a->substr(12, 4), "IHDR");
  EXPECT_EQ(be32(16), static_cast<std::uint32_t>(kPlateCropWidth));
  EXPECT_EQ(be32(20), static_cast<std::uint32_t>(kPlateCropHeight));
  EXPECT_EQ((*a)[24], 8);
  EXPECT_EQ((*a)[25], 0);
  EXPECT_LT(a->size(), 40'000u);
}

TEST(CsvReadTest, AReadWrittenAsCsvParsesBackToTheSameFields) {
  read::Read r;
  r.id = "a,1";
  r.agency = "GCPD";
  r.camera = "gcpd-001";
  r.time = kMonday + 1234;
  r.plate = *plate::Plate::FromNormalized("AB1C2D");
  r.state = *plate::Jurisdiction::Parse("MO");
  r.plate_confidence = read::Confidence::FromPercent(87);
  r.state_confidence = read::Confidence::FromPercent(91);
  r.position = geo::Point::FromDegrees(38.627, -90.1994);
  r.heading = 270;
  r.vehicle = {"TOYT", "CAMRY", "BLK", "4D"};
  Result<read::DelimitedReadParser> parser =
      read::DelimitedReadParser::FromHeader(read::DelimitedFormat::kCsv, read::kCsvReadHeader, "");
  ASSERT_TRUE(parser.ok()) << parser.status().message();
  read::Read back;
  read::ReadRejection why;
  ASSERT_TRUE(parser->Parse(read::FormatCsvRead(r), &back, &why))
      << why.field << ": " << why.message;
  EXPECT_EQ(back, r);
}

}  // namespace
}  // namespace interdict::sim
