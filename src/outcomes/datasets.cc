#include "outcomes/datasets.h"

#include <fmt/core.h>
#include <rapidjson/document.h>

#include <map>
#include <tuple>

#include "base/delimited.h"
#include "base/json.h"
#include "base/json_writer.h"
#include "base/utf8.h"
#include "geo/areas.h"
#include "oversight/disparity.h"

namespace interdict::outcomes {

namespace {

using identity::AuditAct;
using identity::Require;

constexpr std::size_t kErrorSample = 20;

constexpr std::string_view kDatasetColumns =
    "d.id, d.name, d.source, d.format, d.area_kind, d.first_month, d.last_month, d.files, "
    "d.lines, d.errors, d.error_sample, a.code, u.username, d.created_at FROM outcome_datasets d "
    "JOIN agencies a ON a.id = d.agency_id JOIN users u ON u.id = d.created_by ";

Dataset DatasetFromRow(const catalog::Statement& r) {
  Dataset d;
  d.id = r.Int(0);
  d.name = r.Text(1);
  d.source = r.Text(2);
  d.format = r.Text(3);
  d.area_kind = r.Text(4);
  if (!r.IsNull(5)) d.first_month = static_cast<Month>(r.Int(5));
  if (!r.IsNull(6)) d.last_month = static_cast<Month>(r.Int(6));
  d.files = r.Int(7);
  d.lines = r.Int(8);
  d.errors = r.Int(9);
  d.error_sample = r.Text(10);
  d.agency = r.Text(11);
  d.created_by = r.Text(12);
  d.created_at = r.Int(13);
  return d;
}

Result<Dataset> LoadDataset(catalog::Database& db, std::int64_t id);

// The dataset `id` when `p`'s agency made it: only its makers change a
// dataset (every agency reads them all). NotFound otherwise, as for none.
Result<Dataset> OwnDataset(catalog::Database& db, const identity::Principal& p, std::int64_t id) {
  Result<Dataset> d = LoadDataset(db, id);
  if (d.ok() && d->agency != p.agency_code)
    return Status::NotFound(fmt::format("no outcome dataset {} of {}", id, p.agency_code));
  return d;
}

// A dataset's categories with their totals.
Status AddCategories(catalog::Database& db, Dataset& d) {
  Result<std::vector<std::pair<std::string, std::int64_t>>> categories =
      db.List<std::pair<std::string, std::int64_t>>(
          "SELECT category, sum(count) FROM outcome_counts WHERE dataset_id = ?1 GROUP BY "
          "category ORDER BY category",
          [](const catalog::Statement& r) { return std::pair(r.Text(0), r.Int(1)); }, d.id);
  if (!categories.ok()) return categories.status();
  d.categories = std::move(*categories);
  return Status::Ok();
}

Result<Dataset> LoadDataset(catalog::Database& db, std::int64_t id) {
  Result<std::vector<Dataset>> rows = db.List<Dataset>(
      fmt::format("SELECT {}WHERE d.id = ?1", kDatasetColumns), DatasetFromRow, id);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return Status::NotFound(fmt::format("no outcome dataset {}", id));
  Dataset d = std::move(rows->front());
  INTERDICT_RETURN_IF_ERROR(AddCategories(db, d));
  return d;
}

constexpr std::string_view kEvaluationColumns =
    "e.id, e.dataset_id, e.dataset_name, e.title, e.claim, e.result, e.verdict, a.code, "
    "u.username, e.created_at, e.published_at, coalesce(p.username, '') FROM outcome_evaluations "
    "e JOIN agencies a ON a.id = e.agency_id JOIN users u ON u.id = e.created_by LEFT JOIN users "
    "p ON p.id = e.published_by ";

SavedEvaluation EvaluationFromRow(const catalog::Statement& r) {
  SavedEvaluation e;
  e.id = r.Int(0);
  if (!r.IsNull(1)) e.dataset_id = r.Int(1);
  e.dataset_name = r.Text(2);
  e.title = r.Text(3);
  e.claim = r.Text(4);
  e.result = r.Text(5);
  e.verdict = r.Text(6);
  e.agency = r.Text(7);
  e.created_by = r.Text(8);
  e.created_at = r.Int(9);
  if (!r.IsNull(10)) e.published_at = r.Int(10);
  e.published_by = r.Text(11);
  return e;
}

Result<SavedEvaluation> LoadEvaluation(catalog::Database& db, std::int64_t id) {
  Result<std::vector<SavedEvaluation>> rows = db.List<SavedEvaluation>(
      fmt::format("SELECT {}WHERE e.id = ?1", kEvaluationColumns), EvaluationFromRow, id);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return Status::NotFound(fmt::format("no saved evaluation {}", id));
  return std::move(rows->front());
}

}  // namespace

Result<Dataset> CreateDataset(catalog::Database& db, const identity::Principal& p,
                              const NewDataset& in, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "outcomes.manage"));
  INTERDICT_RETURN_IF_ERROR(CheckTextField("name", in.name, 1, 100));
  INTERDICT_RETURN_IF_ERROR(CheckTextField("source", in.source, 1, 500, true));
  if (in.format != "slmpd" && in.format != "csv")
    return Status::InvalidArgument("format: slmpd or csv");
  if (!in.area_kind.empty() && geo::Areas(in.area_kind) == nullptr)
    return Status::InvalidArgument("area_kind: neighborhoods, counties, zcta or \"\"");
  std::int64_t id = 0;
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    Result<catalog::Statement> ins = db.Prepare(
        "INSERT INTO outcome_datasets (name, source, format, area_kind, agency_id, created_by, "
        "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id");
    if (!ins.ok()) return ins.status();
    ins->Bind(1, in.name).Bind(2, in.source).Bind(3, in.format).Bind(4, in.area_kind);
    ins->Bind(5, p.agency_id).Bind(6, p.id).Bind(7, now);
    Result<std::int64_t> made = ins->RunReturningId();
    if (made.status().code() == StatusCode::kAlreadyExists)
      return Status::AlreadyExists(fmt::format("name: a dataset \"{}\" exists", in.name));
    if (!made.ok()) return made.status();
    id = *made;
    return AuditAct(db, p, "outcomes.dataset", true,
                    json::Object("act", "create", "dataset", id, "name", in.name), now);
  }));
  return LoadDataset(db, id);
}

