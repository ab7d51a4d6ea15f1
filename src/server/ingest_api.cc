// Cameras, hotlists, read ingest and hits (issue 5; docs/format/ingest.md).
#include <fmt/core.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <set>

#include "alerting/hotlists.h"
#include "alerting/images.h"
#include "base/json.h"
#include "base/time_format.h"
#include "catalog/changes.h"
#include "policy/sharing.h"
#include "read/delimited_format.h"
#include "read/native_format.h"
#include "read/openalpr_format.h"
#include "server/alert_hub.h"
#include "server/api.h"
#include "server/changes.h"
#include "server/json_writer.h"
#include "server/route_util.h"

namespace interdict::server {
namespace {

constexpr std::size_t kMaxReadsPerRequest = 10'000;
constexpr std::int64_t kFutureSlackMs = 5 * 60'000;
constexpr std::int64_t kBackfillAfterMs = 24LL * 3'600'000;

struct Rejected {
  std::size_t index;
  std::string field, error;
};

// Validates parsed reads against the caller and the catalog, stores the
// valid ones durably, matches them, and answers with the counts and the
// rejections (`rejected` may hold parse failures already).
http::Response StoreAndMatch(ApiContext& ctx, const identity::Principal& p,
                             std::vector<std::pair<std::size_t, read::Read>> parsed,
                             std::vector<Rejected> rejected) {
  const std::int64_t now = ctx.clock.NowMillis();
  std::vector<read::Read> reads;
  std::vector<alerting::ReadForMatching> meta;
  std::size_t backfill = 0;
  reads.reserve(parsed.size());
  // Cameras come from the directory's cache; the catalog is locked only for
  // cameras not seen before (a hotlist reload may be writing to it).
  auto admit = [&](read::Read& r, const alerting::CameraRef& cam) {
    const bool old = r.time < now - kBackfillAfterMs;
    backfill += old ? 1 : 0;
    meta.push_back({nullptr, p.agency_id, old, cam.active});
    reads.push_back(std::move(r));
  };
  std::vector<std::pair<std::size_t, read::Read>> unknown;
  std::vector<alerting::ImageRead> image_reads;
  std::vector<read::Read> match_only;
  std::vector<alerting::ReadForMatching> match_only_meta;
  // Address-confidentiality plates: dropped here, never stored or matched,
  // and answered as accepted so the sender cannot tell the plate is listed.
  std::uint64_t confidential = 0;
  const bool screen = ctx.confidential != nullptr && !ctx.confidential->Empty();
  for (auto& [i, r] : parsed) {
    if (r.agency != p.agency_code) {
      rejected.push_back(
          {i, "agency", fmt::format("this key sends reads of {} only", p.agency_code)});
      continue;
    }
    if (p.cameras &&
        std::find(p.cameras->begin(), p.cameras->end(), r.camera) == p.cameras->end()) {
      rejected.push_back({i, "camera", "not one of the cameras this key may send for"});
      continue;
    }
    if (r.time > now + kFutureSlackMs) {
      rejected.push_back({i, "time", "more than 5 minutes in the future"});
      continue;
    }
    if (screen && ctx.confidential->Contains(r.plate.text())) {
      ++confidential;
      // The approved exception: matched against the hotlists, still never stored.
      std::optional<alerting::CameraRef> cam = ctx.cameras.Cached(p.agency_id, r.camera);
      if (cam && ctx.confidential->Matchable(r.plate.text())) {
        match_only_meta.push_back(
            {nullptr, p.agency_id, r.time < now - kBackfillAfterMs, cam->active});
        match_only.push_back(std::move(r));
      }
      continue;
    }
    // Reads naming images, and reads of cameras not seen yet, need the catalog.
    const bool has_images = !r.plate_image.empty() || !r.overview_image.empty();
    std::optional<alerting::CameraRef> cam = ctx.cameras.Cached(p.agency_id, r.camera);
    if (cam && !has_images) {
      admit(r, *cam);
    } else {
      unknown.emplace_back(i, std::move(r));
    }
  }
  Status st = Status::Ok();
  if (!unknown.empty()) {
    st = ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) -> Status {
      for (auto& [i, r] : unknown) {
        Result<alerting::CameraRef> cam = ctx.cameras.Resolve(db, p.agency_id, r.camera, now);
        if (!cam.ok()) {
          if (cam.status().code() != StatusCode::kNotFound) return cam.status();
          rejected.push_back({i, "camera", cam.status().message()});
          continue;
        }
        bool images_ok = true;
        for (const auto& [field, address] :
             {std::pair<const char*, const std::string&>{"images.plate", r.plate_image},
              std::pair<const char*, const std::string&>{"images.overview", r.overview_image}}) {
          if (address.empty() || !images_ok) continue;
          Result<bool> held = alerting::AgencyHoldsImage(db, p.agency_id, address);
          if (!held.ok()) return held.status();
          if (!*held) {
            rejected.push_back(
                {i, field, "no such image of this agency; upload it first (POST /api/v1/images)"});
            images_ok = false;
          }
        }
        if (!images_ok) continue;
        for (const std::string* address : {&r.plate_image, &r.overview_image}) {
          if (!address->empty()) {
            image_reads.push_back(
                {*address, p.agency_id, std::string(r.plate.text()), r.camera, r.time});
          }
        }
        admit(r, *cam);
      }
      return Status::Ok();
    });
  }
  if (!st.ok()) return Failed(ctx, st, "resolving cameras failed");
  store::AppendResult stored;
  // Images are kept as long as a hold keeps a read that names them.
  if (!image_reads.empty()) {
    st = ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
      return alerting::RecordImageReads(db, image_reads);
    });
    if (!st.ok()) return Failed(ctx, st, "recording image reads failed");
  }
  if (!reads.empty()) {
    Result<store::AppendResult> appended = ctx.store->Append(reads);
    if (!appended.ok()) {
      const StatusCode code = appended.status().code();
      if (code != StatusCode::kResourceExhausted && code != StatusCode::kUnavailable)
        return Failed(ctx, appended.status(), "storing reads failed");
      // The cluster's stream is full or away (decision 0035): nothing of the
      // batch is acknowledged, and the camera sends all of it again later.
      ctx.log.Warn("reads refused for now: the read stream did not store them",
                   {{"error", appended.status().message()}});
      http::Response busy = http::Response::Error(
          503, code == StatusCode::kResourceExhausted ? "stream_full" : "stream_unavailable",
          "the reads could not be stored now; send the whole batch again after Retry-After "
          "seconds (reads already stored are counted as duplicates)");
      busy.headers.emplace_back("Retry-After", "5");
      return busy;
    }
    stored = *appended;
    ctx.read_counts.Add(reads, stored.kept);
    // Where vehicles go next: taught by every read kept (decision 0039), in
    // one call for the batch.
    if (ctx.movement) {
      std::vector<std::string> cameras;  // "<agency>/<code>", kept alive for the call
      std::vector<ops::MovementModel::Sighting> seen;
      cameras.reserve(reads.size());  // no reallocation: `seen` points into it
      seen.reserve(reads.size());
      // A batch is mostly runs of one camera: its name and place once a run.
      const read::Read* run = nullptr;
      std::optional<geo::Point> run_at;
      for (std::size_t i = 0; i < reads.size() && i < stored.kept.size(); ++i) {
        if (!stored.kept[i]) continue;
        const read::Read& r = reads[i];
        if (run == nullptr || r.camera != run->camera) {
          run = &r;
          cameras.push_back(r.agency + "/" + r.camera);
          const std::optional<alerting::CameraRef> cam = ctx.cameras.Cached(p.agency_id, r.camera);
          run_at = cam && cam->lat && cam->lon
                       ? std::optional<geo::Point>(geo::Point::FromDegrees(*cam->lat, *cam->lon))
                       : std::nullopt;
        }
        seen.push_back({r.plate.Pack(), cameras.back(), r.position ? r.position : run_at, r.time,
                        r.plate_confidence.known() ? r.plate_confidence.percent() : 90});
      }
      ctx.movement->Observe(seen);
    }
    CheckReadsForIntel(ctx, reads, stored.kept);
  }
  // Matched before the answer: a hit exists before the camera hears "accepted".
  // Reads of confidential plates under the approved exception are matched
  // after the stored ones, with their own metadata.
  for (std::size_t i = 0; i < reads.size(); ++i) meta[i].read = &reads[i];
  for (std::size_t i = 0; i < match_only.size(); ++i) match_only_meta[i].read = &match_only[i];
  const auto snapshot = ctx.hotlists.Current();
  Result<std::vector<alerting::RecordedHit>> hits = std::vector<alerting::RecordedHit>{};
  for (std::vector<alerting::ReadForMatching>* batch : {&meta, &match_only_meta}) {
    const std::vector<alerting::Found> found = alerting::MatchReads(*snapshot, *batch);
    if (found.empty()) continue;
    Result<std::vector<alerting::RecordedHit>> recorded =
        ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
          return alerting::RecordHits(db, *snapshot, *batch, found, now);
        });
    if (!recorded.ok()) return Failed(ctx, recorded.status(), "recording hits failed");
    hits->insert(hits->end(), recorded->begin(), recorded->end());
  }
  if (!hits->empty()) {
    ctx.hub->Publish(*hits);
    if (ctx.hits_recorded) ctx.hits_recorded();
  }
  ctx.confidential_dropped.fetch_add(confidential, std::memory_order_relaxed);
  std::sort(rejected.begin(), rejected.end(),
            [](const Rejected& a, const Rejected& b) { return a.index < b.index; });
  return JsonResponse(200, [&](Writer& w) {
    w.StartObject();
    json::Members(w, "accepted", stored.accepted + confidential, "duplicates", stored.duplicates,
                  "expired", stored.expired, "backfill", backfill, "hits", hits->size());
    json::Key(w, "rejected");
    w.StartArray();
    for (const Rejected& r : rejected) {
      w.StartObject();
      json::Members(w, "index", r.index, "field", r.field, "error", r.error);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  });
}

