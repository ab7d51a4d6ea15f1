#include "bench/postgres_peer.h"

#include <libpq-fe.h>

#include <cstdlib>

#include <fmt/core.h>

namespace interdict::bench {
namespace {

// A text[] literal: each element quoted, with quotes and backslashes escaped.
std::string ArrayLiteral(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char ch : items[i]) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  return out + "}";
}

std::int64_t Int(PGresult* r, int row, int col) {
  return std::strtoll(PQgetvalue(r, row, col), nullptr, 10);
}

}  // namespace

Result<std::unique_ptr<PostgresPeer>> PostgresPeer::Connect(const std::string& conninfo) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    const std::string why = PQerrorMessage(c);
    PQfinish(c);
    return Status::Unavailable("postgresql: " + why);
  }
  return std::unique_ptr<PostgresPeer>(new PostgresPeer(c, PQgetCancel(c)));
}

PostgresPeer::~PostgresPeer() {
  if (cancel_ != nullptr) PQfreeCancel(cancel_);
  PQfinish(c_);
}

void PostgresPeer::Cancel() {
  char why[256];
  if (cancel_ != nullptr) (void)PQcancel(cancel_, why, sizeof why);
}

Status PostgresPeer::Exec(const char* sql) {
  PGresult* r = PQexec(c_, sql);
  const ExecStatusType s = PQresultStatus(r);
  PQclear(r);
  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
    return Status::Internal(fmt::format("postgresql: {}", PQerrorMessage(c_)));
  return Status::Ok();
}

Result<std::string> PostgresPeer::Version() {
  std::string v;
  INTERDICT_RETURN_IF_ERROR(
      Query("SHOW server_version", {}, [&](PGresult* r, int i) { v = PQgetvalue(r, i, 0); }));
  return v;
}

Status PostgresPeer::CreateSchema() {
  return Exec(
      "CREATE EXTENSION IF NOT EXISTS pg_trgm;"
      "CREATE TABLE reads (agency text NOT NULL, camera text NOT NULL, id text NOT NULL,"
      " time bigint NOT NULL, plate text NOT NULL, state text, confidence real,"
      " lat double precision, lon double precision, make text, model text, color text,"
      " body text);"
      "CREATE UNIQUE INDEX reads_identity ON reads (agency, camera, id);"
      "CREATE INDEX reads_by_plate ON reads (plate, time);"
      "CREATE INDEX reads_by_camera ON reads (camera, time);"
      "CREATE INDEX reads_by_trigram ON reads USING gin (plate gin_trgm_ops);");
}

Status PostgresPeer::Load(const std::vector<read::Read>& batch) {
  INTERDICT_RETURN_IF_ERROR(Exec("BEGIN"));
  PGresult* start = PQexec(c_, fmt::format("COPY reads ({}) FROM STDIN", kReadColumns).c_str());
  const bool copying = PQresultStatus(start) == PGRES_COPY_IN;
  PQclear(start);
  if (!copying) {
    const std::string why = PQerrorMessage(c_);
    (void)Exec("ROLLBACK");
    return Status::Internal("postgresql COPY: " + why);
  }
  std::string rows;
  for (const read::Read& r : batch) AppendTabRow(rows, r, "\\N");
  if (PQputCopyData(c_, rows.data(), static_cast<int>(rows.size())) != 1 ||
      PQputCopyEnd(c_, nullptr) != 1)
    return Status::Internal(fmt::format("postgresql COPY: {}", PQerrorMessage(c_)));
  PGresult* r = PQgetResult(c_);
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  while ((r = PQgetResult(c_)) != nullptr) PQclear(r);
  if (!ok) {
    const std::string why = PQerrorMessage(c_);
    (void)Exec("ROLLBACK");
    return Status::Internal("postgresql COPY: " + why);
  }
  return Exec("COMMIT");
}

Status PostgresPeer::Settle() {
  return Exec("VACUUM ANALYZE reads");
}

Result<std::uint64_t> PostgresPeer::DataBytes() {
  std::uint64_t bytes = 0;
  INTERDICT_RETURN_IF_ERROR(
      Query("SELECT pg_total_relation_size('reads')", {},
            [&](PGresult* r, int i) { bytes = static_cast<std::uint64_t>(Int(r, i, 0)); }));
  return bytes;
}

Status PostgresPeer::Query(const std::string& sql, const std::vector<std::string>& params,
                           const std::function<void(PGresult*, int)>& row) {
  std::vector<const char*> values;
  for (const std::string& p : params) values.push_back(p.c_str());
  PGresult* r = PQexecParams(c_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                             values.data(), nullptr, nullptr, 0);
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    const std::string why = PQerrorMessage(c_);
    PQclear(r);
    return Status::Internal("postgresql: " + why);
  }
  for (int i = 0; i < PQntuples(r); ++i) row(r, i);
  PQclear(r);
  return Status::Ok();
}

Result<std::vector<std::string>> PostgresPeer::PlateKeys(std::string_view plate, std::int64_t from,
                                                         std::int64_t to, std::size_t limit) {
  std::vector<std::string> out;
  INTERDICT_RETURN_IF_ERROR(
      Query("SELECT agency || '/' || camera || '/' || id FROM reads WHERE plate = $1 AND "
            "time >= $2::bigint AND time < $3::bigint ORDER BY time DESC, agency, camera, id "
            "LIMIT $4::bigint",
            {std::string(plate), std::to_string(from), std::to_string(to), std::to_string(limit)},
            [&](PGresult* r, int i) { out.emplace_back(PQgetvalue(r, i, 0)); }));
  return out;
}

