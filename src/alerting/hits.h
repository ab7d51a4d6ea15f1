// Hits: the matcher's index over every active entry, the recording of hits
// for accepted reads (with who receives them), and the hit workflow
// new -> acknowledged -> visually_checked -> confirmed_with_source -> closed
// with an outcome (GOVERNANCE D.20-D.21). Every step is audited.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "alerting/images.h"
#include "base/status.h"
#include "catalog/database.h"
#include "identity/accounts.h"
#include "match/matcher.h"
#include "read/read.h"

namespace interdict::alerting {

struct ListMeta {
  std::int64_t id = 0, agency_id = 0;
  std::string name, kind;
  int priority = 2;
  std::int64_t published_at = 0;
  std::vector<std::int64_t> audience;
};

struct EntryRef {
  std::int64_t entry_id = 0;
  std::uint32_t list = 0;  // index into Snapshot::lists
  std::string kind;
  std::int64_t expires_at = 0;  // 0: none
};

// One consistent view: an index and what its refs mean.
struct Snapshot {
  std::shared_ptr<const match::Index> index;
  std::vector<EntryRef> refs;
  std::vector<ListMeta> lists;
  std::int64_t built_at = 0;
};

// The current snapshot, rebuilt from the catalog after a list changes. Reads
// are matched against whichever snapshot is current; a rebuild never blocks them.
class HotlistIndex {
 public:
  HotlistIndex();