Result<FileReport> AddDatasetFile(catalog::Database& db, const identity::Principal& p,
                                  std::int64_t id, std::string_view file_name,
                                  std::string_view text, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "outcomes.manage"));
  INTERDICT_RETURN_IF_ERROR(CheckTextField("file", file_name, 1, 200));
  Result<Dataset> d = OwnDataset(db, p, id);
  if (!d.ok()) return d.status();
  // Read and count outside the transaction: only the counts go in.
  Result<ReadReport> read = d->format == "slmpd" ? ReadSlmpd(text) : ReadIncidentCsv(text);
  if (!read.ok())
    return Status::InvalidArgument(std::string(file_name) + ": " + read.status().message());
  FileReport report;
  report.lines = static_cast<std::int64_t>(read->lines);
  report.incidents = static_cast<std::int64_t>(read->incidents.size());
  report.errors = std::move(read->errors);
  std::map<std::tuple<std::string, std::string, Month>, std::int64_t> cells;
  std::optional<Month> first, last;
  for (const Incident& in : read->incidents) {
    first = std::min(first.value_or(in.coded), in.coded);
    last = std::max(last.value_or(in.coded), in.coded);
    if (!in.area.empty()) cells[{in.category, in.area, in.occurred}] += in.count;
  }
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    Result<catalog::Statement> up = db.Prepare(
        "INSERT INTO outcome_counts (dataset_id, category, area, month, count) VALUES (?1, ?2, "
        "?3, ?4, ?5) ON CONFLICT (dataset_id, category, area, month) DO UPDATE SET count = "
        "outcome_counts.count + excluded.count");
    if (!up.ok()) return up.status();
    for (const auto& [key, count] : cells) {
      const auto& [category, area, month] = key;
      up->Reset();
      up->Bind(1, id).Bind(2, category).Bind(3, area).Bind(4, std::int64_t{month}).Bind(5, count);
      INTERDICT_RETURN_IF_ERROR(up->Run());
    }
    // The first errors of all files, each named by its file.
    rapidjson::Document sample;
    std::vector<std::string> kept;
    if (json::Parse(d->error_sample, &sample).ok() && sample.IsArray())
      for (const auto& e : sample.GetArray())
        kept.push_back(json::Write([&](json::Writer& w) { e.Accept(w); }));
    for (const LineError& e : report.errors) {
      if (kept.size() >= kErrorSample) break;
      kept.push_back(json::Object("file", std::string(file_name), "line", e.line, "field", e.field,
                                  "message", e.message));
    }
    std::string joined = "[";
    for (const std::string& k : kept) joined += (joined.size() > 1 ? "," : "") + k;
    joined += "]";
    Result<catalog::Statement> q = db.Query(
        "UPDATE outcome_datasets SET files = files + 1, lines = lines + ?2, errors = errors + ?3, "
        "error_sample = ?4, first_month = CASE WHEN first_month IS NULL OR first_month > ?5 THEN "
        "?5 ELSE first_month END, last_month = CASE WHEN last_month IS NULL OR last_month < ?6 "
        "THEN ?6 ELSE last_month END WHERE id = ?1",
        id, report.lines, static_cast<std::int64_t>(report.errors.size()), joined,
        std::optional<std::int64_t>(first), std::optional<std::int64_t>(last));
    if (!q.ok()) return q.status();
    return AuditAct(
        db, p, "outcomes.dataset", true,
        json::Object("act", "add_file", "dataset", id, "file", std::string(file_name), "lines",
                     report.lines, "errors", static_cast<std::int64_t>(report.errors.size())),
        now);
  }));
  Result<Dataset> after = LoadDataset(db, id);
  if (!after.ok()) return after.status();
  report.dataset = std::move(*after);
  return report;
}

