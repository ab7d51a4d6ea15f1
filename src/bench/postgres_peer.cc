#include "bench/postgres_peer.h"

#include <libpq-fe.h>

#include <fmt/core.h>

namespace interdict::bench {
namespace {

// A value in COPY's text format: backslash, tab, newline and carriage return escaped.
void CopyText(std::string& out, std::string_view v) {
  for (char ch : v) {
    switch (ch) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += ch;
    }
  }
}

}  // namespace

Result<std::unique_ptr<PostgresPeer>> PostgresPeer::Connect(const std::string& conninfo) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    const std::string why = PQerrorMessage(c);
    PQfinish(c);
    return Status::Unavailable("postgresql: " + why);
  }
  return std::unique_ptr<PostgresPeer>(new PostgresPeer(c));
}

PostgresPeer::~PostgresPeer() {
  PQfinish(c_);
}

Status PostgresPeer::Exec(const char* sql) {
  PGresult* r = PQexec(c_, sql);
  const ExecStatusType s = PQresultStatus(r);
  PQclear(r);
  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
    return Status::Internal(fmt::format("postgresql: {}", PQerrorMessage(c_)));
  return Status::Ok();
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
  PGresult* start = PQexec(c_,
                           "COPY reads (agency, camera, id, time, plate, state, confidence, lat, "
                           "lon, make, model, color, body) FROM STDIN");
  const bool copying = PQresultStatus(start) == PGRES_COPY_IN;
  PQclear(start);
  if (!copying) {
    const std::string why = PQerrorMessage(c_);
    (void)Exec("ROLLBACK");
    return Status::Internal("postgresql COPY: " + why);
  }
  std::string rows;
  for (const read::Read& r : batch) {
    CopyText(rows, r.agency);
    rows += '\t';
    CopyText(rows, r.camera);
    rows += '\t';
    CopyText(rows, r.id);
    rows += fmt::format("\t{}\t", r.time);
    CopyText(rows, r.plate.text());
    rows += '\t';
    rows += r.state.known() ? r.state.code() : "\\N";
    rows += '\t';
    rows += r.plate_confidence.known() ? fmt::format("{}", r.plate_confidence.percent() / 100.0)
                                       : "\\N";
    rows +=
        r.position ? fmt::format("\t{}\t{}", r.position->lat(), r.position->lon()) : "\t\\N\t\\N";
    for (const std::string* v :
         {&r.vehicle.make, &r.vehicle.model, &r.vehicle.color, &r.vehicle.body}) {
      rows += '\t';
      if (v->empty()) {
        rows += "\\N";
      } else {
        CopyText(rows, *v);
      }
    }
    rows += '\n';
  }
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

Result<std::vector<std::string>> PostgresPeer::Ids(const char* sql,
                                                   const std::vector<std::string>& params) {
  std::vector<const char*> values;
  for (const std::string& p : params) values.push_back(p.c_str());
  PGresult* r = PQexecParams(c_, sql, static_cast<int>(values.size()), nullptr, values.data(),
                             nullptr, nullptr, 0);
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    const std::string why = PQerrorMessage(c_);
    PQclear(r);
    return Status::Internal("postgresql: " + why);
  }
  std::vector<std::string> out;
  for (int i = 0; i < PQntuples(r); ++i) out.emplace_back(PQgetvalue(r, i, 0));
  PQclear(r);
  return out;
}

Result<std::vector<std::string>> PostgresPeer::PlateIds(std::string_view plate, std::int64_t from,
                                                        std::int64_t to) {
  return Ids(
      "SELECT id FROM reads WHERE plate = $1 AND time >= $2::bigint AND time < $3::bigint "
      "ORDER BY time DESC, agency, camera, id",
      {std::string(plate), std::to_string(from), std::to_string(to)});
}

Result<std::vector<std::string>> PostgresPeer::PartialIds(std::string_view pattern,
                                                          std::int64_t from, std::int64_t to) {
  std::string like;
  for (char ch : pattern) like += ch == '?' ? '_' : ch == '*' ? '%' : ch;  // plates are A-Z0-9
  return Ids(
      "SELECT id FROM reads WHERE plate LIKE $1 AND time >= $2::bigint AND time < $3::bigint "
      "ORDER BY time DESC, agency, camera, id",
      {like, std::to_string(from), std::to_string(to)});
}

Result<std::vector<std::string>> PostgresPeer::CameraIds(const std::vector<std::string>& cameras,
                                                         std::int64_t from, std::int64_t to) {
  std::string array = "{";
  for (std::size_t i = 0; i < cameras.size(); ++i)
    array += (i ? "," : "") + ("\"" + cameras[i] + "\"");  // codes have no quotes
  array += "}";
  return Ids(
      "SELECT id FROM reads WHERE camera = ANY($1::text[]) AND time >= $2::bigint AND "
      "time < $3::bigint ORDER BY time DESC, agency, camera, id",
      {array, std::to_string(from), std::to_string(to)});
}

}  // namespace interdict::bench