// A CSV body (Content-Type: text/csv): the `csv` import format, a header line
// first; rejections name the data row (index 0 is the first row after the header).
http::Response IngestCsvReads(ApiContext& ctx, const http::Request& req) {
  const identity::Principal& p = Caller(req);
  std::string_view body = req.body;
  const std::size_t nl = body.find('\n');
  std::string_view header = body.substr(0, nl);
  if (!header.empty() && header.back() == '\r') header.remove_suffix(1);
  Result<read::DelimitedReadParser> parser =
      read::DelimitedReadParser::FromHeader(read::DelimitedFormat::kCsv, header, p.agency_code);
  if (!parser.ok()) return ErrorResponse(parser.status().WithContext("body: line 1: "));
  std::vector<std::pair<std::size_t, read::Read>> parsed;
  std::vector<Rejected> rejected;
  std::size_t index = 0;
  std::size_t pos = nl == std::string_view::npos ? body.size() : nl + 1;
  while (pos < body.size()) {
    std::size_t end = body.find('\n', pos);
    if (end == std::string_view::npos) end = body.size();
    std::string_view line = body.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (index == kMaxReadsPerRequest) {
      return http::Response::Error(
          413, "too_many_reads",
          fmt::format("at most {} reads per request; send the rest in another",
                      kMaxReadsPerRequest));
    }
    read::Read r;
    read::ReadRejection why;
    if (parser->Parse(line, &r, &why)) {
      parsed.emplace_back(index, std::move(r));
    } else {
      rejected.push_back({index, why.field, why.message});
    }
    ++index;
  }
  return StoreAndMatch(ctx, p, std::move(parsed), std::move(rejected));
}