Status DeleteDataset(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                     std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "outcomes.manage"));
  return db.Transaction([&]() -> Status {
    Result<Dataset> d = OwnDataset(db, p, id);
    if (!d.ok()) return d.status();
    for (std::string_view sql :
         {"UPDATE outcome_evaluations SET dataset_id = NULL WHERE dataset_id = ?1",
          "DELETE FROM outcome_counts WHERE dataset_id = ?1",
          "DELETE FROM outcome_datasets WHERE id = ?1"}) {
      Result<catalog::Statement> q = db.Query(sql, id);
      if (!q.ok()) return q.status();
    }
    return AuditAct(db, p, "outcomes.dataset", true,
                    json::Object("act", "delete", "dataset", id, "name", d->name), now);
  });
}

Result<std::vector<Dataset>> ListDatasets(catalog::Database& db, const identity::Principal& p) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "outcomes.read"));
  Result<std::vector<Dataset>> rows =
      db.List<Dataset>(fmt::format("SELECT {}ORDER BY d.name", kDatasetColumns), DatasetFromRow);
  if (!rows.ok()) return rows.status();
  for (Dataset& d : *rows) INTERDICT_RETURN_IF_ERROR(AddCategories(db, d));
  return rows;
}

Result<Dataset> GetDataset(catalog::Database& db, const identity::Principal& p, std::int64_t id) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "outcomes.read"));
  return LoadDataset(db, id);
}

Result<Panel> DatasetPanel(catalog::Database& db, const Dataset& dataset,
                           std::string_view category) {
  const Dataset* d = &dataset;
  const std::int64_t id = d->id;
  if (!d->first_month || !d->last_month)
    return Status::FailedPrecondition(fmt::format("dataset \"{}\" has no files yet", d->name));
  Result<std::vector<Incident>> rows = db.List<Incident>(
      "SELECT area, month, count FROM outcome_counts WHERE dataset_id = ?1 AND category = ?2 AND "
      "month >= ?3 AND month <= ?4",
      [&](const catalog::Statement& r) {
        Incident in;
        in.area = r.Text(0);
        in.occurred = in.coded = static_cast<Month>(r.Int(1));
        in.count = static_cast<int>(r.Int(2));
        in.category = AsciiLower(category);
        return in;
      },
      id, AsciiLower(category), std::int64_t{*d->first_month}, std::int64_t{*d->last_month});
  if (!rows.ok()) return rows.status();
  return MonthlyPanel(*rows, category, MonthOf::kOccurrence,
                      std::pair(*d->first_month, *d->last_month));
}

