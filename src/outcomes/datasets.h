// Outcome data in the catalog (docs/format/outcomes.md, "In the catalog";
// catalog version 30): incident datasets kept as monthly counts per category
// and area — the files are read, counted and let go, so no incident, address
// or complaint number is stored — and saved evaluations, some published on
// the transparency page. Every act is audited.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "catalog/database.h"
#include "identity/accounts.h"
#include "outcomes/evaluate.h"
#include "outcomes/incidents.h"
#include "outcomes/series.h"

namespace interdict::outcomes {

struct Dataset {
  std::int64_t id = 0;
  std::string name, source, format, area_kind, agency, created_by;
  std::optional<Month> first_month, last_month;
  std::int64_t files = 0, lines = 0, errors = 0, created_at = 0;
  std::string error_sample = "[]";  // JSON: [{file, line, field, message}], the first 20
  std::vector<std::pair<std::string, std::int64_t>> categories;  // each with its total
};

struct NewDataset {
  std::string name;    // 1–100 characters, unique
  std::string source;  // where the data came from: 1–500 characters
  std::string format = "slmpd";
  std::string area_kind = "neighborhoods";  // of geo/areas.h, or "" for codes without outlines
};

// outcomes.manage. InvalidArgument naming the field; AlreadyExists for a
// name in use.
Result<Dataset> CreateDataset(catalog::Database& db, const identity::Principal& p,
                              const NewDataset& d, std::int64_t now);

struct FileReport {
  std::int64_t lines = 0, incidents = 0;
  std::vector<LineError> errors;  // every line not read
  Dataset dataset;                // after the file
};

// Reads one file in the dataset's format and adds its monthly counts
// (outcomes.manage, of the agency that made the dataset). A file whose header is not the format's
// is refused whole; bad lines are reported and the rest counted.
Result<FileReport> AddDatasetFile(catalog::Database& db, const identity::Principal& p,
                                  std::int64_t id, std::string_view file_name,
                                  std::string_view text, std::int64_t now);

// outcomes.manage, of the agency that made it; saved evaluations keep their
// results and the dataset's name.
Status DeleteDataset(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                     std::int64_t now);

// outcomes.read: every dataset of the region (public statistics, not personal data).
Result<std::vector<Dataset>> ListDatasets(catalog::Database& db, const identity::Principal& p);
Result<Dataset> GetDataset(catalog::Database& db, const identity::Principal& p, std::int64_t id);

// The dataset's panel of `category` over the months its files cover.
Result<Panel> DatasetPanel(catalog::Database& db, const Dataset& d, std::string_view category);

// An evaluation in three steps, so the catalog is not held while the
// numbers are worked out: what it needs from the catalog (outcomes.read), the
// evaluation itself (Evaluate, the dataset's area kind in the claim), and
// the answer — its JSON with the dataset's name and source and `outputs`,
// Interdict's own work per month in the treated areas (beside the outcomes,
// never one of them) — audited as outcomes.evaluate.
struct EvaluationInput {
  Dataset dataset;
  Panel panel;
};
Result<EvaluationInput> LoadEvaluationInput(catalog::Database& db, const identity::Principal& p,
                                            std::int64_t id, std::string_view category);
Result<std::string> FinishEvaluation(catalog::Database& db, const identity::Principal& p,
                                     const EvaluationInput& in, const Evaluation& e,
                                     std::int64_t now);
// The three at once, on one connection (for tools and tests).
Result<std::string> EvaluateDataset(catalog::Database& db, const identity::Principal& p,
                                    std::int64_t id, std::string_view category, const Claim& claim,
                                    std::int64_t now);

struct SavedEvaluation {
  std::int64_t id = 0;
  std::optional<std::int64_t> dataset_id;
  std::string dataset_name, title, claim, result, verdict, agency, created_by;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> published_at;
  std::string published_by;
};

// outcomes.read: `result` is an answer EvaluateDataset gave (checked to be
// one: JSON with a verdict), `claim` the request that gave it.
Result<SavedEvaluation> SaveEvaluation(catalog::Database& db, const identity::Principal& p,
                                       std::optional<std::int64_t> dataset_id,
                                       std::string_view title, std::string_view claim,
                                       std::string_view result, std::int64_t now);
Result<std::vector<SavedEvaluation>> ListEvaluations(catalog::Database& db,
                                                     const identity::Principal& p);
Result<SavedEvaluation> GetEvaluation(catalog::Database& db, const identity::Principal& p,
                                      std::int64_t id);
// outcomes.publish, for its own agency's evaluations.
Result<SavedEvaluation> PublishEvaluation(catalog::Database& db, const identity::Principal& p,
                                          std::int64_t id, bool publish, std::int64_t now);
// The creating agency's outcomes.manage.
Status DeleteEvaluation(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                        std::int64_t now);
// For the public transparency page: no principal, published ones only.
Result<std::vector<SavedEvaluation>> PublishedEvaluations(catalog::Database& db);

}  // namespace interdict::outcomes
