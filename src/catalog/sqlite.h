// A thin, safe layer over SQLite for the catalog: RAII handles, prepared
// statements with bound parameters only, errors as Status. Nothing outside
// src/catalog/ includes sqlite3.h.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "base/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace interdict::catalog {

class Statement;

class Database {
 public:
  // Opens (creating if needed) the database at `path`: WAL journal,
  // synchronous=FULL, foreign keys on, a busy timeout.
  static Result<std::unique_ptr<Database>> Open(const std::string& path);
  // Opens an existing database for reading only (verification, reports).
  static Result<std::unique_ptr<Database>> OpenReadOnly(const std::string& path);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs statements without parameters (schema, pragmas).
  Status Exec(std::string_view sql);
  // Copies the write-ahead log into the database and truncates it to zero
  // bytes, so pages that held deleted data (before secure_delete zeroed them)
  // are gone from it too. Never waits: false at once when another connection
  // is reading or writing (try again later). Call it where no other user of
  // this connection can write meanwhile (the service: under the catalog lock).
  Result<bool> CheckpointTruncate();
  Result<Statement> Prepare(std::string_view sql);
  // Every row of `sql`, with `args` bound to ?1, ?2 …, as `row(statement)`
  // makes it: the one shape of a list query.
  template <typename T, typename F, typename... Args>
  Result<std::vector<T>> List(std::string_view sql, F&& row, const Args&... args);
  // `sql` with `args` bound to ?1, ?2 …, stepped once: the statement is on
  // its first row when has_row(), for lookups of one row.
  template <typename... Args>
  Result<Statement> Query(std::string_view sql, const Args&... args);
  std::int64_t LastInsertId() const;
  int Changes() const;
  const std::string& path() const { return path_; }

  // BEGIN IMMEDIATE … COMMIT; rolled back when `body` fails or throws.
  template <typename F>
  Status Transaction(F&& body) {
    INTERDICT_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    Status st = Status::Ok();
    try {
      st = body();
    } catch (...) {
      (void)Exec("ROLLBACK");
      throw;
    }
    if (!st.ok()) {
      (void)Exec("ROLLBACK");
      return st;
    }
    return Exec("COMMIT");
  }

 private:
  friend class Statement;
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Status Error(std::string_view what) const;
  sqlite3* db_;
  std::string path_;
};

class Statement {
 public:
  Statement(Statement&&) noexcept;
  Statement& operator=(Statement&&) noexcept;
  ~Statement();

  // Parameters are 1-based, as in SQL's ?1, ?2 ….
  Statement& Bind(int index, std::int64_t v);
  Statement& Bind(int index, std::string_view text);
  Statement& BindBlob(int index, std::string_view bytes);
  // A REAL (named apart: an int argument would match a double overload too).
  Statement& BindReal(int index, double v);
  Statement& BindNull(int index);
  template <typename T>
  Statement& Bind(int index, const std::optional<T>& v) {
    return v ? Bind(index, *v) : BindNull(index);
  }

  // Steps once: true when a row is ready, false when done.
  Result<bool> Step();
  // Whether the last step (Database::Query's) left a row to read.
  bool has_row() const { return has_row_; }
  // Steps to the end, for statements that return no rows.
  Status Run();
  // Ready to run again with new parameters.
  void Reset();
  // Steps to the end, calling row(*this) for each row.
  template <typename F>
  Status ForEach(F&& row) {
    for (;;) {
      Result<bool> more = Step();
      if (!more.ok()) return more.status();
      if (!*more) return Status::Ok();
      row(static_cast<const Statement&>(*this));
    }
  }

  std::int64_t Int(int column) const;
  std::string Text(int column) const;
  double Real(int column) const;  // a REAL column (or a number in text, converted)
  std::string Blob(int column) const;
  bool IsNull(int column) const;
  std::optional<std::int64_t> OptionalInt(int column) const;
  std::optional<std::string> OptionalText(int column) const;

 private:
  friend class Database;
  Statement(Database* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Database* db_;
  sqlite3_stmt* stmt_;
  Status bind_error_ = Status::Ok();
  bool has_row_ = false;
};

namespace internal {
inline void BindAll(Statement&, int) {}
template <typename A, typename... Rest>
void BindAll(Statement& s, int index, const A& a, const Rest&... rest) {
  static_assert(!std::is_floating_point_v<A>, "bind a REAL with BindReal");
  if constexpr (std::is_integral_v<A>) {
    s.Bind(index, static_cast<std::int64_t>(a));
  } else {
    s.Bind(index, a);
  }
  BindAll(s, index + 1, rest...);
}
}  // namespace internal

template <typename... Args>
Result<Statement> Database::Query(std::string_view sql, const Args&... args) {
  Result<Statement> q = Prepare(sql);
  if (!q.ok()) return q.status();
  internal::BindAll(*q, 1, args...);
  Result<bool> row = q->Step();
  if (!row.ok()) return row.status();
  return q;
}

template <typename T, typename F, typename... Args>
Result<std::vector<T>> Database::List(std::string_view sql, F&& row, const Args&... args) {
  Result<Statement> q = Prepare(sql);
  if (!q.ok()) return q.status();
  internal::BindAll(*q, 1, args...);
  std::vector<T> out;
  INTERDICT_RETURN_IF_ERROR(q->ForEach([&](const Statement& r) { out.push_back(row(r)); }));
  return out;
}

}  // namespace interdict::catalog