Result<std::vector<std::string>> PostgresPeer::PatternKeys(std::string_view pattern,
                                                           std::int64_t from, std::int64_t to,
                                                           std::size_t limit) {
  std::string like;
  for (char ch : pattern) like += ch == '?' ? '_' : ch == '*' ? '%' : ch;  // plates are A-Z0-9
  std::vector<std::string> out;
  INTERDICT_RETURN_IF_ERROR(
      Query("SELECT agency || '/' || camera || '/' || id FROM reads WHERE plate LIKE $1 AND "
            "time >= $2::bigint AND time < $3::bigint ORDER BY time DESC, agency, camera, id "
            "LIMIT $4::bigint",
            {like, std::to_string(from), std::to_string(to), std::to_string(limit)},
            [&](PGresult* r, int i) { out.emplace_back(PQgetvalue(r, i, 0)); }));
  return out;
}

Result<std::vector<PlateCount>> PostgresPeer::PlatesAt(const std::vector<CameraWindow>& windows) {
  std::string sql;
  std::vector<std::string> params;
  for (std::size_t s = 0; s < windows.size(); ++s) {
    const std::size_t p = params.size();
    sql += fmt::format(
        "{}SELECT {} AS scene, plate, count(*) FROM reads WHERE camera = ANY(${}::text[]) AND "
        "time >= ${}::bigint AND time < ${}::bigint GROUP BY plate",
        s ? " UNION ALL " : "", s, p + 1, p + 2, p + 3);
    params.push_back(ArrayLiteral(windows[s].cameras));
    params.push_back(std::to_string(windows[s].from));
    params.push_back(std::to_string(windows[s].to));
  }
  std::vector<PlateCount> out;
  if (windows.empty()) return out;
  INTERDICT_RETURN_IF_ERROR(Query(sql, params, [&](PGresult* r, int i) {
    out.push_back({PQgetvalue(r, i, 1), Int(r, i, 2), static_cast<int>(Int(r, i, 0))});
  }));
  return out;
}

Result<std::vector<PeerRead>> PostgresPeer::PlateReads(std::string_view plate, std::int64_t from,
                                                       std::int64_t to) {
  std::vector<PeerRead> out;
  INTERDICT_RETURN_IF_ERROR(Query(
      "SELECT agency || '/' || camera || '/' || id, agency, camera, time FROM reads "
      "WHERE plate = $1 AND time >= $2::bigint AND time < $3::bigint",
      {std::string(plate), std::to_string(from), std::to_string(to)}, [&](PGresult* r, int i) {
        out.push_back(
            {PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), Int(r, i, 3)});
      }));
  return out;
}

Result<std::vector<PassPlate>> PostgresPeer::PlatesNear(const std::vector<Pass>& passes,
                                                        std::int64_t window) {
  std::vector<std::string> agencies, cameras, times;
  for (const Pass& p : passes) {
    agencies.push_back(p.agency);
    cameras.push_back(p.camera);
    times.push_back(std::to_string(p.time));
  }
  std::vector<PassPlate> out;
  if (passes.empty()) return out;
  INTERDICT_RETURN_IF_ERROR(Query(
      // Joined on the agency too, the planner takes the (agency, camera, id)
      // index and filters a camera's whole history by time (30 s a question
      // at 100 M); the OFFSET 0 fence keeps the (camera, time) range scan.
      "SELECT DISTINCT p.i, r.plate FROM unnest($1::text[], $2::text[], $3::bigint[]) "
      "WITH ORDINALITY AS p(agency, camera, t, i) CROSS JOIN LATERAL (SELECT agency, plate "
      "FROM reads WHERE camera = p.camera AND time BETWEEN p.t - $4::bigint AND "
      "p.t + $4::bigint OFFSET 0) r WHERE r.agency = p.agency",
      {ArrayLiteral(agencies), ArrayLiteral(cameras), ArrayLiteral(times), std::to_string(window)},
      [&](PGresult* r, int i) {
        out.push_back({static_cast<std::size_t>(Int(r, i, 0) - 1), PQgetvalue(r, i, 1)});
      }));
  return out;
}

Result<std::vector<CameraCount>> PostgresPeer::CameraCounts(const std::vector<std::string>& plates,
                                                            std::int64_t from, std::int64_t to) {
  std::vector<CameraCount> out;
  if (plates.empty()) return out;
  INTERDICT_RETURN_IF_ERROR(Query(
      "SELECT plate, agency, camera, count(*) FROM reads WHERE plate = ANY($1::text[]) AND "
      "time >= $2::bigint AND time < $3::bigint GROUP BY plate, agency, camera",
      {ArrayLiteral(plates), std::to_string(from), std::to_string(to)}, [&](PGresult* r, int i) {
        out.push_back(
            {PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), -1, Int(r, i, 3)});
      }));
  return out;
}

Result<std::vector<CameraCount>> PostgresPeer::HourCounts(std::string_view plate, std::int64_t from,
                                                          std::int64_t to) {
  std::vector<CameraCount> out;
  // Hour of the week from epoch milliseconds: 1970-01-01 was a Thursday.
  INTERDICT_RETURN_IF_ERROR(Query(
      "SELECT agency, camera, ((time / 86400000 + 3) % 7) * 24 + (time % 86400000) / 3600000 "
      "AS hour, count(*) FROM reads WHERE plate = $1 AND time >= $2::bigint AND "
      "time < $3::bigint GROUP BY agency, camera, hour",
      {std::string(plate), std::to_string(from), std::to_string(to)}, [&](PGresult* r, int i) {
        out.push_back({std::string(plate), PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
                       static_cast<int>(Int(r, i, 2)), Int(r, i, 3)});
      }));
  return out;
}

}  // namespace interdict::bench
