// The catalog's database, on either engine (decision 0033): SQLite, the
// embedded default, or PostgreSQL, for several servers. Callers write one SQL
// both engines accept (?1, ?2 … placeholders, RETURNING, ON CONFLICT, integer
// milliseconds for time) and use this API only; nothing outside src/catalog/
// includes sqlite3.h or libpq-fe.h.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "base/status.h"

namespace interdict::catalog {

enum class Engine { kSqlite, kPostgres };

// Where a catalog lives: "sqlite:PATH" or "postgresql:CONNINFO" (a libpq
// connection string or URL; its password comes from the environment or a
// password file, never from here).
struct Location {
  Engine engine = Engine::kSqlite;
  std::string target;    // the file path, or the connection string
  std::string password;  // PostgreSQL's, when not from PGPASSWORD or ~/.pgpass; never printed
  static Result<Location> Parse(std::string_view text);
  static Location Sqlite(std::string path) { return {Engine::kSqlite, std::move(path), {}}; }
  static Location Postgres(std::string conninfo) {
    return {Engine::kPostgres, std::move(conninfo), {}};
  }
  // For messages and logs: the path, or the connection string without any password.
  std::string Describe() const;
};

// One engine's prepared statement, behind Statement.
class Cursor {
 public:
  virtual ~Cursor() = default;
  virtual void BindInt(int index, std::int64_t v) = 0;
  virtual void BindText(int index, std::string_view text) = 0;
  virtual void BindBlob(int index, std::string_view bytes) = 0;
  virtual void BindReal(int index, double v) = 0;
  virtual void BindNull(int index) = 0;
  virtual Result<bool> Step() = 0;
  virtual void Reset() = 0;
  virtual std::int64_t Int(int column) const = 0;
  virtual double Real(int column) const = 0;
  virtual std::string Text(int column) const = 0;
  virtual std::string Blob(int column) const = 0;
  virtual bool IsNull(int column) const = 0;
};

class Statement;

// Seals the catalog's sensitive values when encryption at rest is on
// (decision 0036, docs/format/keys.md): given to a connection by whoever opens
// it with the keys, as a key is given to an encrypted database at open, so
// every reader and writer of a sealed column on that connection seals and
// opens alike. A sealed value is text, "sealed:<key id>:<base64>", and takes
// the place of the plain value in its column.
class ValueSealer {
 public:
  virtual ~ValueSealer() = default;
  // The id of `agency`'s live key of `data_class` ("hits") for the bucket
  // [bucket_start, bucket_end), made if there is none.
  virtual Result<std::string> KeyFor(std::string_view agency, std::string_view data_class,
                                     std::int64_t bucket_start, std::int64_t bucket_end,
                                     std::int64_t now) const = 0;
  // `plaintext` sealed under `key_id`, bound to `column` ("hits.read"): it
  // opens nowhere else.
  virtual Result<std::string> Seal(std::string_view key_id, std::string_view column,
                                   std::string_view plaintext) const = 0;
  // The plaintext of a sealed value of `column`. NotFound when its key was
  // destroyed (the value expired); Corruption when it does not open.
  virtual Result<std::string> Open(std::string_view column, std::string_view sealed) const = 0;
};

// Whether a column's value is sealed ("sealed:…"); no plain value of a sealed
// column (JSON, a plate) starts so.
bool IsSealedValue(std::string_view value);

// A column of a catalog table, with its type in SQLite's words (INTEGER, REAL,
// TEXT or BLOB), whichever engine holds it, and the table its foreign key
// refers to (empty when none).
struct Column {
  std::string name;
  std::string type;
  std::string references;
  bool operator==(const Column&) const = default;
};

class Database {
 public:
  // Opens (creating a SQLite file if needed) the catalog at `where`.
  static Result<std::unique_ptr<Database>> Open(const Location& where);
  // A SQLite file: WAL journal, synchronous=FULL, foreign keys on, a busy timeout.
  static Result<std::unique_ptr<Database>> Open(const std::string& path) {
    return Open(Location::Sqlite(path));
  }
  // Opens an existing catalog for reading only (verification, reports). On
  // PostgreSQL the session is read-only (default_transaction_read_only).
  static Result<std::unique_ptr<Database>> OpenReadOnly(const Location& where);
  static Result<std::unique_ptr<Database>> OpenReadOnly(const std::string& path) {
    return OpenReadOnly(Location::Sqlite(path));
  }
  virtual ~Database() = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  virtual Engine engine() const = 0;
  // The path or the connection string (without a password), for messages.
  const std::string& name() const { return name_; }