http::Response IngestReads(ApiContext& ctx, const http::Request& req) {
  if (req.Header("Content-Type").starts_with("text/csv")) return IngestCsvReads(ctx, req);
  std::vector<std::string> texts;
  if (Status st = SplitJsonItems(req, kMaxReadsPerRequest, "reads", &texts); !st.ok())
    return ErrorResponse(st);
  if (texts.size() > kMaxReadsPerRequest) {
    return http::Response::Error(
        413, "too_many_reads",
        fmt::format("at most {} reads per request; send the rest in another", kMaxReadsPerRequest));
  }
  std::vector<std::pair<std::size_t, read::Read>> parsed;
  std::vector<Rejected> rejected;
  parsed.reserve(texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    read::Read r;
    read::ReadRejection why;
    if (read::ParseNativeRead(texts[i], &r, &why)) {
      parsed.emplace_back(i, std::move(r));
    } else {
      rejected.push_back({i, why.field, why.message});
    }
  }
  return StoreAndMatch(ctx, Caller(req), std::move(parsed), std::move(rejected));
}

// One OpenALPR message: alpr_results (a read per plate), alpr_group (one
// read) or heartbeat (camera health). Rejections name the result
// ("results[1].plate"); their index is the result's position.
http::Response IngestOpenAlpr(ApiContext& ctx, const http::Request& req) {
  const identity::Principal& p = Caller(req);
  Result<read::OpenAlprMessage> m = read::ParseOpenAlpr(req.body, p.agency_code);
  if (!m.ok()) return ErrorResponse(m.status());
  if (m->kind == read::OpenAlprMessage::Kind::kHeartbeat) {
    std::size_t known = 0;
    Status st = ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) -> Status {
      for (const std::string& code : m->cameras) {
        Status h =
            alerting::Heartbeat(db, p.agency_id, code, m->agent_version, ctx.clock.NowMillis());
        if (h.ok()) {
          ++known;
        } else if (h.code() != StatusCode::kNotFound) {
          return h;
        }
      }
      return Status::Ok();
    });
    if (!st.ok()) return Failed(ctx, st, "recording a heartbeat failed");
    return http::Response::Json(200, json::Object("heartbeat", true, "cameras", known, "unknown",
                                                  m->cameras.size() - known));
  }
  // Embedded crops go to the image store first; the reads then name them.
  Status images = ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) -> Status {
    for (std::size_t i = 0; i < m->reads.size(); ++i) {
      read::OpenAlprMessage::Source& src = m->sources[i];
      for (auto [bytes, dest] : {std::pair{&src.plate_crop, &m->reads[i].plate_image},
                                 std::pair{&src.vehicle_crop, &m->reads[i].overview_image}}) {
        if (bytes->empty()) continue;
        Result<std::string> address = alerting::StoreImage(db, *ctx.images, ctx.keys, p.agency_id,
                                                           *bytes, ctx.clock.NowMillis());
        if (!address.ok()) {
          if (address.status().code() == StatusCode::kInvalidArgument) continue;  // not an image
          return address.status();
        }
        *dest = *address;
      }
    }
    return Status::Ok();
  });
  if (!images.ok()) return Failed(ctx, images, "storing images failed");
  std::vector<std::pair<std::size_t, read::Read>> parsed;
  // Rejections name the result a read came from, not its place among the reads.
  for (std::size_t i = 0; i < m->reads.size(); ++i) {
    parsed.emplace_back(m->sources[i].result, std::move(m->reads[i]));
  }
  std::vector<Rejected> rejected;
  for (const auto& r : m->rejected) rejected.push_back({r.result, r.field, r.message});
  return StoreAndMatch(ctx, p, std::move(parsed), std::move(rejected));
}

}  // namespace

