// Address-confidentiality plates (docs/security.md): a clerk or an
// administrator proposes adding or removing a plate, another approves, and
// the list in force is reloaded at once. Nothing here ever answers with a
// plate: the list is keyed hashes, and changes are named by a hash prefix.
#include <fmt/core.h>

#include "base/time_format.h"
#include "catalog/changes.h"
#include "policy/confidential.h"
#include "server/api.h"
#include "server/changes.h"
#include "server/json_body.h"
#include "server/json_writer.h"
#include "server/route_util.h"

namespace interdict::server {

Status ReloadConfidentialPlates(ApiContext& ctx) {
  Result<std::set<std::string>> digests =
      ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
        return policy::LoadConfidentialDigests(db);
      });
  if (!digests.ok()) return digests.status();
  Result<std::set<std::string>> matchable = ctx.catalog->With(
      [&](catalog::Database& db, identity::Accounts&) { return policy::LoadMatchableDigests(db); });
  if (!matchable.ok()) return matchable.status();
  ctx.confidential->Replace(std::move(digests).value());
  ctx.confidential->ReplaceMatchable(std::move(matchable).value());
  return Status::Ok();
}

void AddConfidentialRoutes(http::Router& router, ApiContext& ctx) {
  router.Add({"POST", "/api/v1/confidential-plates/matching",
              http::AccessRule::Requires("hotlists.approve"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<JsonBody> b = JsonBody::Parse(req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                Result<std::string> plate = b->String("plate");
                if (!plate.ok()) return ErrorResponse(plate.status());
                Result<std::int64_t> id =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return policy::ProposeConfidentialMatching(
                          db, Caller(req), ctx.confidential->key(), *plate, ctx.clock.NowMillis());
                    });
                if (!id.ok()) return Failed(ctx, id.status(), "asking for matching failed");
                return JsonObject(201, "id", *id, "state", "proposed");
              }});
  router.Add({"POST", "/api/v1/confidential-plates/matching/{id}/approve",
              http::AccessRule::Requires("hotlists.approve"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) {
                  return http::Response::Error(400, "invalid_request",
                                               "id: must be a request's number");
                }
                Status st = AsCaller(ctx, req, policy::ApproveConfidentialMatching, *id);
                if (!st.ok()) return Failed(ctx, st, "approving matching failed");
                if (Status reloaded = Changed(ctx, catalog::kConfidentialTopic); !reloaded.ok())
                  return Failed(ctx, reloaded, "reloading the confidential plates failed");
                return JsonObject(200, "id", *id, "state", "approved");
              }});
  router.Add({"POST", "/api/v1/confidential-plates/changes",
              http::AccessRule::Requires("confidential.manage"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<JsonBody> b = JsonBody::Parse(req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                Result<std::string> plate = b->String("plate");
                Result<std::string> action = b->String("action");
                for (const Status& st : {plate.status(), action.status()}) {
                  if (!st.ok()) return ErrorResponse(st);
                }
                Result<std::int64_t> id = ctx.catalog->With([&](catalog::Database& db,
                                                                identity::Accounts&) {
                  return policy::ProposeConfidentialChange(db, Caller(req), ctx.confidential->key(),
                                                           *plate, *action, ctx.clock.NowMillis());
                });
                if (!id.ok()) return Failed(ctx, id.status(), "proposing a change failed");
                return JsonObject(201, "id", *id, "state", "proposed");
              }});
  router.Add(
      {"GET", "/api/v1/confidential-plates/changes",
       http::AccessRule::Requires("confidential.manage"),
       [&ctx](const http::Request& req, const http::PathParams&) {
         Result<std::vector<policy::ConfidentialChange>> changes =
             ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
               return policy::ListConfidentialChanges(db, Caller(req));
             });
         if (!changes.ok()) return Failed(ctx, changes.status(), "listing changes failed");
         return JsonList("changes", *changes, [](Writer& w, const policy::ConfidentialChange& c) {
           w.StartObject();
           json::Members(w, "id", c.id, "action", c.action, "digest", c.digest_prefix,
                         "proposed_by", c.proposed_by, "proposed_at", FormatRfc3339(c.proposed_at));
           w.EndObject();
         });
       }});
  router.Add({"POST", "/api/v1/confidential-plates/changes/{id}/approve",
              http::AccessRule::Requires("confidential.manage"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) {
                  return http::Response::Error(400, "invalid_request",
                                               "id: must be a change's number");
                }
                Status st = AsCaller(ctx, req, policy::ApproveConfidentialChange, *id);
                if (!st.ok()) return Failed(ctx, st, "approving a change failed");
                // In force for the next read and the next search.
                if (Status reloaded = Changed(ctx, catalog::kConfidentialTopic); !reloaded.ok())
                  return Failed(ctx, reloaded, "reloading the confidential plates failed");
                return JsonObject(200, "id", *id, "state", "approved");
              }});
}

}  // namespace interdict::server
