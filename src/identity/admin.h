// Setting up a data directory's catalog: the first agency and its first
// administrator (`interdict admin init`). Later agencies, users and keys come
// through the API, by people the catalog already knows.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "catalog/database.h"

namespace interdict::identity {

struct InitRequest {
  std::string agency_code;  // short, the store's agency name: A–Z, 0–9, '-', '_'
  std::string agency_name;
  std::string ori;    // 9-character NCIC ORI
  std::string state;  // "MO" or "US-MO"
  std::string kind;   // local, county, state, federal
  std::string admin_username;
  std::string admin_name;
};

struct InitResult {
  std::int64_t agency_id = 0;
  std::int64_t user_id = 0;
  std::string retention_preset;
  // Shown once: the administrator sets a password and enrols a TOTP
  // authenticator with it. Stored only as a SHA-256 digest.
  std::string enrolment_secret;
  std::int64_t enrolment_expires_at = 0;
};

inline constexpr std::int64_t kEnrolmentValidityMs = 72LL * 3600 * 1000;

// Refuses (FailedPrecondition) a catalog that already has an agency, and
// (InvalidArgument, naming the field) a request with a bad field. Audited.
Result<InitResult> InitCatalog(catalog::Database& db, const InitRequest& req, std::int64_t now_ms);

// A further member agency and its first administrator (`interdict admin
// add-agency`, run by the operator on the host). Refuses a code or ORI in use
// (AlreadyExists). Audited.
Result<InitResult> AddAgency(catalog::Database& db, const InitRequest& req, std::int64_t now_ms);

// Field checks shared with the API.
Status CheckAgencyCode(std::string_view code);
Status CheckOri(std::string_view ori);
Status CheckUsername(std::string_view username);
Status CheckDisplayName(std::string_view field, std::string_view name);

}  // namespace interdict::identity
