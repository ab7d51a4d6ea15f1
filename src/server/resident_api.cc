// POST /api/v1/resident-requests (docs/oversight.md, section 4): a clerk
// answers a resident who asks whether the agency holds data about their plate
// and what will happen to it — how many reads, from which days, when they will
// be deleted, which holds keep any, whether a hit names it; never where or
// when exactly. The request is itself on the record.
#include <fmt/core.h>

#include <algorithm>

#include "alerting/hits.h"
#include "base/time_format.h"
#include "oversight/read_counts.h"
#include "oversight/report.h"
#include "policy/retention.h"
#include "server/api.h"
#include "server/json_body.h"
#include "server/json_writer.h"
#include "server/route_util.h"

namespace interdict::server {
namespace {

constexpr std::int64_t kDay = 86'400'000;
constexpr std::size_t kMostReads = 100'000;

std::string Day(std::int64_t ms) {
  return oversight::FormatDay(oversight::UtcDay(ms));
}

}  // namespace

void AddResidentRoutes(http::Router& router, ApiContext& ctx) {
  router.Add(
      {"POST", "/api/v1/resident-requests", http::AccessRule::Requires("records.respond"),
       [&ctx](const http::Request& req, const http::PathParams&) {
         const identity::Principal& p = Caller(req);
         const std::int64_t now = ctx.clock.NowMillis();
         Result<JsonBody> b = JsonBody::Parse(req.body);
         if (!b.ok()) return ErrorResponse(b.status());
         Result<std::string> raw_plate = b->String("plate");
         Result<std::optional<std::string>> raw_state = b->OptionalString("state");
         Result<std::string> requester = b->String("requester");
         Result<std::string> reference = b->String("reference");
         for (const Status& s :
              {raw_plate.status(), raw_state.status(), requester.status(), reference.status()}) {
           if (!s.ok()) return ErrorResponse(s);
         }
         if (requester->empty() || requester->size() > 200)
           return ErrorResponse(Status::InvalidArgument("requester: who asked, 1 to 200 bytes"));
         if (reference->empty() || reference->size() > 64)
           return ErrorResponse(
               Status::InvalidArgument("reference: the request's number, 1 to 64 bytes"));
         Result<plate::Plate> plate = plate::Plate::Parse(*raw_plate);
         if (!plate.ok()) return ErrorResponse(plate.status().WithContext("plate: "));
         std::optional<plate::Jurisdiction> state;
         if (*raw_state && !(*raw_state)->empty()) {
           Result<plate::Jurisdiction> j = plate::Jurisdiction::Parse(**raw_state);
           if (!j.ok()) return ErrorResponse(j.status().WithContext("state: "));
           state = *j;
         }

         // The agency's own reads of the plate, and which holds keep them.
         store::ReadQuery q;
         q.agencies = {p.agency_code};
         q.plate = *plate;
         q.state = state;
         q.limit = kMostReads;
         Result<store::QueryResult> found = ctx.store->Query(q);
         if (!found.ok()) return Failed(ctx, found.status(), "answering a resident failed");
         std::int64_t first = 0, last = 0, held_reads = 0;
         for (const read::Read& r : found->reads) {
           first = first == 0 ? r.time : std::min(first, r.time);
           last = std::max(last, r.time);
           if (!ctx.store->HoldFor(r).empty()) ++held_reads;
         }

         std::vector<policy::RetentionSetting> retention;
         std::int64_t hits = 0, last_hit = 0;
         std::vector<policy::PlateHold> holds;
         Status st = ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
           Result<std::vector<policy::RetentionSetting>> r = policy::GetRetention(db, p);
           if (!r.ok()) return r.status();
           retention = std::move(r).value();
           Result<alerting::PlateHits> h = alerting::HitsOfPlate(db, p.agency_id, plate->text());
           if (!h.ok()) return h.status();
           hits = h->count;
           last_hit = h->last_read_time;
           Result<std::vector<policy::PlateHold>> k =
               policy::HoldsOfPlate(db, p.agency_id, plate->text(), now);
           if (!k.ok()) return k.status();
           holds = std::move(k).value();
           // The request is a record too: the plate, who asked and the reference.
           return db.Transaction([&] {
             return identity::AuditAct(
                 db, p, "records.resident_request", true,
                 json::Object("plate", plate->text(), "state",
                              state ? std::optional(state->code()) : std::nullopt, "requester",
                              *requester, "reference", *reference, "reads", found->reads.size(),
                              "hits", hits, "holds", holds.size()),
                 now);
           });
         });
         if (!st.ok()) return Failed(ctx, st, "answering a resident failed");

         auto period = [&](std::string_view cls) -> std::int64_t {
           for (const policy::RetentionSetting& s : retention)
             if (s.data_class == cls) return s.period_ms;
           return 0;
         };
         const std::int64_t reads_ms = period("non_hit_reads"), hits_ms = period("hits");
         // Without a retention rule nothing is deleted yet: the dates are null.
         using OptDay = std::optional<std::string>;
         const auto days = [](std::int64_t ms) {
           return ms > 0 ? std::optional(ms / kDay) : std::nullopt;
         };
         const bool any = !found->reads.empty();
         return JsonResponse(200, [&](Writer& w) {
           w.StartObject();
           json::Members(w, "plate", plate->text(), "agency", p.agency_code, "reference",
                         *reference, "answered_at", FormatRfc3339(now));
           json::Key(w, "reads");
           w.StartObject();
           json::Members(w, "count", found->reads.size(), "more_than", found->truncated,
                         "first_day", any ? OptDay(Day(first)) : std::nullopt, "last_day",
                         any ? OptDay(Day(last)) : std::nullopt, "deleted_from",
                         any && reads_ms > 0 ? OptDay(Day(first + reads_ms)) : std::nullopt,
                         "deleted_by",
                         any && reads_ms > 0 ? OptDay(Day(last + reads_ms + kDay)) : std::nullopt,
                         "held", held_reads, "retention_days", days(reads_ms));
           w.EndObject();
           json::Key(w, "hits");
           w.StartObject();
           json::Members(
               w, "count", hits, "kept_until",
               hits && hits_ms > 0 ? OptDay(Day(last_hit + hits_ms + kDay)) : std::nullopt,
               "retention_days", days(hits_ms));
           w.EndObject();
           json::Key(w, "holds");
           w.StartArray();
           for (const policy::PlateHold& h : holds) {
             w.StartObject();
             json::Members(w, "id", h.id, "basis", h.basis, "expires_at",
                           FormatRfc3339(h.expires_at));
             w.EndObject();
           }
           w.EndArray();
           w.EndObject();
         });
       }});
}

}  // namespace interdict::server