  // The sealer of this connection's sensitive values; none: values are
  // written plain, and a sealed one read here is refused.
  void set_sealer(std::shared_ptr<const ValueSealer> sealer) { sealer_ = std::move(sealer); }
  const ValueSealer* sealer() const { return sealer_.get(); }
  // `value` of `column` as written: opened when sealed. FailedPrecondition
  // when it is sealed and this connection has no sealer.
  Result<std::string> OpenValue(std::string_view column, std::string value) const;

  // Runs statements without parameters (schema, fixtures).
  virtual Status Exec(std::string_view sql) = 0;
  virtual Result<Statement> Prepare(std::string_view sql) = 0;
  // Rows changed by the last INSERT, UPDATE or DELETE.
  virtual int Changes() const = 0;
  // SQLite: copies the write-ahead log into the database and truncates it to
  // zero bytes, so pages that held deleted data (before secure_delete zeroed
  // them) are gone from it too. Never waits: false at once when another
  // connection is reading or writing (try again later). Call it where no
  // other user of this connection can write meanwhile. PostgreSQL: nothing
  // to do here (its own checkpoints and vacuum do it): true.
  virtual Result<bool> CheckpointTruncate() = 0;
  // SQLite: copies the write-ahead log into the database as far as no reader
  // still needs it (PASSIVE: never blocks a writer). PostgreSQL: nothing.
  virtual Status Checkpoint() = 0;
  // SQLite: this connection stops checkpointing after its own commits;
  // another connection does it (the service's background thread).
  // PostgreSQL: nothing (the server checkpoints).
  virtual Status LeaveCheckpointsToAnother() = 0;
  // The SQL expression for the text at `key` of the JSON text in `column`
  // (null when absent): JSON is stored as text on both engines, so that it
  // reads back byte for byte (the audit chain hashes it).
  virtual std::string JsonText(std::string_view column, std::string_view key) const = 0;
  // The catalog's own tables, in the order the migrations made them (a table
  // refers only to tables before it, or to itself, or through a column a
  // later step added).
  virtual Result<std::vector<std::string>> Tables() = 0;
  virtual Result<std::vector<Column>> Columns(std::string_view table) = 0;
  // The schema version the migrations recorded (0 for a new catalog).
  virtual Result<int> SchemaVersion() = 0;
  virtual Status SetSchemaVersion(int version) = 0;

  // Every row of `sql`, with `args` bound to ?1, ?2 …, as `row(statement)`
  // makes it: the one shape of a list query.
  template <typename T, typename F, typename... Args>
  Result<std::vector<T>> List(std::string_view sql, F&& row, const Args&... args);
  // `sql` with `args` bound to ?1, ?2 …, stepped once: the statement is on
  // its first row when has_row(), for lookups of one row.
  template <typename... Args>
  Result<Statement> Query(std::string_view sql, const Args&... args);

  // One writer at a time across every server sharing the catalog, as SQLite
  // gives (BEGIN IMMEDIATE; on PostgreSQL BEGIN and a transaction-scoped
  // advisory lock): `body` sees every commit before it. Rolled back when
  // `body` fails or throws.
  template <typename F>
  Status Transaction(F&& body) {
    INTERDICT_RETURN_IF_ERROR(Begin());
    Status st = Status::Ok();
    try {
      st = body();
    } catch (...) {
      (void)Rollback();
      throw;
    }
    if (!st.ok()) {
      (void)Rollback();
      return st;
    }
    return Commit();
  }