Status RebuildHotlistIndex(ApiContext& ctx) {
  std::lock_guard<std::mutex> lock(ctx.rebuild_mu);
  return ctx.hotlists.Rebuild(*ctx.index_db, ctx.clock.NowMillis());
}

void AddCameraRoutes(http::Router& router, ApiContext& ctx) {
  router.Add({"GET", "/api/v1/cameras", http::AccessRule::Requires("agency.read"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<std::vector<alerting::CameraInfo>> cams =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return alerting::ListCameras(db, Caller(req));
                    });
                if (!cams.ok()) return Failed(ctx, cams.status(), "listing cameras failed");
                return JsonList("cameras", *cams, [](Writer& w, const alerting::CameraInfo& c) {
                  w.StartObject();
                  json::Members(w, "id", c.id, "code", c.code, "name", c.name, "vendor", c.vendor,
                                "status", c.status, "mobile", c.mobile, "lat", c.lat, "lon", c.lon,
                                "last_seen_at", FormatRfc3339(c.last_seen_at), "agent_version",
                                c.agent_version);
                  w.EndObject();
                });
              }});
  // Where the cameras are whose reads or hits the caller may see: for maps of
  // search results and shared hits. Positions and names only, no health.
  router.Add({"GET", "/api/v1/camera-positions", http::AccessRule::Requires("agency.read"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<std::vector<alerting::CameraPosition>> cams =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return alerting::VisibleCameraPositions(db, Caller(req),
                                                              ctx.clock.NowMillis());
                    });
                if (!cams.ok())
                  return Failed(ctx, cams.status(), "listing camera positions failed");
                return JsonList("cameras", *cams, [](Writer& w, const alerting::CameraPosition& c) {
                  w.StartObject();
                  json::Members(w, "code", c.code, "name", c.name, "agency", c.agency, "lat", c.lat,
                                "lon", c.lon, "mobile", c.mobile);
                  w.EndObject();
                });
              }});
  router.Add({"POST", "/api/v1/cameras", http::AccessRule::Requires("cameras.manage"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<JsonBody> b = JsonBody::Parse(req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                alerting::CameraSpec spec;
                Result<std::string> code = b->String("code");
                if (!code.ok()) return ErrorResponse(code.status());
                spec.code = *code;
                Result<std::optional<std::string>> name = b->OptionalString("name");
                Result<std::optional<std::string>> vendor = b->OptionalString("vendor");
                Result<std::optional<std::string>> lat = b->OptionalString("lat");
                Result<std::optional<std::string>> lon = b->OptionalString("lon");
                Result<std::optional<bool>> mobile = b->OptionalBool("mobile");
                for (const Status& s : {name.status(), vendor.status(), lat.status(), lon.status(),
                                        mobile.status()}) {
                  if (!s.ok()) return ErrorResponse(s);
                }
                spec.name = name->value_or("");
                spec.vendor = vendor->value_or("");
                spec.mobile = mobile->value_or(false);
                try {
                  if (*lat) spec.lat = std::stod(**lat);
                  if (*lon) spec.lon = std::stod(**lon);
                } catch (const std::exception&) {
                  return ErrorResponse(
                      Status::InvalidArgument("lat, lon: decimal degrees as strings, \"38.627\""));
                }
                Result<std::int64_t> id = AsCaller(ctx, req, alerting::CreateCamera, spec);
                if (!id.ok()) return Failed(ctx, id.status(), "creating a camera failed");
                if (Status st = Changed(ctx, catalog::kCamerasTopic); !st.ok())
                  return Failed(ctx, st, "noting a camera change failed");
                return JsonObject(201, "id", *id);
              }});
  // Body: {"auto_register": true}: reads from unknown cameras register them
  // as pending (stored, never alerted) instead of being refused.
  router.Add({"POST", "/api/v1/camera-settings", http::AccessRule::Requires("cameras.manage"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<JsonBody> b = JsonBody::Parse(req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                Result<std::optional<bool>> on = b->OptionalBool("auto_register");
                if (!on.ok()) return ErrorResponse(on.status());
                if (!*on) return ErrorResponse(Status::InvalidArgument("auto_register: required"));
                Status st = AsCaller(ctx, req, alerting::SetAutoRegister, **on);
                if (!st.ok()) return Failed(ctx, st, "changing camera settings failed");
                return JsonObject(200, "applied", true);
              }});
  router.Add({"POST", "/api/v1/cameras/{id}/approve", http::AccessRule::Requires("cameras.manage"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return ErrorResponse(Status::NotFound("no such camera"));
                Status st = AsCaller(ctx, req, alerting::ApproveCamera, *id);
                if (!st.ok()) return Failed(ctx, st, "approving a camera failed");
                if (Status changed = Changed(ctx, catalog::kCamerasTopic); !changed.ok())
                  return Failed(ctx, changed, "noting a camera change failed");
                return JsonObject(200, "status", "active");
              }});
}

void AddHotlistRoutes(http::Router& router, ApiContext& ctx) {
  router.Add({"GET", "/api/v1/hotlists", http::AccessRule::Requires("hotlists.read"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                const std::int64_t now = ctx.clock.NowMillis();
                Result<std::vector<alerting::ListInfo>> lists =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return alerting::ListLists(db, Caller(req));
                    });
                if (!lists.ok()) return Failed(ctx, lists.status(), "listing hotlists failed");
                return JsonList("hotlists", *lists, [now](Writer& w, const alerting::ListInfo& l) {
                  // Unpublished (or published ahead of this clock): no age, and stale.
                  const std::optional<std::int64_t> age = l.published_at && now >= *l.published_at
                                                              ? std::optional(now - *l.published_at)
                                                              : std::nullopt;
                  w.StartObject();
                  json::Members(w, "id", l.id, "agency", l.agency, "name", l.name, "kind", l.kind,
                                "priority", l.priority, "one_edit", l.one_edit, "generation",
                                l.generation, "published_at", FormatRfc3339(l.published_at),
                                "age_s", age ? std::optional(*age / 1000) : std::nullopt, "stale",
                                !age || *age > alerting::kStaleListMs, "entries", l.entries,
                                "pending", l.pending, "audience", l.audience);
                  w.EndObject();
                });
              }});
  router.Add({"POST", "/api/v1/hotlists", http::AccessRule::Requires("hotlists.manage"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<JsonBody> b = JsonBody::Parse(req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                alerting::ListSpec spec;
                Result<std::string> name = b->String("name");
                Result<std::string> kind = b->String("kind");
                Result<std::optional<std::int64_t>> priority = b->OptionalInt("priority");
                Result<std::optional<std::vector<std::string>>> audience =
                    b->OptionalStringArray("audience");
                Result<std::optional<bool>> one_edit = b->OptionalBool("one_edit");
                for (const Status& s : {name.status(), kind.status(), priority.status(),
                                        audience.status(), one_edit.status()}) {
                  if (!s.ok()) return ErrorResponse(s);
                }
                spec.name = *name;
                spec.kind = *kind;
                spec.priority = static_cast<int>(priority->value_or(2));
                spec.audience = audience->value_or(std::vector<std::string>{});
                spec.one_edit = *one_edit;
                Result<std::int64_t> id = AsCaller(ctx, req, alerting::CreateList, spec);
                if (!id.ok()) return Failed(ctx, id.status(), "creating a hotlist failed");
                return JsonObject(201, "id", *id);
              }});
  // The body is the file itself; ?format=ncic|csv|genetec|json, ?published_at=RFC 3339.
  router.Add(
      {"PUT", "/api/v1/hotlists/{id}/entries", http::AccessRule::Requires("hotlists.load"),
       [&ctx](const http::Request& req, const http::PathParams& params) {
         const std::optional<std::int64_t> id = PathId(params);
         if (!id) return ErrorResponse(Status::NotFound("no such hotlist"));
         alerting::LoadRequest lr;
         lr.list = *id;
         Result<hotlist::Format> format =
             hotlist::ParseFormat(req.QueryParam("format").value_or(""));
         if (!format.ok()) return ErrorResponse(format.status());
         lr.format = *format;
         if (std::optional<std::string> pub = req.QueryParam("published_at")) {
           Result<UnixMillis> t = ParseRfc3339(*pub);
           if (!t.ok()) {
             return ErrorResponse(Status::InvalidArgument("published_at: " + t.status().message()));
           }
           lr.published_at = *t;
         }
         lr.text = req.body;
         alerting::WithDb with = [&ctx](const std::function<Status(catalog::Database&)>& f) {
           return ctx.catalog->With(
               [&](catalog::Database& db, identity::Accounts&) { return f(db); });
         };
         // The index for the new generation is built before it becomes
         // current and installed at the switch: matching never pauses.
         std::unique_lock<std::mutex> rebuild(ctx.rebuild_mu, std::defer_lock);
         std::shared_ptr<const alerting::Snapshot> next;
         alerting::LoadHooks hooks;
         hooks.prepare = [&](std::int64_t list, std::int64_t generation,
                             std::int64_t published_at) -> Status {
           rebuild.lock();
           Result<std::shared_ptr<const alerting::Snapshot>> built = alerting::HotlistIndex::Build(
               *ctx.index_db, ctx.clock.NowMillis(), {{list, generation, published_at}});
           if (!built.ok()) return built.status();
           next = std::move(built).value();
           return Status::Ok();
         };
         hooks.switched = [&] { ctx.hotlists.Install(std::move(next)); };
         Result<alerting::LoadReport> r =
             alerting::LoadList(with, Caller(req), lr, ctx.clock.NowMillis(), hooks);
         if (!r.ok()) return Failed(ctx, r.status(), "loading a hotlist failed");
         // Installed here at the switch; the other servers rebuild from the catalog.
         if (Status st = Changed(ctx, catalog::kHotlistsTopic, /*reload_here=*/false); !st.ok())
           return Failed(ctx, st, "noting a hotlist change failed");
         return JsonResponse(200, [&](Writer& w) {
           w.StartObject();
           json::Members(w, "generation", r->generation, "active", r->active, "pending", r->pending,
                         "replaced", r->removed);
           json::Key(w, "rejected");
           hotlist::WriteRejections(w, r->rejected);
           w.EndObject();
         });
       }});
  router.Add({"GET", "/api/v1/hotlists/{id}/entries", http::AccessRule::Requires("hotlists.read"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return ErrorResponse(Status::NotFound("no such hotlist"));
                std::int64_t after = 0;
                if (auto raw = req.QueryParam("after")) {
                  const std::optional<std::int64_t> n = ParseNumber(*raw);
                  if (!n) return ErrorResponse(Status::InvalidArgument("after: an entry id"));
                  after = *n;
                }
                Result<std::vector<alerting::EntryInfo>> entries =
                    AsCaller(ctx, req, alerting::ListEntries, *id,
                             req.QueryParam("status").value_or(""), after, std::size_t{500});
                if (!entries.ok())
                  return Failed(ctx, entries.status(), "listing hotlist entries failed");
                return JsonList("entries", *entries, [](Writer& w, const alerting::EntryInfo& e) {
                  w.StartObject();
                  json::Members(w, "id", e.id, "plate", e.plate, "state", e.state, "kind", e.kind,
                                "status", e.status, "detail", json::Raw{e.detail}, "entered_by",
                                e.entered_by, "entered_at", FormatRfc3339(e.entered_at),
                                "expires_at", FormatRfc3339(e.expires_at));
                  w.EndObject();
                });
              }});
  // The check report of a file before it is loaded: nothing is stored, so
  // nothing is audited; the load that follows is.
  router.Add({"POST", "/api/v1/hotlists/{id}/check", http::AccessRule::Requires("hotlists.load"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return ErrorResponse(Status::NotFound("no such hotlist"));
                Result<hotlist::Format> format =
                    hotlist::ParseFormat(req.QueryParam("format").value_or(""));
                if (!format.ok()) return ErrorResponse(format.status());
                alerting::WithDb with = [&ctx](const std::function<Status(catalog::Database&)>& f) {
                  return ctx.catalog->With(
                      [&](catalog::Database& db, identity::Accounts&) { return f(db); });
                };
                Result<hotlist::ParsedList> parsed =
                    alerting::CheckList(with, Caller(req), *id, *format, req.body);
                if (!parsed.ok())
                  return Failed(ctx, parsed.status(), "checking a hotlist file failed");
                return http::Response::Json(200, hotlist::CheckReportJson(*parsed));
              }});
  router.Add({"POST", "/api/v1/hotlists/{id}/approve",
              http::AccessRule::Requires("hotlists.approve"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return ErrorResponse(Status::NotFound("no such hotlist"));
                Result<std::int64_t> n = AsCaller(ctx, req, alerting::ApprovePending, *id);
                if (!n.ok()) return Failed(ctx, n.status(), "approving entries failed");
                if (Status st = Changed(ctx, catalog::kHotlistsTopic); !st.ok()) {
                  return Failed(ctx, st, "rebuilding the hotlist index failed");
                }
                return JsonObject(200, "approved", *n);
              }});
  router.Add(
      {"GET", "/api/v1/hotlist-kinds", http::AccessRule::Requires("hotlists.read"),
       [&ctx](const http::Request& req, const http::PathParams&) {
         std::vector<alerting::KindRequest> requests;
         Result<std::map<std::string, bool>> kinds =
             ctx.catalog->With([&](catalog::Database& db,
                                   identity::Accounts&) -> Result<std::map<std::string, bool>> {
               Result<std::vector<alerting::KindRequest>> open =
                   alerting::ListKindRequests(db, Caller(req));
               if (!open.ok()) return open.status();
               requests = std::move(open).value();
               return alerting::ListKinds(db, Caller(req).agency_id);
             });
         if (!kinds.ok()) return Failed(ctx, kinds.status(), "listing list kinds failed");
         return JsonResponse(200, [&](Writer& w) {
           w.StartObject();
           json::Key(w, "kinds");
           w.StartArray();
           for (const auto& [k, on] : *kinds) {
             const hotlist::KindInfo* info = hotlist::FindKind(k);
             w.StartObject();
             json::Members(w, "kind", k, "name",
                           info != nullptr ? info->name : std::string_view("unknown"), "enabled",
                           on);
             w.EndObject();
           }
           w.EndArray();
           json::Key(w, "requests");
           w.StartArray();
           for (const alerting::KindRequest& r : requests) {
             w.StartObject();
             json::Members(w, "id", r.id, "kind", r.kind, "requested_by", r.proposed_by, "role",
                           r.proposed_role, "requested_at", FormatRfc3339(r.proposed_at));
             w.EndObject();
           }
           w.EndArray();
           w.EndObject();
         });
       }});
  // Body: {"enable": ["V", "P"], "disable": ["I"]}. Off at once; on only
  // once the other of a supervisor and an administrator approves.
  router.Add(
      {"POST", "/api/v1/hotlist-kinds", http::AccessRule::Requires("hotlists.manage"),
       [&ctx](const http::Request& req, const http::PathParams&) {
         Result<JsonBody> b = JsonBody::Parse(req.body);
         if (!b.ok()) return ErrorResponse(b.status());
         Result<std::optional<std::vector<std::string>>> en = b->OptionalStringArray("enable");
         Result<std::optional<std::vector<std::string>>> dis = b->OptionalStringArray("disable");
         if (!en.ok()) return ErrorResponse(en.status());
         if (!dis.ok()) return ErrorResponse(dis.status());
         std::map<std::string, bool> kinds;
         for (const std::string& k : en->value_or(std::vector<std::string>{})) kinds[k] = true;
         for (const std::string& k : dis->value_or(std::vector<std::string>{})) {
           kinds[k] = false;
         }
         Result<std::vector<std::int64_t>> opened =
             AsCaller(ctx, req, alerting::SetListKinds, kinds);
         if (!opened.ok()) return Failed(ctx, opened.status(), "setting list kinds failed");
         return JsonObject(opened->empty() ? 200 : 202, "applied", true, "requests", *opened);
       }});
  router.Add({"POST", "/api/v1/hotlist-kinds/requests/{id}/approve",
              http::AccessRule::Requires("hotlists.kinds"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) {
                  return http::Response::Error(400, "invalid_request",
                                               "id: must be a request number");
                }
                Status st = AsCaller(ctx, req, alerting::ApproveListKind, *id);
                // Hits check the camera agency's files as they match: the
                // file counts from the next read.
                if (!st.ok()) return Failed(ctx, st, "approving a list kind failed");
                return JsonObject(200, "id", *id, "state", "approved");
              }});
  router.Add({"POST", "/api/v1/hotlists/{id}/entries/{entry}/revalidate",
              http::AccessRule::Requires("hotlists.manage"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                const std::optional<std::int64_t> entry = ParseNumber(params.at("entry"));
                if (!id || !entry) {
                  return http::Response::Error(400, "invalid_request",
                                               "id and entry: a list's and an entry's number");
                }
                Result<JsonBody> b = JsonBody::Parse(req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                Result<std::string> reason = b->String("reason");
                if (!reason.ok()) return ErrorResponse(reason.status());
                Status st = ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                  return alerting::RevalidateEntry(db, Caller(req), *id, *entry, *reason,
                                                   ctx.clock.NowMillis());
                });
                if (!st.ok()) return Failed(ctx, st, "revalidating an entry failed");
                if (Status rebuilt = Changed(ctx, catalog::kHotlistsTopic); !rebuilt.ok()) {
                  return Failed(ctx, rebuilt, "rebuilding the hotlist index failed");
                }
                return JsonObject(200, "entry", *entry, "revalidated", true);
              }});
}

