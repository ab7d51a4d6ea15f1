#include "bench/clickhouse_peer.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

#include <fmt/core.h>

namespace interdict::bench {
namespace {

// A string literal: quotes and backslashes escaped.
std::string Quote(std::string_view v) {
  std::string out = "'";
  for (char ch : v) {
    if (ch == '\'' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "'";
}

std::string QuoteList(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ",") + Quote(s);
  return out;
}

std::int64_t Int(const std::string& s) {
  return std::strtoll(s.c_str(), nullptr, 10);
}

// Months of 30 days from the epoch: partitions pruned by a time window.
constexpr const char* kPartition = "intDiv(time, 2592000000)";

}  // namespace

ClickHousePeer::ClickHousePeer(std::uint16_t http_port)
    : port_(http_port), client_([&] {
        http::ClientOptions o = http::ClientOptions::To("127.0.0.1", http_port);
        o.timeout = std::chrono::hours(2);  // OPTIMIZE FINAL of a large table takes long
        return o;
      }()) {}

void ClickHousePeer::Cancel() {
  http::ClientOptions o = http::ClientOptions::To("127.0.0.1", port_);
  o.timeout = std::chrono::seconds(5);
  http::Client killer(o);
  (void)killer.Send("POST", "/", "KILL QUERY WHERE user = 'default' ASYNC");
}

Status ClickHousePeer::Run(const std::string& sql) {
  Result<http::ClientResponse> r = client_.Send("POST", "/", sql);
  if (!r.ok()) return Status::Unavailable("clickhouse: " + r.status().message());
  if (r->status != 200)
    return Status::Internal(fmt::format("clickhouse {}: {}", r->status, r->body.substr(0, 500)));
  return Status::Ok();
}

Result<std::vector<std::vector<std::string>>> ClickHousePeer::Rows(const std::string& sql) {
  Result<http::ClientResponse> r = client_.Send("POST", "/", sql + " FORMAT TabSeparated");
  if (!r.ok()) return Status::Unavailable("clickhouse: " + r.status().message());
  if (r->status != 200)
    return Status::Internal(fmt::format("clickhouse {}: {}", r->status, r->body.substr(0, 500)));
  std::vector<std::vector<std::string>> rows;
  std::size_t at = 0;
  const std::string& b = r->body;
  while (at < b.size()) {
    std::size_t end = b.find('\n', at);
    if (end == std::string::npos) end = b.size();
    std::vector<std::string> fields;
    std::size_t f = at;
    for (;;) {
      const std::size_t tab = b.find('\t', f);
      if (tab == std::string::npos || tab > end) {
        fields.push_back(b.substr(f, end - f));
        break;
      }
      fields.push_back(b.substr(f, tab - f));
      f = tab + 1;
    }
    rows.push_back(std::move(fields));
    at = end + 1;
  }
  return rows;
}

Result<std::string> ClickHousePeer::Version() {
  Result<std::vector<std::vector<std::string>>> rows = Rows("SELECT version()");
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return Status::Internal("clickhouse: no version");
  return rows->front()[0];
}

Status ClickHousePeer::CreateSchema() {
  INTERDICT_RETURN_IF_ERROR(Run(fmt::format(
      "CREATE TABLE reads (agency String, camera String, id String, time Int64, plate String, "
      "state String, confidence Nullable(Float32), lat Nullable(Float64), lon Nullable(Float64), "
      "make String, model String, color String, body String) ENGINE = MergeTree "
      "PARTITION BY {} ORDER BY (plate, time)",
      kPartition)));
  return Run(
      fmt::format("CREATE MATERIALIZED VIEW reads_by_camera ENGINE = MergeTree PARTITION BY {} "
                  "ORDER BY (camera, time) AS SELECT agency, camera, id, time, plate FROM reads",
                  kPartition));
}

Status ClickHousePeer::Load(const std::vector<read::Read>& batch) {
  std::string body = fmt::format("INSERT INTO reads ({}) FORMAT TabSeparated\n", kReadColumns);
  for (const read::Read& r : batch) AppendTabRow(body, r, "");
  return Run(body);
}

Status ClickHousePeer::Settle() {
  INTERDICT_RETURN_IF_ERROR(Run("OPTIMIZE TABLE reads FINAL"));
  return Run("OPTIMIZE TABLE `.inner.reads_by_camera` FINAL");
}

Result<std::uint64_t> ClickHousePeer::DataBytes() {
  Result<std::vector<std::vector<std::string>>> rows =
      Rows("SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND database = 'default'");
  if (!rows.ok()) return rows.status();
  if (rows->empty() || rows->front().empty()) return Status::Internal("clickhouse: no parts sum");
  return static_cast<std::uint64_t>(Int(rows->front()[0]));
}

namespace {

std::vector<std::string> FirstColumn(std::vector<std::vector<std::string>>& rows) {
  std::vector<std::string> out;
  out.reserve(rows.size());
  for (auto& r : rows) out.push_back(std::move(r[0]));
  return out;
}

}  // namespace

Result<std::vector<std::string>> ClickHousePeer::PlateKeys(std::string_view plate,
                                                           std::int64_t from, std::int64_t to,
                                                           std::size_t limit) {
  Result<std::vector<std::vector<std::string>>> rows = Rows(fmt::format(
      "SELECT concat(agency, '/', camera, '/', id) FROM reads WHERE plate = {} AND time >= {} "
      "AND time < {} ORDER BY time DESC, agency, camera, id LIMIT {}",
      Quote(plate), from, to, limit));
  if (!rows.ok()) return rows.status();
  return FirstColumn(*rows);
}

Result<std::vector<std::string>> ClickHousePeer::PatternKeys(std::string_view pattern,
                                                             std::int64_t from, std::int64_t to,
                                                             std::size_t limit) {
  std::string like;
  for (char ch : pattern) like += ch == '?' ? '_' : ch == '*' ? '%' : ch;  // plates are A-Z0-9
  Result<std::vector<std::vector<std::string>>> rows = Rows(
      fmt::format("SELECT concat(agency, '/', camera, '/', id) FROM reads WHERE plate LIKE {} AND "
                  "time >= {} AND time < {} ORDER BY time DESC, agency, camera, id LIMIT {}",
                  Quote(like), from, to, limit));
  if (!rows.ok()) return rows.status();
  return FirstColumn(*rows);
}

Result<std::vector<PlateCount>> ClickHousePeer::PlatesAt(const std::vector<CameraWindow>& windows) {
  std::vector<PlateCount> out;
  if (windows.empty()) return out;
  std::string sql;
  for (std::size_t s = 0; s < windows.size(); ++s) {
    sql += fmt::format(
        "{}SELECT {} AS scene, plate, count() FROM reads_by_camera WHERE camera IN ({}) AND "
        "time >= {} AND time < {} GROUP BY plate",
        s ? " UNION ALL " : "", s, QuoteList(windows[s].cameras), windows[s].from, windows[s].to);
  }
  Result<std::vector<std::vector<std::string>>> rows = Rows(sql);
  if (!rows.ok()) return rows.status();
  for (auto& r : *rows) out.push_back({std::move(r[1]), Int(r[2]), static_cast<int>(Int(r[0]))});
  return out;
}

Result<std::vector<PeerRead>> ClickHousePeer::PlateReads(std::string_view plate, std::int64_t from,
                                                         std::int64_t to) {
  Result<std::vector<std::vector<std::string>>> rows = Rows(
      fmt::format("SELECT concat(agency, '/', camera, '/', id), agency, camera, time FROM reads "
                  "WHERE plate = {} AND time >= {} AND time < {}",
                  Quote(plate), from, to));
  if (!rows.ok()) return rows.status();
  std::vector<PeerRead> out;
  for (auto& r : *rows)
    out.push_back({std::move(r[0]), std::move(r[1]), std::move(r[2]), Int(r[3])});
  return out;
}

Result<std::vector<PassPlate>> ClickHousePeer::PlatesNear(const std::vector<Pass>& passes,
                                                          std::int64_t window) {
  std::vector<PassPlate> out;
  if (passes.empty()) return out;
  std::string where;
  for (const Pass& p : passes) {
    where +=
        fmt::format("{}(camera = {} AND time >= {} AND time <= {})", where.empty() ? "" : " OR ",
                    Quote(p.camera), p.time - window, p.time + window);
  }
  Result<std::vector<std::vector<std::string>>> rows =
      Rows("SELECT DISTINCT agency, camera, time, plate FROM reads_by_camera WHERE " + where);
  if (!rows.ok()) return rows.status();
  // Each row belongs to every pass at its camera within ±window.
  std::map<std::pair<std::string, std::string>, std::vector<std::pair<std::int64_t, std::size_t>>>
      at;
  for (std::size_t i = 0; i < passes.size(); ++i)
    at[{passes[i].agency, passes[i].camera}].emplace_back(passes[i].time, i);
  for (auto& [camera, times] : at) std::sort(times.begin(), times.end());
  std::set<std::pair<std::size_t, std::string>> seen;
  for (auto& r : *rows) {
    auto it = at.find({r[0], r[1]});
    if (it == at.end()) continue;
    const std::int64_t t = Int(r[2]);
    auto first = std::lower_bound(it->second.begin(), it->second.end(),
                                  std::pair<std::int64_t, std::size_t>(t - window, 0));
    for (auto p = first; p != it->second.end() && p->first <= t + window; ++p) {
      if (seen.emplace(p->second, r[3]).second) out.push_back({p->second, r[3]});
    }
  }
  return out;
}

Result<std::vector<CameraCount>> ClickHousePeer::CameraCounts(
    const std::vector<std::string>& plates, std::int64_t from, std::int64_t to) {
  std::vector<CameraCount> out;
  if (plates.empty()) return out;
  Result<std::vector<std::vector<std::string>>> rows = Rows(fmt::format(
      "SELECT plate, agency, camera, count() FROM reads WHERE plate IN ({}) AND time >= {} AND "
      "time < {} GROUP BY plate, agency, camera",
      QuoteList(plates), from, to));
  if (!rows.ok()) return rows.status();
  for (auto& r : *rows)
    out.push_back({std::move(r[0]), std::move(r[1]), std::move(r[2]), -1, Int(r[3])});
  return out;
}

Result<std::vector<CameraCount>> ClickHousePeer::HourCounts(std::string_view plate,
                                                            std::int64_t from, std::int64_t to) {
  // Hour of the week from epoch milliseconds: 1970-01-01 was a Thursday.
  Result<std::vector<std::vector<std::string>>> rows = Rows(fmt::format(
      "SELECT agency, camera, (intDiv(time, 86400000) + 3) % 7 * 24 + intDiv(time % 86400000, "
      "3600000) AS hour, count() FROM reads WHERE plate = {} AND time >= {} AND time < {} "
      "GROUP BY agency, camera, hour",
      Quote(plate), from, to));
  if (!rows.ok()) return rows.status();
  std::vector<CameraCount> out;
  for (auto& r : *rows)
    out.push_back({std::string(plate), std::move(r[0]), std::move(r[1]),
                   static_cast<int>(Int(r[2])), Int(r[3])});
  return out;
}

}  // namespace interdict::bench
