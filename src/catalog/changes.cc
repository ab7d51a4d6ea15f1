#include "catalog/changes.h"

#include <fmt/core.h>

namespace interdict::catalog {

Result<std::int64_t> NoteChange(Database& db, std::string_view topic, std::int64_t now) {
  Result<Statement> q = db.Query(
      "UPDATE changes SET generation = generation + 1, changed_at = ?2 WHERE topic = ?1 "
      "RETURNING generation",
      topic, now);
  if (!q.ok()) return q.status();
  if (!q->has_row()) return Status::Internal(fmt::format("no change topic '{}'", topic));
  const std::int64_t generation = q->Int(0);
  INTERDICT_RETURN_IF_ERROR(q->Run());  // to its end: the update is done
  return generation;
}

Result<std::map<std::string, Generation>> Generations(Database& db) {
  Result<Statement> q = db.Prepare("SELECT topic, generation, changed_at FROM changes");
  if (!q.ok()) return q.status();
  std::map<std::string, Generation> out;
  INTERDICT_RETURN_IF_ERROR(q->ForEach([&](const Statement& r) {
    out[r.Text(0)] = Generation{r.Int(1), r.Int(2)};
  }));
  return out;
}

}  // namespace interdict::catalog
