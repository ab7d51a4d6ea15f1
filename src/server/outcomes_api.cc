// The routes of outcome evaluation (docs/outcomes.md, docs/format/outcomes.md):
// incident datasets kept as monthly counts, evaluations of claims, saved and
// published ones, and their printable reports — for supervisors, auditors and
// administrators; the published ones on the public transparency page.
#include <fmt/core.h>

#include <atomic>

#include "base/time_format.h"
#include "outcomes/datasets.h"
#include "outcomes/report.h"
#include "server/api.h"
#include "server/json_writer.h"
#include "server/route_util.h"

namespace interdict::server {
namespace {

// Evaluations run at most two at a time: each is a few hundred
// milliseconds of one core, and a stream of them must not starve the rest.
constexpr int kMaxRunningEvaluations = 2;
std::atomic<int> g_running_evaluations{0};

// A report is a document of its own: no script, no outside resource.
constexpr std::string_view kReportPolicy =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";

void WriteDataset(Writer& w, const outcomes::Dataset& d) {
  w.StartObject();
  json::Members(w, "id", d.id, "name", d.name, "source", d.source, "format", d.format, "area_kind",
                d.area_kind, "first_month",
                d.first_month ? std::optional<std::string>(outcomes::FormatMonth(*d.first_month))
                              : std::nullopt,
                "last_month",
                d.last_month ? std::optional<std::string>(outcomes::FormatMonth(*d.last_month))
                             : std::nullopt,
                "files", d.files, "lines", d.lines, "errors", d.errors, "error_sample",
                json::Raw{d.error_sample}, "agency", d.agency, "created_by", d.created_by,
                "created_at", FormatRfc3339(d.created_at));
  json::Key(w, "categories");
  w.StartArray();
  for (const auto& [category, total] : d.categories) {
    w.StartObject();
    json::Members(w, "category", category, "total", total);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

// A saved evaluation; with `full`, its claim and answer too. The public
// page names the agency, never a person (docs/oversight.md).
void WriteEvaluation(Writer& w, const outcomes::SavedEvaluation& e, bool full,
                     bool public_view = false) {
  w.StartObject();
  json::Members(w, "id", e.id, "dataset", e.dataset_id, "dataset_name", e.dataset_name, "title",
                e.title, "verdict", e.verdict, "agency", e.agency, "created_at",
                FormatRfc3339(e.created_at), "published_at", FormatRfc3339(e.published_at));
  if (!public_view) json::Members(w, "created_by", e.created_by);
  if (full) json::Members(w, "claim", json::Raw{e.claim}, "result", json::Raw{e.result});
  w.EndObject();
}

// The claim of an evaluate or save request: {dataset, category, areas,
// start, claimed_pct?, comparison?, pre_months?, post_months?}, and the
// request as it is kept with a saved evaluation.
struct ClaimRequest {
  std::int64_t dataset = 0;
  std::string category;
  outcomes::Claim claim;
  std::string json;
};

Result<ClaimRequest> ParseClaim(const JsonBody& b) {
  ClaimRequest r;
  Result<std::optional<std::int64_t>> dataset = b.OptionalInt("dataset");
  if (!dataset.ok()) return dataset.status();
  if (!*dataset) return Status::InvalidArgument("dataset: required, a dataset's id");
  r.dataset = **dataset;
  Result<std::string> category = b.String("category"), start = b.String("start");
  if (!category.ok()) return category.status();
  if (!start.ok()) return start.status();
  r.category = *category;
  Result<outcomes::Month> month = outcomes::ParseMonth(*start);
  if (!month.ok()) return Status::InvalidArgument("start: " + month.status().message());
  r.claim.start = *month;
  Result<std::vector<std::string>> areas = b.StringArray("areas");
  if (!areas.ok()) return areas.status();
  if (areas->empty() || areas->size() > 50)
    return Status::InvalidArgument("areas: 1 to 50 of the dataset's areas");
  r.claim.areas = *areas;
  Result<std::optional<std::vector<std::string>>> comparison = b.OptionalStringArray("comparison");
  if (!comparison.ok()) return comparison.status();
  r.claim.comparison = comparison->value_or(std::vector<std::string>{});
  if (r.claim.comparison.size() > 500)
    return Status::InvalidArgument("comparison: at most 500 areas");
  Result<std::optional<double>> claimed = b.OptionalNumber("claimed_pct");
  if (!claimed.ok()) return claimed.status();
  if (*claimed && !(**claimed > -100 && **claimed <= 10'000))
    return Status::InvalidArgument("claimed_pct: a percentage above −100");
  r.claim.claimed_pct = *claimed;
  for (const auto& [field, into, fallback] :
       {std::tuple<std::string_view, int*, int>{"pre_months", &r.claim.pre_months, 60},
        std::tuple<std::string_view, int*, int>{"post_months", &r.claim.post_months, 24}}) {
    Result<std::optional<std::int64_t>> v = b.OptionalInt(field);
    if (!v.ok()) return v.status();
    if (*v && (**v < 1 || **v > 240))
      return Status::InvalidArgument(fmt::format("{}: 1 to 240 months", field));
    *into = static_cast<int>(v->value_or(fallback));
  }
  r.json = json::Object("dataset", r.dataset, "category", r.category, "areas", r.claim.areas,
                        "comparison", r.claim.comparison, "start", *start, "claimed_pct",
                        r.claim.claimed_pct, "pre_months", r.claim.pre_months, "post_months",
                        r.claim.post_months);
  return r;
}

// Runs the evaluation of `r` unless two are running already (429).
Result<std::string> RunEvaluation(ApiContext& ctx, const http::Request& req,
                                  const ClaimRequest& r) {
  struct Slot {
    ~Slot() { g_running_evaluations.fetch_sub(1); }
  } slot;
  if (g_running_evaluations.fetch_add(1) >= kMaxRunningEvaluations)
    return Status(StatusCode::kResourceExhausted, "evaluations are busy: try again in a moment");
  // The catalog is held to load and to answer, not while the numbers run.
  Result<std::string> answer = [&]() -> Result<std::string> {
    Result<outcomes::EvaluationInput> input =
        ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
          return outcomes::LoadEvaluationInput(db, Caller(req), r.dataset, r.category);
        });
    if (!input.ok()) return input.status();
    outcomes::Claim claim = r.claim;
    claim.area_kind = input->dataset.area_kind;
    Result<outcomes::Evaluation> e = outcomes::Evaluate(input->panel, claim);
    if (!e.ok()) return e.status();
    return AsCaller(ctx, req, outcomes::FinishEvaluation, *input, *e);
  }();
  return answer;
}

Result<outcomes::SavedEvaluation> ReadEvaluation(ApiContext& ctx, const http::Request& req,
                                                 std::int64_t id) {
  return ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
    return outcomes::GetEvaluation(db, Caller(req), id);
  });
}

http::Response EvaluationFailed(ApiContext& ctx, const Status& s) {
  if (s.code() == StatusCode::kResourceExhausted) {
    http::Response busy = http::Response::Error(429, "rate_limited", s.message());
    busy.headers.emplace_back("Retry-After", "2");
    return busy;
  }
  return Failed(ctx, s, "evaluating a claim failed");
}

http::Response Report(const outcomes::SavedEvaluation& e, bool public_view) {
  Result<std::string> html = outcomes::ReportHtml(
      e.result,
      {.title = e.title,
       .dataset = e.dataset_name,
       .made = public_view ? fmt::format("Evaluated by {} on {}.", e.agency,
                                         FormatRfc3339(e.created_at).substr(0, 10))
                           : fmt::format("Evaluated by {} of {} on {}.", e.created_by, e.agency,
                                         FormatRfc3339(e.created_at).substr(0, 10)),
       .published = e.published_at ? fmt::format("Published on {}.",
                                                 FormatRfc3339(*e.published_at).substr(0, 10))
                                   : ""});
  if (!html.ok()) return ErrorResponse(html.status());
  http::Response r = http::Response::Text(200, std::move(*html), "text/html; charset=utf-8");
  r.headers.emplace_back("Content-Security-Policy", std::string(kReportPolicy));
  return r;
}

}  // namespace

void AddOutcomesRoutes(http::Router& router, ApiContext& ctx) {
  router.Add({"GET", "/api/v1/outcomes/datasets", http::AccessRule::Requires("outcomes.read"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<std::vector<outcomes::Dataset>> list =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return outcomes::ListDatasets(db, Caller(req));
                    });
                if (!list.ok()) return Failed(ctx, list.status(), "listing datasets failed");
                return JsonList("datasets", *list, WriteDataset);
              }});
  router.Add(
      {"POST", "/api/v1/outcomes/datasets", http::AccessRule::Requires("outcomes.manage"),
       [&ctx](const http::Request& req, const http::PathParams&) {
         Result<JsonBody> b = JsonBody::Parse(req.body);
         if (!b.ok()) return ErrorResponse(b.status());
         Result<std::string> name = b->String("name"), source = b->String("source");
         Result<std::optional<std::string>> format = b->OptionalString("format"),
                                            kind = b->OptionalString("area_kind");
         for (const Status& s : {name.status(), source.status(), format.status(), kind.status()})
           if (!s.ok()) return ErrorResponse(s);
         const outcomes::NewDataset d{*name, *source, format->value_or("slmpd"),
                                      kind->value_or("neighborhoods")};
         Result<outcomes::Dataset> made = AsCaller(ctx, req, outcomes::CreateDataset, d);
         if (!made.ok()) return Failed(ctx, made.status(), "creating a dataset failed");
         return JsonResponse(201, [&](Writer& w) { WriteDataset(w, *made); });
       }});
  router.Add({"GET", "/api/v1/outcomes/datasets/{id}", http::AccessRule::Requires("outcomes.read"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return http::Response::Error(404, "not_found", "no such dataset");
                Result<outcomes::Dataset> d =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return outcomes::GetDataset(db, Caller(req), *id);
                    });
                if (!d.ok()) return Failed(ctx, d.status(), "reading a dataset failed");
                return JsonResponse(200, [&](Writer& w) { WriteDataset(w, *d); });
              }});
  router.Add({"DELETE", "/api/v1/outcomes/datasets/{id}",
              http::AccessRule::Requires("outcomes.manage"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return http::Response::Error(404, "not_found", "no such dataset");
                const Status st = AsCaller(ctx, req, outcomes::DeleteDataset, *id);
                if (!st.ok()) return Failed(ctx, st, "deleting a dataset failed");
                return http::Response::Text(204, "");
              }});
  // One incident file, as CSV text: read, counted and let go.
  router.Add({"POST", "/api/v1/outcomes/datasets/{id}/files",
              http::AccessRule::Requires("outcomes.manage"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return http::Response::Error(404, "not_found", "no such dataset");
                const std::string name = req.QueryParam("name").value_or("");
                Result<outcomes::FileReport> r =
                    AsCaller(ctx, req, outcomes::AddDatasetFile, *id, name, req.body);
                if (!r.ok()) return Failed(ctx, r.status(), "adding a dataset file failed");
                return JsonResponse(200, [&](Writer& w) {
                  w.StartObject();
                  json::Members(w, "file", name, "lines", r->lines, "incidents", r->incidents,
                                "errors", static_cast<std::int64_t>(r->errors.size()));
                  json::Key(w, "first_errors");
                  w.StartArray();
                  for (std::size_t i = 0; i < r->errors.size() && i < 100; ++i) {
                    w.StartObject();
                    json::Members(w, "line", r->errors[i].line, "field", r->errors[i].field,
                                  "message", r->errors[i].message);
                    w.EndObject();
                  }
                  w.EndArray();
                  json::Key(w, "dataset");
                  WriteDataset(w, r->dataset);
                  w.EndObject();
                });
              }});
  router.Add({"POST", "/api/v1/outcomes/evaluate", http::AccessRule::Requires("outcomes.read"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<JsonBody> b = JsonBody::Parse(req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                Result<ClaimRequest> r = ParseClaim(*b);
                if (!r.ok()) return ErrorResponse(r.status());
                Result<std::string> answer = RunEvaluation(ctx, req, *r);
                if (!answer.ok()) return EvaluationFailed(ctx, answer.status());
                return http::Response::Json(200, std::move(*answer));
              }});
  router.Add({"GET", "/api/v1/outcomes/evaluations", http::AccessRule::Requires("outcomes.read"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<std::vector<outcomes::SavedEvaluation>> list =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return outcomes::ListEvaluations(db, Caller(req));
                    });
                if (!list.ok()) return Failed(ctx, list.status(), "listing evaluations failed");
                return JsonList("evaluations", *list,
                                [](Writer& w, const auto& e) { WriteEvaluation(w, e, false); });
              }});
  // Saving runs the evaluation again here: what is saved (and may be
  // published) is always the server's answer, never one a client sent.
  router.Add({"POST", "/api/v1/outcomes/evaluations", http::AccessRule::Requires("outcomes.read"),
              [&ctx](const http::Request& req, const http::PathParams&) {
                Result<JsonBody> b = JsonBody::Parse(req.body);
                if (!b.ok()) return ErrorResponse(b.status());
                Result<std::string> title = b->String("title");
                if (!title.ok()) return ErrorResponse(title.status());
                Result<ClaimRequest> r = ParseClaim(*b);
                if (!r.ok()) return ErrorResponse(r.status());
                Result<std::string> answer = RunEvaluation(ctx, req, *r);
                if (!answer.ok()) return EvaluationFailed(ctx, answer.status());
                Result<outcomes::SavedEvaluation> saved =
                    AsCaller(ctx, req, outcomes::SaveEvaluation,
                             std::optional<std::int64_t>(r->dataset), *title, r->json, *answer);
                if (!saved.ok()) return Failed(ctx, saved.status(), "saving an evaluation failed");
                return JsonResponse(201, [&](Writer& w) { WriteEvaluation(w, *saved, true); });
              }});
  router.Add({"GET", "/api/v1/outcomes/evaluations/{id}",
              http::AccessRule::Requires("outcomes.read"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return http::Response::Error(404, "not_found", "no such evaluation");
                Result<outcomes::SavedEvaluation> e = ReadEvaluation(ctx, req, *id);
                if (!e.ok()) return Failed(ctx, e.status(), "reading an evaluation failed");
                return JsonResponse(200, [&](Writer& w) { WriteEvaluation(w, *e, true); });
              }});
  router.Add({"GET", "/api/v1/outcomes/evaluations/{id}/report",
              http::AccessRule::Requires("outcomes.read"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return http::Response::Error(404, "not_found", "no such evaluation");
                Result<outcomes::SavedEvaluation> e = ReadEvaluation(ctx, req, *id);
                if (!e.ok()) return Failed(ctx, e.status(), "reading an evaluation failed");
                return Report(*e, false);
              }});
  for (const bool publish : {true, false})
    router.Add({"POST",
                publish ? "/api/v1/outcomes/evaluations/{id}/publish"
                        : "/api/v1/outcomes/evaluations/{id}/unpublish",
                http::AccessRule::Requires("outcomes.publish"),
                [&ctx, publish](const http::Request& req, const http::PathParams& params) {
                  const std::optional<std::int64_t> id = PathId(params);
                  if (!id) return http::Response::Error(404, "not_found", "no such evaluation");
                  Result<outcomes::SavedEvaluation> e =
                      AsCaller(ctx, req, outcomes::PublishEvaluation, *id, publish);
                  if (!e.ok()) return Failed(ctx, e.status(), "publishing an evaluation failed");
                  return JsonResponse(200, [&](Writer& w) { WriteEvaluation(w, *e, false); });
                }});
  router.Add({"DELETE", "/api/v1/outcomes/evaluations/{id}",
              http::AccessRule::Requires("outcomes.manage"),
              [&ctx](const http::Request& req, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                if (!id) return http::Response::Error(404, "not_found", "no such evaluation");
                const Status st = AsCaller(ctx, req, outcomes::DeleteEvaluation, *id);
                if (!st.ok()) return Failed(ctx, st, "deleting an evaluation failed");
                return http::Response::Text(204, "");
              }});
  // The public side: what an administrator chose to publish.
  router.Add({"GET", "/api/v1/transparency/evaluations",
              http::AccessRule::Public("evaluations of the program's outcomes an administrator "
                                       "published: monthly crime counts by area, no person"),
              [&ctx](const http::Request&, const http::PathParams&) {
                Result<std::vector<outcomes::SavedEvaluation>> list =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return outcomes::PublishedEvaluations(db);
                    });
                if (!list.ok()) return Failed(ctx, list.status(), "listing evaluations failed");
                return JsonList("evaluations", *list, [](Writer& w, const auto& e) {
                  WriteEvaluation(w, e, true, true);
                });
              }});
  router.Add({"GET", "/api/v1/transparency/evaluations/{id}/report",
              http::AccessRule::Public("the printable report of a published evaluation"),
              [&ctx](const http::Request&, const http::PathParams& params) {
                const std::optional<std::int64_t> id = PathId(params);
                Result<std::vector<outcomes::SavedEvaluation>> list =
                    ctx.catalog->With([&](catalog::Database& db, identity::Accounts&) {
                      return outcomes::PublishedEvaluations(db);
                    });
                if (!list.ok()) return Failed(ctx, list.status(), "reading an evaluation failed");
                for (const outcomes::SavedEvaluation& e : *list)
                  if (id && e.id == *id) return Report(e, true);
                return http::Response::Error(404, "not_found", "no published evaluation");
              }});
}

}  // namespace interdict::server
