// The camera registry: every read names a camera the catalog knows. Unknown
// cameras are refused, or registered as pending when the agency allows it;
// heartbeats keep each camera's health (docs/format/ingest.md).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/database.h"
#include "identity/accounts.h"

namespace interdict::alerting {

struct CameraSpec {
  std::string code;  // unique within the agency: "cam12", "site7-cam1"
  std::string name;
  std::optional<double> lat, lon;
  std::string vendor;
  bool mobile = false;
};

struct CameraInfo {
  std::int64_t id = 0;
  std::string code, name, vendor, status, agent_version;
  std::optional<double> lat, lon;
  bool mobile = false;
  std::optional<std::int64_t> last_seen_at;
};

// cameras.manage, the caller's agency; audited.
Result<std::int64_t> CreateCamera(catalog::Database& db, const identity::Principal& p,
                                  const CameraSpec& spec, std::int64_t now);
// A pending camera (auto-registered) becomes active; cameras.manage; audited.
Status ApproveCamera(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                     std::int64_t now);
// agency.read: the caller's agency's cameras.
Result<std::vector<CameraInfo>> ListCameras(catalog::Database& db, const identity::Principal& p);

// Where an active fixed camera stands, for maps of search results and shared
// hits: position and name only, no health.
struct CameraPosition {
  std::string code, name, agency;
  double lat = 0, lon = 0;
  bool mobile = false;
};
// The positions of the cameras whose reads or hits `p` may see now (its own
// agency's and those shared with it); a mobile unit has none (its reads carry
// their own).
Result<std::vector<CameraPosition>> VisibleCameraPositions(catalog::Database& db,
                                                           const identity::Principal& p,
                                                           std::int64_t now);
// cameras.manage: whether reads from unknown cameras register them as pending.
Status SetAutoRegister(catalog::Database& db, const identity::Principal& p, bool on,
                       std::int64_t now);

// What ingest needs to know of a camera, cached: status and position.
struct CameraRef {
  std::int64_t id = 0;
  bool active = false;  // pending cameras store reads but raise no alerts until approved
  std::optional<double> lat, lon;
};

// Looks cameras up for ingest, creating pending ones where allowed. The
// cache is filled on first use and dropped by Invalidate() after changes.
class CameraDirectory {
 public:
  // The camera, or NotFound naming it when unknown and the agency does not
  // auto-register (`register_unknown` registers it regardless: an operator's
  // import). `created` is set when this call registered it.
  Result<CameraRef> Resolve(catalog::Database& db, std::int64_t agency_id, const std::string& code,
                            std::int64_t now, bool* created = nullptr,
                            bool register_unknown = false);
  // The camera if it is in the cache; needs no catalog.
  std::optional<CameraRef> Cached(std::int64_t agency_id, const std::string& code);
  void Invalidate();

 private:
  std::mutex mu_;
  std::map<std::pair<std::int64_t, std::string>, CameraRef> cache_;
};

// Records a heartbeat (last seen, agent version) of a known camera.
Status Heartbeat(catalog::Database& db, std::int64_t agency_id, const std::string& code,
                 const std::string& agent_version, std::int64_t now);

}  // namespace interdict::alerting
