// The catalog rows most tests start from, written once: agencies and cameras
// (people: test::AddUser in accounts.h). Columns a test does not care about
// get valid values of their own (an agency's name is its code, its ORI is
// made unique), so a test names only what it checks.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include <fmt/core.h>

#include "catalog/database.h"

namespace interdict::test {

// Inserts an agency and returns its id (0, with a test failure, if it
// fails). `state` is ISO 3166-2; `kind` local, county, state or federal; an
// empty name is the code, an empty ORI is made unique from the state.
inline std::int64_t AddAgency(catalog::Database& db, const std::string& code,
                              const std::string& state = "US-MO", const std::string& kind = "local",
                              const std::string& name = "", const std::string& ori = "") {
  Result<catalog::Statement> n = db.Prepare("SELECT count(*) + 1 FROM agencies");
  EXPECT_TRUE(n.ok() && n->Step().value_or(false));
  const std::string prefix = state.size() >= 2 ? state.substr(state.size() - 2) : "XX";
  const std::string made = fmt::format("{}{:07}", prefix, n.ok() ? n->Int(0) : 0);
  Result<catalog::Statement> q = db.Prepare(
      "INSERT INTO agencies (code, name, ori, state, kind, created_at) VALUES (?1, ?2, ?3, ?4, "
      "?5, 0) RETURNING id");
  EXPECT_TRUE(q.ok());
  if (!q.ok()) return 0;
  q->Bind(1, code).Bind(2, name.empty() ? code : name).Bind(3, ori.empty() ? made : ori);
  q->Bind(4, state).Bind(5, kind);
  Result<bool> row = q->Step();
  EXPECT_TRUE(row.ok() && *row) << code << ": " << row.status().message();
  return row.ok() && *row ? q->Int(0) : 0;
}

// A fixed camera of `agency_id` at (lat, lon), named by its code unless
// `name` is given; returns its id.
inline std::int64_t AddCamera(catalog::Database& db, std::int64_t agency_id,
                              const std::string& code, double lat, double lon,
                              const std::string& name = "") {
  Result<catalog::Statement> q = db.Prepare(
      "INSERT INTO cameras (agency_id, code, name, lat, lon, created_at) VALUES (?1, ?2, ?3, ?4, "
      "?5, 0) RETURNING id");
  EXPECT_TRUE(q.ok());
  if (!q.ok()) return 0;
  q->Bind(1, agency_id).Bind(2, code).Bind(3, name.empty() ? code : name);
  q->BindReal(4, lat).BindReal(5, lon);
  Result<bool> row = q->Step();
  EXPECT_TRUE(row.ok() && *row) << code << ": " << row.status().message();
  return row.ok() && *row ? q->Int(0) : 0;
}

// An approved agreement in force since 0: `owner` shares its `data_class`
// data with `partner`. Returns its id.
inline std::int64_t AddAgreement(catalog::Database& db, std::int64_t owner, std::int64_t partner,
                                 const std::string& data_class) {
  Result<catalog::Statement> q = db.Prepare(
      "INSERT INTO agreements (owner_id, partner_id, data_class, effective_from, document, "
      "approved_at, created_at) VALUES (?1, ?2, ?3, 0, 'test agreement', 0, 0) RETURNING id");
  EXPECT_TRUE(q.ok());
  if (!q.ok()) return 0;
  q->Bind(1, owner).Bind(2, partner).Bind(3, data_class);
  Result<std::int64_t> id = q->RunReturningId();
  EXPECT_TRUE(id.ok()) << id.status().message();
  return id.ok() ? *id : 0;
}

}  // namespace interdict::test
