#include "demo/outcomes_seed.h"

#include <fmt/core.h>

#include "identity/accounts.h"
#include "outcomes/datasets.h"

namespace interdict::demo {

extern const char kSlmpdMonthlyCountsCsv[];

namespace {

Result<identity::Principal> Person(catalog::Database& db, identity::Accounts& accounts,
                                   std::string_view username) {
  Result<catalog::Statement> q = db.Query("SELECT id FROM users WHERE username = ?1", username);
  if (!q.ok()) return q.status();
  if (!q->has_row()) return Status::NotFound(fmt::format("the demo has no user {}", username));
  return accounts.UserPrincipal(q->Int(0));
}

}  // namespace

Status PlantOutcomes(const DemoOptions& options, bool fresh, std::int64_t now, Logger& log) {
  if (!fresh) return Status::Ok();
  Result<std::unique_ptr<catalog::Database>> opened = OpenDemoCatalog(options);
  if (!opened.ok()) return opened.status();
  catalog::Database& db = **opened;
  identity::Accounts accounts(db, identity::AccountPolicy{});
  Result<identity::Principal> supervisor = Person(db, accounts, "gcpd-supervisor");
  Result<identity::Principal> admin = Person(db, accounts, "gcpd-admin");
  if (!supervisor.ok()) return supervisor.status();
  if (!admin.ok()) return admin.status();
  Result<outcomes::Dataset> dataset = outcomes::CreateDataset(
      db, *supervisor,
      {"SLMPD crime 2008–2019",
       "St. Louis Metropolitan Police Department's monthly crime files, 2008–2019, as monthly "
       "counts by neighbourhood (motor vehicle theft, theft from motor vehicle, robbery, "
       "burglary); SLMPD via slu-soc5650/crime-data-sp22, ODC-By 1.0",
       "csv", "neighborhoods"},
      now);
  if (!dataset.ok()) return dataset.status();
  Result<outcomes::FileReport> file = outcomes::AddDatasetFile(
      db, *supervisor, dataset->id, "slmpd-monthly-counts.csv", kSlmpdMonthlyCountsCsv, now);
  if (!file.ok()) return file.status();
  // Downtown STL Inc.'s license plate reader cameras went up in Downtown in
  // May 2015 (St. Louis Public Radio, 13 April 2015; FOX 2).
  outcomes::Claim claim;
  claim.areas = {"Downtown", "Downtown West"};
  claim.start = 2015 * 12 + 4;
  const std::string request = fmt::format(
      R"({{"dataset":{},"category":"motor vehicle theft","areas":["Downtown","Downtown West"],"start":"2015-05"}})",
      dataset->id);
  Result<std::string> answer =
      outcomes::EvaluateDataset(db, *supervisor, dataset->id, "motor vehicle theft", claim, now);
  if (!answer.ok()) return answer.status();
  Result<outcomes::SavedEvaluation> saved = outcomes::SaveEvaluation(
      db, *supervisor, dataset->id,
      "Downtown's license plate reader cameras (May 2015): motor vehicle theft", request, *answer,
      now);
  if (!saved.ok()) return saved.status();
  Result<outcomes::SavedEvaluation> published =
      outcomes::PublishEvaluation(db, *admin, saved->id, true, now);
  if (!published.ok()) return published.status();
  log.Info("demo: outcome dataset and a published evaluation",
           {{"dataset", dataset->name},
            {"lines", std::to_string(file->lines)},
            {"verdict", saved->verdict}});
  return Status::Ok();
}

}  // namespace interdict::demo