 protected:
  explicit Database(std::string name) : name_(std::move(name)) {}
  virtual Status Begin() = 0;
  virtual Status Commit() = 0;
  virtual Status Rollback() = 0;

 private:
  std::string name_;
  std::shared_ptr<const ValueSealer> sealer_;
};

class Statement {
 public:
  explicit Statement(std::unique_ptr<Cursor> cursor) : c_(std::move(cursor)) {}
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;

  // Parameters are 1-based, as in SQL's ?1, ?2 ….
  Statement& Bind(int index, std::int64_t v) {
    c_->BindInt(index, v);
    return *this;
  }
  Statement& Bind(int index, std::string_view text) {
    c_->BindText(index, text);
    return *this;
  }
  Statement& BindBlob(int index, std::string_view bytes) {
    c_->BindBlob(index, bytes);
    return *this;
  }
  // A REAL (named apart: an int argument would match a double overload too).
  Statement& BindReal(int index, double v) {
    c_->BindReal(index, v);
    return *this;
  }
  Statement& BindNull(int index) {
    c_->BindNull(index);
    return *this;
  }
  template <typename T>
  Statement& Bind(int index, const std::optional<T>& v) {
    return v ? Bind(index, *v) : BindNull(index);
  }

  // Steps once: true when a row is ready, false when done.
  Result<bool> Step() {
    Result<bool> r = c_->Step();
    has_row_ = r.ok() && *r;
    return r;
  }
  // Whether the last step (Database::Query's) left a row to read.
  bool has_row() const { return has_row_; }
  // Steps to the end, for statements that return no rows.
  Status Run() {
    for (;;) {
      Result<bool> r = Step();
      if (!r.ok()) return r.status();
      if (!*r) return Status::Ok();
    }
  }
  // Runs an INSERT … RETURNING id to its end: the new row's id, or 0 when no
  // row was inserted (ON CONFLICT DO NOTHING).
  Result<std::int64_t> RunReturningId() {
    Result<bool> row = Step();
    if (!row.ok()) return row.status();
    const std::int64_t id = *row ? Int(0) : 0;
    INTERDICT_RETURN_IF_ERROR(Run());
    return id;
  }
  // Ready to run again with new parameters.
  void Reset() {
    c_->Reset();
    has_row_ = false;
  }
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

  std::int64_t Int(int column) const { return c_->Int(column); }
  std::string Text(int column) const { return c_->Text(column); }
  double Real(int column) const { return c_->Real(column); }  // a REAL column
  std::string Blob(int column) const { return c_->Blob(column); }
  bool IsNull(int column) const { return c_->IsNull(column); }
  std::optional<std::int64_t> OptionalInt(int column) const {
    if (IsNull(column)) return std::nullopt;
    return Int(column);
  }
  std::optional<std::string> OptionalText(int column) const {
    if (IsNull(column)) return std::nullopt;
    return Text(column);
  }

 private:
  std::unique_ptr<Cursor> c_;
  bool has_row_ = false;
};

// A parameter of Database::Query and List bound as bytes (BLOB, bytea), not
// text: Query("… WHERE token_hash = ?1", catalog::Bytes{digest}).
struct Bytes {
  std::string_view data;
};

namespace internal {
inline void BindAll(Statement&, int) {}
template <typename A, typename... Rest>
void BindAll(Statement& s, int index, const A& a, const Rest&... rest) {
  static_assert(!std::is_floating_point_v<A>, "bind a REAL with BindReal");
  if constexpr (std::is_same_v<A, Bytes>) {
    s.BindBlob(index, a.data);
  } else if constexpr (std::is_integral_v<A>) {
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