void AddIngestRoutes(http::Router& router, ApiContext& ctx) {
  // The body is the image (JPEG or PNG); reads then name it by address.
  router.Add({"POST", "/api/v1/images", http::AccessRule::Requires("reads.ingest"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                const identity::Principal& p = Caller(req);
                Result<std::string> type = media::ImageStore::ContentType(req.body);
                if (!type.ok()) return ErrorResponse(type.status());
                Result<std::string> address =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return alerting::StoreImage(db, *ctx.images, ctx.keys, p.agency_id, req.body,
                                                  ctx.clock.NowMillis());
                    });
                if (!address.ok()) {
                  if (address.status().code() == StatusCode::kInvalidArgument) {
                    return ErrorResponse(address.status());
                  }
                  return Failed(ctx, address.status(), "storing an image failed");
                }
                return JsonObject(201, "image", *address, "bytes", req.body.size());
              }});
  router.Add({"POST", "/api/v1/reads", http::AccessRule::Requires("reads.ingest"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                return IngestReads(ctx, req);
              }});
  router.Add({"POST", "/api/v1/ingest/openalpr", http::AccessRule::Requires("reads.ingest"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                return IngestOpenAlpr(ctx, req);
              }});
}

void AddHitRoutes(http::Router& router, ApiContext& ctx) {
  router.Add({"GET", "/api/v1/hits", http::AccessRule::Requires("hits.read"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                std::optional<std::int64_t> before;
                if (std::optional<std::string> b = req.QueryParam("before")) {
                  before = ParseNumber(*b);
                  if (!before) {
                    return ErrorResponse(Status::InvalidArgument("before: a hit id"));
                  }
                }
                Result<std::vector<std::string>> hits = ctx.catalog->With([&](catalog::Database& db,
                                                                              identity::Accounts&) {
                  return alerting::ListHits(db, Caller(req), before, 100, ctx.clock.NowMillis());
                });
                if (!hits.ok()) return Failed(ctx, hits.status(), "listing hits failed");
                return JsonList("hits", *hits, [](Writer& w, const std::string& hit) {
                  json::Put(w, json::Raw{hit});
                });
              }});
  router.Add({"GET", "/api/v1/hits/{id}", http::AccessRule::Requires("hits.read"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return ErrorResponse(Status::NotFound("no such hit"));
                Result<std::string> hit = AsCaller(ctx, req, alerting::GetHit, *id);
                if (!hit.ok()) return Failed(ctx, hit.status(), "reading a hit failed");
                return http::Response::Json(200, *hit);
              }});
  // The images a hit keeps, for the visual check.
  for (const char* role : {"plate", "overview"}) {
    router.Add(
        {"GET", fmt::format("/api/v1/hits/{{id}}/{}-image", role),
         http::AccessRule::Requires("hits.read"),
         [&ctx, role = std::string(role)](const http::Request& req,
                                          const http::PathParams& params) {
           const std::optional<std::int64_t> id = PathId(params);
           if (!id) return ErrorResponse(Status::NotFound("no such hit"));
           Result<alerting::HeldImage> image =
               ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                 return alerting::HitImage(db, Caller(req), *id, role, ctx.clock.NowMillis());
               });
           if (!image.ok()) return Failed(ctx, image.status(), "reading an image failed");
           Result<std::string> bytes = alerting::ReadHeldImage(*ctx.images, ctx.keys, *image);
           if (!bytes.ok()) return Failed(ctx, bytes.status(), "reading an image failed");
           http::Response res;
           res.content_type = image->content_type;
           res.body = std::move(*bytes);
           return res;
         }});
  }
  // One route per step of the workflow.
  for (const alerting::HitActionInfo& info : alerting::kHitActions) {
    const alerting::HitAction action = info.action;
    router.Add({"POST", fmt::format("/api/v1/hits/{{id}}/{}", info.route),
                http::AccessRule::Requires("hits.work"),
                [&ctx, action](const http::Request& req, const http::PathParams& params) {
                  const std::optional<std::int64_t> id = PathId(params);
                  if (!id) return ErrorResponse(Status::NotFound("no such hit"));
                  alerting::HitStep step;
                  step.action = action;
                  if (!req.body.empty()) {
                    Result<JsonBody> b = JsonBody::Parse(req.body);
                    if (!b.ok()) return ErrorResponse(b.status());
                    Result<std::optional<std::string>> outcome = b->OptionalString("outcome");
                    Result<std::optional<std::string>> note = b->OptionalString("note");
                    Result<std::optional<bool>> pm = b->OptionalBool("plate_matches");
                    Result<std::optional<bool>> sm = b->OptionalBool("state_matches");
                    Result<std::optional<bool>> vm = b->OptionalBool("vehicle_matches");
                    Result<std::optional<bool>> sc = b->OptionalBool("source_confirmed");
                    Result<std::optional<std::string>> why = b->OptionalString("proceed_reason");
                    for (const Status& s : {outcome.status(), note.status(), pm.status(),
                                            sm.status(), vm.status(), sc.status(), why.status()}) {
                      if (!s.ok()) return ErrorResponse(s);
                    }
                    step.outcome = outcome->value_or("");
                    step.note = note->value_or("");
                    step.plate_matches = *pm;
                    step.state_matches = *sm;
                    step.vehicle_matches = *vm;
                    step.source_confirmed = *sc;
                    step.proceed_reason = why->value_or("");
                  }
                  Result<std::string> hit = ctx.catalog->With([&](catalog::Database& db,
                                                                  identity::Accounts&) {
                    return alerting::AdvanceHit(db, Caller(req), *id, step, ctx.clock.NowMillis());
                  });
                  if (!hit.ok()) return Failed(ctx, hit.status(), "working a hit failed");
                  return http::Response::Json(200, *hit);
                }});
  }
}

}  // namespace interdict::server