Result<EvaluationInput> LoadEvaluationInput(catalog::Database& db, const identity::Principal& p,
                                            std::int64_t id, std::string_view category) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "outcomes.read"));
  INTERDICT_RETURN_IF_ERROR(CheckTextField("category", category, 1, 100));
  Result<Dataset> d = LoadDataset(db, id);
  if (!d.ok()) return d.status();
  Result<Panel> panel = DatasetPanel(db, *d, category);
  if (!panel.ok()) return panel.status();
  return EvaluationInput{std::move(*d), std::move(*panel)};
}

Result<std::string> FinishEvaluation(catalog::Database& db, const identity::Principal& p,
                                     const EvaluationInput& in, const Evaluation& e,
                                     std::int64_t now) {
  const Dataset& d = in.dataset;
  const int months = e.window.end - e.window.first;
  Result<std::vector<oversight::MonthOutputs>> outputs =
      d.area_kind.empty()
          ? Result<std::vector<oversight::MonthOutputs>>(std::vector<oversight::MonthOutputs>{})
          : oversight::OutputsByMonth(db, d.area_kind, e.treated, e.first_month, months);
  if (!outputs.ok()) return outputs.status();
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    return AuditAct(
        db, p, "outcomes.evaluate", true,
        json::Object("dataset", d.id, "category", e.category, "areas", e.treated, "start",
                     FormatMonth(e.first_month + e.window.pre()), "verdict", e.verdict),
        now);
  }));
  return EvaluationJson(e, [&](json::Writer& w) {
    json::Key(w, "dataset");
    w.StartObject();
    json::Members(w, "id", d.id, "name", d.name, "source", d.source);
    w.EndObject();
    json::Key(w, "outputs");
    w.StartArray();
    for (const oversight::MonthOutputs& o : *outputs) {
      w.StartObject();
      json::Members(w, "month", FormatMonth(o.month), "reads", o.reads, "hits", o.hits, "confirmed",
                    o.confirmed, "recoveries", o.recoveries, "arrests", o.arrests);
      w.EndObject();
    }
    w.EndArray();
  });
}

Result<std::string> EvaluateDataset(catalog::Database& db, const identity::Principal& p,
                                    std::int64_t id, std::string_view category, const Claim& in,
                                    std::int64_t now) {
  Result<EvaluationInput> input = LoadEvaluationInput(db, p, id, category);
  if (!input.ok()) return input.status();
  Claim claim = in;
  claim.area_kind = input->dataset.area_kind;
  Result<Evaluation> e = Evaluate(input->panel, claim);
  if (!e.ok()) return e.status();
  return FinishEvaluation(db, p, *input, *e, now);
}

Result<SavedEvaluation> SaveEvaluation(catalog::Database& db, const identity::Principal& p,
                                       std::optional<std::int64_t> dataset_id,
                                       std::string_view title, std::string_view claim,
                                       std::string_view result, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "outcomes.read"));
  INTERDICT_RETURN_IF_ERROR(CheckTextField("title", title, 1, 200));
  rapidjson::Document answer, request;
  if (!json::Parse(result, &answer).ok() || !answer.IsObject() || !answer.HasMember("verdict") ||
      !answer["verdict"].IsString() || !answer.HasMember("estimates"))
    return Status::InvalidArgument("result: an evaluation's answer, as the evaluate route gave it");
  if (!json::Parse(claim, &request).ok() || !request.IsObject())
    return Status::InvalidArgument("claim: the evaluation's request, a JSON object");
  const std::string verdict = answer["verdict"].GetString();
  if (verdict != "consistent" && verdict != "smaller" && verdict != "none" &&
      verdict != "cannot_tell")
    return Status::InvalidArgument("result: an unknown verdict");
  std::string dataset_name = "(none)";
  if (dataset_id) {
    Result<Dataset> d = LoadDataset(db, *dataset_id);
    if (!d.ok()) return d.status();
    dataset_name = d->name;
  }
  std::int64_t id = 0;
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    Result<catalog::Statement> ins = db.Prepare(
        "INSERT INTO outcome_evaluations (dataset_id, dataset_name, title, claim, result, "
        "verdict, agency_id, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
        "RETURNING id");
    if (!ins.ok()) return ins.status();
    ins->Bind(1, dataset_id).Bind(2, dataset_name).Bind(3, title).Bind(4, claim);
    ins->Bind(5, result).Bind(6, verdict).Bind(7, p.agency_id).Bind(8, p.id).Bind(9, now);
    Result<std::int64_t> made = ins->RunReturningId();
    if (!made.ok()) return made.status();
    id = *made;
    return AuditAct(db, p, "outcomes.save", true,
                    json::Object("evaluation", id, "title", std::string(title), "verdict", verdict),
                    now);
  }));
  return LoadEvaluation(db, id);
}

