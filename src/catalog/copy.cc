#include "catalog/copy.h"

#include <set>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "catalog/migrations.h"

namespace interdict::catalog {
namespace {

// A column whose foreign key points at its own table (a person reviewed by
// another person) is written in a second pass, once every row exists.
bool SelfReferring(const Column& c, std::string_view table) {
  return c.references == table;
}

// Rows between two progress reports within a table.
constexpr std::int64_t kProgressEvery = 100'000;

// Binds column `i` of the row `from` is on to parameter `param` of `to`.
void BindValue(const Statement& from, int i, const Column& c, Statement& to, int param) {
  if (from.IsNull(i)) {
    to.BindNull(param);
  } else if (c.type == "INTEGER") {
    to.Bind(param, from.Int(i));
  } else if (c.type == "REAL") {
    to.BindReal(param, from.Real(i));
  } else if (c.type == "BLOB") {
    to.BindBlob(param, from.Blob(i));
  } else {
    to.Bind(param, from.Text(i));
  }
}

Result<std::int64_t> CopyTable(Database& from, Database& to, const std::string& table,
                               const std::vector<Column>& columns, const CopyProgress& progress) {
  std::vector<std::string> names, first, params;
  std::vector<const Column*> later;
  for (const Column& c : columns) {
    names.push_back(c.name);
    if (SelfReferring(c, table)) {
      later.push_back(&c);
      first.push_back("NULL");
    } else {
      params.push_back(c.name);
      first.push_back(fmt::format("?{}", params.size()));
    }
  }
  // Rows in the order of their key (rowid order on SQLite), so that a
  // generated id and the audit chain's sequence arrive as they were.
  Result<Statement> read =
      from.Prepare(fmt::format("SELECT {} FROM {} ORDER BY 1", fmt::join(names, ", "), table));
  if (!read.ok()) return read.status();
  Result<Statement> write = to.Prepare(fmt::format("INSERT INTO {} ({}) VALUES ({})", table,
                                                   fmt::join(names, ", "), fmt::join(first, ", ")));
  if (!write.ok()) return write.status();
  std::int64_t rows = 0;
  Status failed = Status::Ok();
  INTERDICT_RETURN_IF_ERROR(read->ForEach([&](const Statement& r) {
    if (!failed.ok()) return;
    write->Reset();
    int param = 0;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (SelfReferring(columns[i], table)) continue;
      BindValue(r, static_cast<int>(i), columns[i], *write, ++param);
    }
    failed = write->Run();
    if (++rows % kProgressEvery == 0 && progress) progress(table, rows, false);
  }));
  INTERDICT_RETURN_IF_ERROR(failed.WithContext(fmt::format("copying {}: ", table)));
  // The self-references, now that every row they may name exists.
  for (const Column* c : later) {
    Result<Statement> values =
        from.Prepare(fmt::format("SELECT {}, {} FROM {} WHERE {} IS NOT NULL", columns.front().name,
                                 c->name, table, c->name));
    if (!values.ok()) return values.status();
    Result<Statement> set = to.Prepare(
        fmt::format("UPDATE {} SET {} = ?1 WHERE {} = ?2", table, c->name, columns.front().name));
    if (!set.ok()) return set.status();
    INTERDICT_RETURN_IF_ERROR(values->ForEach([&](const Statement& r) {
      if (!failed.ok()) return;
      set->Reset();
      BindValue(r, 1, *c, *set, 1);
      BindValue(r, 0, columns.front(), *set, 2);
      failed = set->Run();
    }));
    INTERDICT_RETURN_IF_ERROR(failed.WithContext(fmt::format("copying {}.{}: ", table, c->name)));
  }
  return rows;
}

}  // namespace

