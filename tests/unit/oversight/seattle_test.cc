// The Seattle worked example's computation on a few hand-made rows: reads per
// resident by ZIP area, each area's make-up, the rank correlations, and rows
// without a ZIP or with bad numbers counted apart.
#include "oversight/seattle.h"

#include <gtest/gtest.h>

#include <sstream>

namespace interdict::oversight {
namespace {

const char* kHeader = "zipcode|dt|plate_hash|total_popE|whiteE|blackE|hispE|asianE|median_incomeE";

TEST(SeattleTest, ReadRatesByZipAndTheirRankCorrelationWithEachGroupsShare) {
  std::stringstream in;
  in << kHeader << "\n";
  // 98001: 10,000 people, 10% Black, 3 reads; 98002: 20,000, 30% Black, 8
  // reads; 98003: 5,000, 50% Black, 5 reads. Rates 0.3, 0.4, 1.0 per 1,000.
  auto row = [&](const char* zip, int pop, int black, int n) {
    for (int i = 0; i < n; ++i)
      in << zip << "|10/07/2021|h|" << pop << "|" << pop - black << "|" << black << "|0|0|50000\n";
  };
  row("98001", 10000, 1000, 3);
  row("98002", 20000, 6000, 8);
  row("98003", 5000, 2500, 5);
  in << "NA|10/07/2021|h|NA|NA|NA|NA|NA|NA\n";
  in << "98004|10/07/2021|h|lots|1|1|1|1|1\n";
  Result<std::string> r = SeattleDisparity(in);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_NE(r->find(R"("rows":18,"without_zip":1,"skipped":1,"reads":16,"zip_areas":3,)"),
            std::string::npos)
      << *r;
  EXPECT_NE(
      r->find(
          R"("zip":"98002","reads":8,"population":20000,"reads_per_1000_residents":0.4,"white":0.700,"black":0.300)"),
      std::string::npos)
      << *r;
  // The read rate rises with the Black share and falls with the white share: ranks agree fully.
  EXPECT_NE(r->find(R"("white_share":-1.000,"black_share":1.000)"), std::string::npos) << *r;
}

TEST(SeattleTest, AMissingColumnIsNamed) {
  std::stringstream in("zipcode|dt|total_popE\n98001|x|1\n");
  Result<std::string> r = SeattleDisparity(in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "line 1: no column whiteE");
}

}  // namespace
}  // namespace interdict::oversight
