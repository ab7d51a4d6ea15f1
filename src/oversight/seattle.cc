#include "oversight/seattle.h"

#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "base/line_reader.h"

namespace interdict::oversight {
namespace {

std::vector<std::string_view> Split(std::string_view line, char sep) {
  std::vector<std::string_view> out;
  for (std::size_t start = 0;;) {
    const std::size_t at = line.find(sep, start);
    out.push_back(
        line.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

std::optional<double> Number(std::string_view s) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

struct Zip {
  std::int64_t reads = 0;
  double population = 0, white = 0, black = 0, hispanic = 0, asian = 0, income = 0;
  double Share(double n) const { return population > 0 ? n / population : 0; }
};

// Ranks with ties sharing their mean rank.
std::vector<double> Ranks(const std::vector<double>& v) {
  std::vector<std::size_t> idx(v.size());
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (std::size_t i = 0; i < idx.size();) {
    std::size_t j = i;
    while (j + 1 < idx.size() && v[idx[j + 1]] == v[idx[i]]) ++j;
    const double mean = (static_cast<double>(i) + static_cast<double>(j)) / 2 + 1;
    for (std::size_t k = i; k <= j; ++k) r[idx[k]] = mean;
    i = j + 1;
  }
  return r;
}

// Spearman's rank correlation.
double Spearman(const std::vector<double>& x, const std::vector<double>& y) {
  const std::vector<double> rx = Ranks(x), ry = Ranks(y);
  const double n = static_cast<double>(x.size());
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    mx += rx[i] / n;
    my += ry[i] / n;
  }
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) * (rx[i] - mx);
    syy += (ry[i] - my) * (ry[i] - my);
  }
  return sxx > 0 && syy > 0 ? sxy / std::sqrt(sxx * syy) : 0;
}

}  // namespace

Result<std::string> SeattleDisparity(std::istream& in, long min_population) {
  std::string line;
  // The log's lines are under 200 bytes; a longer one is skipped unread.
  LineReader lines_in(in, 64 * 1024);
  if (lines_in.Next(&line) != LineReader::Got::kLine) {
    return Status::InvalidArgument("line 1: no header (or one over 64 KiB)");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  const std::vector<std::string_view> header = Split(line, '|');
  std::map<std::string, std::size_t> col;
  for (std::size_t i = 0; i < header.size(); ++i) col[std::string(header[i])] = i;
  const char* need[] = {"zipcode", "total_popE", "whiteE",        "blackE",
                        "hispE",   "asianE",     "median_incomeE"};
  for (const char* n : need) {
    if (!col.count(n)) return Status::InvalidArgument(fmt::format("line 1: no column {}", n));
  }
  std::map<std::string, Zip> zips;
  std::int64_t rows = 0, skipped = 0, no_zip = 0;
  for (LineReader::Got got; (got = lines_in.Next(&line)) != LineReader::Got::kEnd;) {
    if (got == LineReader::Got::kTooLong) {
      ++rows;
      ++skipped;
      continue;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    ++rows;
    const std::vector<std::string_view> f = Split(line, '|');
    if (f.size() != header.size()) {
      ++skipped;
      continue;
    }
    const std::string zip(f[col["zipcode"]]);
    if (zip == "NA" || zip.empty()) {  // the log could not place the read
      ++no_zip;
      continue;
    }
    const std::optional<double> pop = Number(f[col["total_popE"]]);
    if (zip.size() != 5 || !pop) {
      ++skipped;
      continue;
    }
    Zip& z = zips[zip];
    ++z.reads;
    z.population = *pop;
    z.white = Number(f[col["whiteE"]]).value_or(0);
    z.black = Number(f[col["blackE"]]).value_or(0);
    z.hispanic = Number(f[col["hispE"]]).value_or(0);
    z.asian = Number(f[col["asianE"]]).value_or(0);
    z.income = Number(f[col["median_incomeE"]]).value_or(0);
  }
  std::string areas;
  std::vector<double> rate, white, black, hispanic, asian, income;
  std::int64_t reads = 0;
  for (const auto& [zip, z] : zips) {
    reads += z.reads;
    const bool counted = z.population >= static_cast<double>(min_population);
    areas += fmt::format(
        R"({}{{"zip":"{}","reads":{},"population":{:.0f},"reads_per_1000_residents":{},"white":{:.3f},"black":{:.3f},"hispanic":{:.3f},"asian":{:.3f},"median_income":{:.0f},"in_correlations":{}}})",
        areas.empty() ? "" : ",", zip, z.reads, z.population,
        z.population > 0
            ? fmt::format("{:.1f}", 1000.0 * static_cast<double>(z.reads) / z.population)
            : "null",
        z.Share(z.white), z.Share(z.black), z.Share(z.hispanic), z.Share(z.asian), z.income,
        counted);
    if (!counted) continue;
    rate.push_back(static_cast<double>(z.reads) / z.population);
    white.push_back(z.Share(z.white));
    black.push_back(z.Share(z.black));
    hispanic.push_back(z.Share(z.hispanic));
    asian.push_back(z.Share(z.asian));
    income.push_back(z.income);
  }
  return fmt::format(
      R"({{"rows":{},"without_zip":{},"skipped":{},"reads":{},"zip_areas":{},"zip_areas_in_correlations":{},"spearman_read_rate_vs":{{"white_share":{:.3f},"black_share":{:.3f},"hispanic_share":{:.3f},"asian_share":{:.3f},"median_income":{:.3f}}},"areas":[{}]}})",
      rows, no_zip, skipped, reads, zips.size(), rate.size(), Spearman(rate, white),
      Spearman(rate, black), Spearman(rate, hispanic), Spearman(rate, asian),
      Spearman(rate, income), areas);
}

}  // namespace interdict::oversight