Status CopyCatalog(Database& from, Database& to, const CopyProgress& progress) {
  Result<int> source_version = from.SchemaVersion();
  if (!source_version.ok()) return source_version.status();
  if (*source_version != SchemaVersion()) {
    return Status::FailedPrecondition(fmt::format(
        "{} has schema version {}, this interdict writes {}: start this version's server on it "
        "once (it migrates), then copy",
        from.name(), *source_version, SchemaVersion()));
  }
  // Empty: nothing of ours, or our schema with nothing but its seed rows (a
  // server started on the new database made it): no agency, person or entry.
  Result<int> target_version = to.SchemaVersion();
  if (!target_version.ok()) return target_version.status();
  if (*target_version == 0) {
    Result<std::vector<std::string>> existing = to.Tables();
    if (!existing.ok()) return existing.status();
    if (!existing->empty())
      return Status::FailedPrecondition(fmt::format(
          "{} has tables of its own ({} of them): the copy goes only into an empty database",
          to.name(), existing->size()));
    INTERDICT_RETURN_IF_ERROR(Migrate(to).WithContext("making the target's schema: "));
  } else if (*target_version != SchemaVersion()) {
    return Status::FailedPrecondition(
        fmt::format("{} has schema version {}, this interdict writes {}", to.name(),
                    *target_version, SchemaVersion()));
  } else {
    Result<Statement> used = to.Query(
        "SELECT (SELECT count(*) FROM agencies) + (SELECT count(*) FROM users) + (SELECT "
        "count(*) FROM audit)");
    if (!used.ok()) return used.status();
    if (used->Int(0) > 0)
      return Status::FailedPrecondition(fmt::format(
          "{} is not empty (it has agencies, people or audit entries): the copy goes only into "
          "an empty catalog, so that nothing already there is mixed with it",
          to.name()));
  }
  Result<std::vector<std::string>> tables = from.Tables();
  if (!tables.ok()) return tables.status();
  // Both sides have the same tables and columns, checked before anything is written.
  Result<std::vector<std::string>> target_tables = to.Tables();
  if (!target_tables.ok()) return target_tables.status();
  if (std::set<std::string>(tables->begin(), tables->end()) !=
      std::set<std::string>(target_tables->begin(), target_tables->end()))
    return Status::Internal("the two catalogs have different tables at the same schema version");
  std::vector<std::vector<Column>> columns;
  for (const std::string& t : *tables) {
    Result<std::vector<Column>> source = from.Columns(t);
    if (!source.ok()) return source.status();
    Result<std::vector<Column>> target = to.Columns(t);
    if (!target.ok()) return target.status();
    if (*source != *target)
      return Status::Internal(fmt::format("table {} differs between the two engines", t));
    columns.push_back(std::move(source).value());
  }
  // One transaction on each side: a consistent source, an all-or-nothing target.
  Status copied = from.Transaction([&]() -> Status {
    return to.Transaction([&]() -> Status {
      // The target's seed rows (roles, purposes, presets…) give way to the source's own.
      for (auto t = tables->rbegin(); t != tables->rend(); ++t)
        INTERDICT_RETURN_IF_ERROR(to.Exec(fmt::format("DELETE FROM {}", *t)));
      for (std::size_t i = 0; i < tables->size(); ++i) {
        Result<std::int64_t> rows = CopyTable(from, to, (*tables)[i], columns[i], progress);
        if (!rows.ok()) return rows.status();
        if (progress) progress((*tables)[i], *rows, true);
      }
      // Generated ids go on after the highest copied one.
      if (to.engine() == Engine::kPostgres) {
        for (std::size_t i = 0; i < tables->size(); ++i) {
          if (columns[i].empty() || columns[i].front().name != "id") continue;
          INTERDICT_RETURN_IF_ERROR(to.Exec(fmt::format(
              "SELECT setval(pg_get_serial_sequence('{0}', 'id'), coalesce(max(id), 0) + 1, "
              "false) FROM {0} WHERE pg_get_serial_sequence('{0}', 'id') IS NOT NULL",
              (*tables)[i])));
        }
      }
      return Status::Ok();
    });
  });
  return copied;
}

}  // namespace interdict::catalog
