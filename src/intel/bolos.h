// BOLOs, "be on the lookout" bulletins (docs/format/intel.md, "BOLOs"): a
// described vehicle and/or person with a narrative, an issuing agency and its
// contact, an audience (named agencies, or the region) and an expiry (30 days
// by default, at most 90, renewable). Another agency sees a bulletin only
// when its audience names it (or is the region) and the issuer shares its
// bolos with it under an agreement in force.
//
// A BOLO with a plate alerts as a hotlist entry: the issuer's list of its own
// ("BOLO 12: stolen vehicle", kind custom, the BOLO's audience), loaded by the
// issuer and — as every custom entry — active only once a second person
// approves it (GOVERNANCE 17). A BOLO without a plate is compared with the
// vehicle attributes of live reads: a read matching every attribute given is a
// weak match, listed on the BOLO (at most 500), never alerted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "alerting/hotlists.h"
#include "base/status.h"
#include "catalog/database.h"
#include "identity/accounts.h"

namespace interdict::intel {

inline constexpr std::int64_t kDefaultBoloLifeMs = 30LL * 86'400'000;
inline constexpr std::int64_t kMaxBoloLifeMs = 90LL * 86'400'000;
inline constexpr int kMaxSightingsPerBolo = 500;

struct BoloRequest {
  std::string kind;  // stolen_vehicle, wanted_person, missing_person, officer_safety, other
  std::string narrative;
  std::string plate, plate_state;  // optional; the state as two letters ("MO")
  std::string make, model, color, body, marks, person;
  std::string contact_name, contact_phone;
  std::vector<std::string> audience;       // agency codes; empty or ["region"]: the region
  std::optional<std::int64_t> expires_at;  // default 30 days, at most 90
};

struct Sighting {
  std::string agency, camera, plate;
  std::int64_t time = 0;
};

struct Bolo {
  std::int64_t id = 0;
  std::string agency, agency_name;
  std::string kind, narrative, plate, plate_state;
  std::string make, model, color, body, marks, person;
  std::string contact_name, contact_phone;
  std::vector<std::string> audience;  // ["region"] or codes
  std::optional<std::int64_t> list;   // a plate BOLO's hotlist
  std::string plate_alert;            // "none", "pending" (a second person approves), "active"
  std::int64_t issued_at = 0;
  std::string issued_by;
  std::int64_t expires_at = 0;
  std::string status;  // active, cancelled, expired
  std::optional<std::int64_t> renewed_at;
  bool photo = false;               // GET /api/v1/bolos/{id}/photo
  std::vector<Sighting> sightings;  // weak matches the caller may see, newest first
};

// bolos.issue: issues a BOLO of the caller's agency (every field checked, by
// name); a plate BOLO's list is made and loaded, waiting for a second person.
// Audited (bolo.issue). `with` lends a catalog connection for each step (a
// list load runs its own transactions).
Result<Bolo> IssueBolo(const alerting::WithDb& with, const identity::Principal& p,
                       const BoloRequest& r, std::int64_t now);
// bolos.issue: another 30 days (or until `expires_at`, at most 90 days from
// now) for an active BOLO of the caller's agency; its plate alert is loaded
// again (and approved again). Audited (bolo.renew).
Result<Bolo> RenewBolo(const alerting::WithDb& with, const identity::Principal& p, std::int64_t id,
                       std::optional<std::int64_t> expires_at, std::int64_t now);
// bolos.issue: cancels an active BOLO of the caller's agency; its plate alert
// is emptied at once. Audited (bolo.cancel). Returns the BOLO as it was.
Result<Bolo> CancelBolo(const alerting::WithDb& with, const identity::Principal& p, std::int64_t id,
                        std::int64_t now);

inline constexpr std::size_t kMaxPhotoBytes = 2 * 1024 * 1024;

// bolos.issue: the photo of an active BOLO of the caller's agency, a JPEG or
// PNG (told by its first bytes) of at most 2 MiB; replaces any before. Kept
// while the BOLO is active. Audited (bolo.photo).
Status SetBoloPhoto(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                    std::string_view bytes, std::int64_t now);
struct Photo {
  std::string bytes, content_type;
};
// bolos.read: the photo of a BOLO the caller may see (NotFound when none).
Result<Photo> BoloPhoto(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                        std::int64_t now);

struct BoloQuery {
  std::string plate;               // exact or look-alike
  std::string make, model, color;  // each given one must match
  bool active_only = true;
};
// bolos.read: the bulletins the caller may see, newest first (at most 200).
Result<std::vector<Bolo>> ListBolos(catalog::Database& db, const identity::Principal& p,
                                    const BoloQuery& q, std::int64_t now);
Result<Bolo> GetBolo(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                     std::int64_t now);

// The background round: active BOLOs past their expiry become expired, their
// plate alerts emptied. Returns how many.
Result<std::int64_t> ExpireBolos(catalog::Database& db, std::int64_t now);

// Live reads against BOLOs without a plate: what a server keeps in memory.
struct VehicleBolo {
  std::int64_t id = 0, agency = 0;
  std::string make, model, color, body;  // upper case; "" matches anything
};
Result<std::vector<VehicleBolo>> LoadVehicleBolos(catalog::Database& db, std::int64_t now);
// Whether a read's attributes match every attribute `b` gives.
bool VehicleMatches(const VehicleBolo& b, std::string_view make, std::string_view model,
                    std::string_view color, std::string_view body);

struct BoloSighting {
  std::int64_t bolo = 0, owner = 0;
  std::string camera_agency, camera, plate;
  std::int64_t time = 0;
};
// Records weak matches the BOLO's agency may see (reads of its own cameras,
// or of agencies sharing reads with it), up to 500 a BOLO. Returns how many
// were recorded.
Result<std::int64_t> RecordSightings(catalog::Database& db, const std::vector<BoloSighting>& seen,
                                     std::int64_t now);

}  // namespace interdict::intel