Result<std::vector<SavedEvaluation>> ListEvaluations(catalog::Database& db,
                                                     const identity::Principal& p) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "outcomes.read"));
  return db.List<SavedEvaluation>(
      fmt::format("SELECT {}ORDER BY e.created_at DESC, e.id DESC LIMIT 500", kEvaluationColumns),
      EvaluationFromRow);
}

Result<SavedEvaluation> GetEvaluation(catalog::Database& db, const identity::Principal& p,
                                      std::int64_t id) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "outcomes.read"));
  return LoadEvaluation(db, id);
}

Result<SavedEvaluation> PublishEvaluation(catalog::Database& db, const identity::Principal& p,
                                          std::int64_t id, bool publish, std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "outcomes.publish"));
  INTERDICT_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    Result<catalog::Statement> q = db.Query(
        publish ? "UPDATE outcome_evaluations SET published_at = ?3, published_by = ?4 WHERE id = "
                  "?1 AND agency_id = ?2 RETURNING id"
                : "UPDATE outcome_evaluations SET published_at = NULL, published_by = NULL WHERE "
                  "id = ?1 AND agency_id = ?2 AND ?3 = ?3 AND ?4 = ?4 RETURNING id",
        id, p.agency_id, now, p.id);
    if (!q.ok()) return q.status();
    const bool found = q->has_row();
    INTERDICT_RETURN_IF_ERROR(q->Run());
    INTERDICT_RETURN_IF_ERROR(AuditAct(db, p, publish ? "outcomes.publish" : "outcomes.unpublish",
                                       found, json::Object("evaluation", id), now));
    if (!found)
      return Status::NotFound(
          fmt::format("no saved evaluation {} of {} to publish", id, p.agency_code));
    return Status::Ok();
  }));
  return LoadEvaluation(db, id);
}

Status DeleteEvaluation(catalog::Database& db, const identity::Principal& p, std::int64_t id,
                        std::int64_t now) {
  INTERDICT_RETURN_IF_ERROR(Require(p, "outcomes.manage"));
  return db.Transaction([&]() -> Status {
    Result<catalog::Statement> q =
        db.Query("DELETE FROM outcome_evaluations WHERE id = ?1 AND agency_id = ?2 RETURNING id",
                 id, p.agency_id);
    if (!q.ok()) return q.status();
    const bool found = q->has_row();
    INTERDICT_RETURN_IF_ERROR(q->Run());
    INTERDICT_RETURN_IF_ERROR(
        AuditAct(db, p, "outcomes.delete", found, json::Object("evaluation", id), now));
    return found ? Status::Ok()
                 : Status::NotFound(fmt::format("no saved evaluation {} of {}", id, p.agency_code));
  });
}

Result<std::vector<SavedEvaluation>> PublishedEvaluations(catalog::Database& db) {
  return db.List<SavedEvaluation>(
      fmt::format("SELECT {}WHERE e.published_at IS NOT NULL ORDER BY e.published_at DESC LIMIT 50",
                  kEvaluationColumns),
      EvaluationFromRow);
}

}  // namespace interdict::outcomes