  // A list generation written but not yet current (a reload in progress).
  struct Pending {
    std::int64_t list = 0, generation = 0, published_at = 0;
  };
  // Reads every active entry of every current generation — or of `pending`'s
  // generation for its list — into a new snapshot; `db` may be a read-only
  // connection of its own, so the catalog stays free meanwhile.
  static Result<std::shared_ptr<const Snapshot>> Build(catalog::Database& db, std::int64_t now,
                                                       std::optional<Pending> pending = {});
  // Makes `snapshot` the one reads are matched against.
  void Install(std::shared_ptr<const Snapshot> snapshot);
  // Build and Install.
  Status Rebuild(catalog::Database& db, std::int64_t now);
  std::shared_ptr<const Snapshot> Current() const;

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Snapshot> current_;
};

// A hit as recorded, with the agencies it goes to and its JSON (for the
// stream, webhooks and the API).
struct RecordedHit {
  std::int64_t id = 0;
  std::vector<std::int64_t> recipients;
  std::string json;
  bool live = true;    // false for back-fill: stored, never alerted
  std::string key_id;  // the data key its row is sealed under; empty when plain
};

// The hit `id` as its recipients' streams receive it, with its recipients,
// or nothing when there is no such hit (purged, or a forged id): for a hit
// another server raised (decision 0034).
Result<std::optional<RecordedHit>> LoadRecordedHit(catalog::Database& db, std::int64_t id);
// The live hits after `after`, in id order (at most `limit`), with their
// recipients: what a server's streams receive, in the catalog's order, when
// several servers raise hits (the catalog's writer lock makes id order the
// order of commits, so a hit seen here is never followed by a smaller id).
Result<std::vector<RecordedHit>> LiveHitsAfter(catalog::Database& db, std::int64_t after,
                                               int limit);
// The id of the newest hit (0 when there is none).
Result<std::int64_t> NewestHitId(catalog::Database& db);

// How many hits an agency holds on a plate, and the read time of the latest
// (0 when none): what a resident's request is answered with (never where).
struct PlateHits {
  std::int64_t count = 0;
  std::int64_t last_read_time = 0;
};
Result<PlateHits> HitsOfPlate(catalog::Database& db, std::int64_t agency_id,
                              std::string_view plate);

struct ReadForMatching {
  const read::Read* read = nullptr;
  std::int64_t agency_id = 0;  // the camera's agency
  bool backfill = false;
  bool camera_active = true;  // pending cameras raise no alerts
};

// A candidate of one read (an index into the reads matched).
struct Found {
  std::size_t read = 0;
  match::Candidate candidate;
};

// Matches the reads against the snapshot. Needs no catalog: ingest calls it
// without holding the catalog, and most batches find nothing to record.
std::vector<Found> MatchReads(const Snapshot& snapshot, const std::vector<ReadForMatching>& reads);

// Records a hit for every candidate the camera's agency may use (own lists;
// others' lists naming it in their audience under a `hotlists` agreement;
// NCIC files it has enabled; entries not expired). Recipients: the camera's
// agency, and the list's owner and audience where a `hits` agreement lets
// them see the camera agency's data. A re-sent read adds no second hit. Live
// hits are queued for the recipients' webhooks in the same transaction
// (decision 0019). Audited ("hit.raise").
Result<std::vector<RecordedHit>> RecordHits(catalog::Database& db, const Snapshot& snapshot,
                                            const std::vector<ReadForMatching>& reads,
                                            const std::vector<Found>& found, std::int64_t now);

// The JSON of one hit as `p` may see it; NotFound when it may not.
Result<std::string> GetHit(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                           std::int64_t now);
// hits.read: the newest hits `p`'s agency received, after `before` (an id).
Result<std::vector<std::string>> ListHits(catalog::Database& db, const identity::Principal& p,
                                          std::optional<std::int64_t> before, int limit,
                                          std::int64_t now);

// The hits `p`'s agency received after hit `after`, oldest first (a stream
// client's Last-Event-ID), at most `limit`, live ones only.
Result<std::vector<RecordedHit>> HitsAfter(catalog::Database& db, const identity::Principal& p,
                                           std::int64_t after, int limit, std::int64_t now);

// Whether `p` may see hit `id`: a recipient, and still allowed to see the
// camera agency's hits now (an agreement may have been revoked since).
Result<bool> MaySee(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                    std::int64_t now);

// Where and when a hit's vehicle was read, for staging units ahead of it
// (docs/format/units.md): `p` must be able to see the hit (hits.read).
// Audited ("hit.intercept").
struct HitSighting {
  std::int64_t id = 0;
  std::string agency, camera;  // the reading agency's code and its camera
  std::int64_t read_time = 0;
  std::string entry_kind;  // the NCIC file of the entry it matched ("V", "W", …)
  std::string plate;       // as read
};
Result<HitSighting> SightingOfHit(catalog::Database& db, const identity::Principal& p,
                                  std::int64_t id, std::int64_t now);

// A hit's image ("plate" or "overview") for `p`, who must be able to see the
// hit (hits.read): the copy of the agency whose read made the hit. NotFound
// when it has none. Audited ("hit.image"): images are evidence.
Result<HeldImage> HitImage(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                           const std::string& role, std::int64_t now);

// The hit workflow (GOVERNANCE D.20): where a hit is, and the four actions
// that move it on. Each has one row in a table below; its name is what the
// catalog stores (hits.step), the API shows and the console tests.
enum class HitState { kNew, kAcknowledged, kVisuallyChecked, kConfirmedWithSource, kClosed };
inline constexpr std::string_view kHitStateNames[] = {"new", "acknowledged", "visually_checked",
                                                      "confirmed_with_source", "closed"};
std::string_view HitStateName(HitState s);
Result<HitState> ParseHitState(std::string_view name);

enum class HitAction { kAcknowledge, kVisualCheck, kConfirm, kClose };
struct HitActionInfo {
  HitAction action;
  std::string_view route;  // POST /api/v1/hits/{id}/<route>
  std::string_view event;  // the audit event
  HitState to;             // where it leaves the hit
};
inline constexpr HitActionInfo kHitActions[] = {
    {HitAction::kAcknowledge, "acknowledge", "hit.acknowledge", HitState::kAcknowledged},
    {HitAction::kVisualCheck, "visual-check", "hit.visual_check", HitState::kVisuallyChecked},
    {HitAction::kConfirm, "confirm", "hit.confirm", HitState::kConfirmedWithSource},
    {HitAction::kClose, "close", "hit.close", HitState::kClosed},
};
const HitActionInfo& Describe(HitAction a);
Result<HitAction> ParseHitAction(std::string_view route);

struct HitStep {
  HitAction action = HitAction::kAcknowledge;
  std::string outcome;  // kClose: misread, stale_entry, wrong_state, vehicle_mismatch, stop,
                        // arrest, recovery, no_action
  std::string note;
  // kVisualCheck: what the officer saw against the image and the entry.
  std::optional<bool> plate_matches, state_matches, vehicle_matches;
  // kConfirm: the source (NCIC, the owning agency) confirmed the entry is current.
  std::optional<bool> source_confirmed;
  // kClose with a stop, arrest or recovery before the source confirmed: why
  // the officer proceeded (exigent circumstances), 20-1,000 characters.
  std::string proceed_reason;
};

// hits.work, a recipient: moves the hit one step. A stop, arrest or recovery
// needs a visual check and a confirmation with the source first (D.21), or,
// after the visual check, the officer's recorded reason for proceeding
// without it (never once the owner answered the entry is not valid).
// Returns the hit's JSON after the step. Audited.
Result<std::string> AdvanceHit(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                               const HitStep& step, std::int64_t now);

// Deletes up to `limit` hits whose read is older than the agency's hit
// retention (data class "hits") and that no active hold covers (plate,
// camera, window), with their audience, workflow events and queued
// deliveries. One audit entry ("hits.purge") per agency that lost hits.
// Returns how many were deleted; call again while it returns `limit`.
Result<std::int64_t> PurgeExpiredHits(catalog::Database& db, std::int64_t now, int limit = 1000);

// A principal that stands for an agency (for sharing checks about agencies
// rather than people).
Result<identity::Principal> AgencyPrincipal(catalog::Database& db, std::int64_t agency_id);

}  // namespace interdict::alerting
