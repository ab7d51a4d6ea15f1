// The catalog on PostgreSQL, for several servers (decision 0033): libpq, one
// connection per Database, statements prepared once per connection.
//
// Parameters go as text with their type left to the server (it infers each
// from where the parameter stands, as SQLite's affinity would accept it),
// except blobs, which go as binary bytea. Results come as text: integers and
// reals are parsed, bytea is decoded from its hex form.
#include <libpq-fe.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/core.h>

#include "catalog/engines.h"

namespace interdict::catalog::internal {
namespace {

constexpr unsigned kTextOid = 25;
// The advisory lock every catalog transaction takes: one writer at a time
// across all servers, as SQLite's BEGIN IMMEDIATE gives on one machine.
constexpr std::int64_t kWriterLock = 0x696e7464;  // "intd"

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

// ?N outside string literals, quoted identifiers and comments become $N; the
// highest N is the statement's parameter count, and `used` says which appear.
std::string RewritePlaceholders(std::string_view sql, int* params, std::vector<bool>* used) {
  std::string out;
  out.reserve(sql.size() + 8);
  *params = 0;
  used->clear();
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {
      const std::size_t end = sql.find(c, i + 1);
      const std::size_t stop = end == std::string_view::npos ? sql.size() : end + 1;
      out.append(sql.substr(i, stop - i));
      i = stop - 1;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      const std::size_t end = sql.find('\n', i);
      const std::size_t stop = end == std::string_view::npos ? sql.size() : end;
      out.append(sql.substr(i, stop - i));
      i = stop - 1;
    } else if (c == '?' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
      int n = 0;
      std::size_t j = i + 1;
      while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') n = n * 10 + (sql[j++] - '0');
      *params = std::max(*params, n);
      if (used->size() < static_cast<std::size_t>(n) + 1)
        used->resize(static_cast<std::size_t>(n) + 1, false);
      (*used)[static_cast<std::size_t>(n)] = true;
      out += '$';
      out.append(sql.substr(i + 1, j - i - 1));
      i = j - 1;
    } else {
      out += c;
    }
  }
  return out;
}

// libpq's messages end in a newline; ours do not.
std::string TrimEnd(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 0;
}

class PostgresDatabase;

class PostgresCursor final : public Cursor {
 public:
  PostgresCursor(PostgresDatabase* db, std::string sql, std::string name, std::uint64_t epoch,
                 int params)
      : db_(db),
        sql_(std::move(sql)),
        name_(std::move(name)),
        epoch_(epoch),
        values_(static_cast<std::size_t>(params)),
        binary_(static_cast<std::size_t>(params), false) {}

  void BindInt(int index, std::int64_t v) override { Set(index, std::to_string(v), false); }
  void BindText(int index, std::string_view text) override { Set(index, std::string(text), false); }
  void BindBlob(int index, std::string_view bytes) override {
    Set(index, std::string(bytes), true);
  }
  void BindReal(int index, double v) override { Set(index, fmt::format("{}", v), false); }
  void BindNull(int index) override {
    if (Valid(index)) values_[static_cast<std::size_t>(index - 1)].reset();
  }
  Result<bool> Step() override;
  void Reset() override {
    result_.reset();
    row_ = -1;
    for (auto& v : values_) v.reset();
    bind_error_ = Status::Ok();
  }
  std::int64_t Int(int column) const override {
    const char* v = Value(column);
    if (v[0] == 't' && v[1] == '\0') return 1;  // a boolean expression
    if (v[0] == 'f' && v[1] == '\0') return 0;
    return std::strtoll(v, nullptr, 10);
  }
  double Real(int column) const override { return std::strtod(Value(column), nullptr); }
  std::string Text(int column) const override {
    if (!result_ || PQgetisnull(result_.get(), row_, column)) return {};
    return std::string(PQgetvalue(result_.get(), row_, column),
                       static_cast<std::size_t>(PQgetlength(result_.get(), row_, column)));
  }
  std::string Blob(int column) const override {
    const std::string hex = Text(column);  // \x0a1b…
    if (hex.size() < 2 || hex[0] != '\\' || hex[1] != 'x') return hex;
    std::string out;
    out.reserve((hex.size() - 2) / 2);
    for (std::size_t i = 2; i + 1 < hex.size(); i += 2)
      out += static_cast<char>(HexValue(hex[i]) * 16 + HexValue(hex[i + 1]));
    return out;
  }
  bool IsNull(int column) const override {
    return !result_ || PQgetisnull(result_.get(), row_, column);
  }

 private:
  bool Valid(int index) {
    if (index >= 1 && static_cast<std::size_t>(index) <= values_.size()) return true;
    if (bind_error_.ok())
      bind_error_ = Status::Internal(fmt::format("parameter ?{} is not in \"{}\"", index,
                                                 std::string_view(sql_).substr(0, 60)));
    return false;
  }
  void Set(int index, std::string v, bool binary) {
    if (!Valid(index)) return;
    values_[static_cast<std::size_t>(index - 1)] = std::move(v);
    binary_[static_cast<std::size_t>(index - 1)] = binary;
  }
  const char* Value(int column) const {
    if (!result_ || PQgetisnull(result_.get(), row_, column)) return "";
    return PQgetvalue(result_.get(), row_, column);
  }

  PostgresDatabase* db_;
  std::string sql_;      // as the caller wrote it, with ?N
  std::string name_;     // the prepared statement's name on the connection
  std::uint64_t epoch_;  // of the connection it was prepared on
  std::vector<std::optional<std::string>> values_;
  std::vector<bool> binary_;
  Status bind_error_ = Status::Ok();
  ResultPtr result_;
  int row_ = -1;
  friend class PostgresDatabase;
};

class PostgresDatabase final : public Database {
 public:
  PostgresDatabase(PGconn* conn, std::string name, bool read_only)
      : Database(std::move(name)), conn_(conn), read_only_(read_only) {}
  ~PostgresDatabase() override { PQfinish(conn_); }

  // The session's settings, at open and again on every new connection after
  // a reset (a failover): UTC, UTF-8, and read-only when opened so.
  Status SetUpSession() {
    ResultPtr r(PQexec(conn_, read_only_ ? "SET TIME ZONE 'UTC'; SET client_encoding = 'UTF8'; "
                                           "SET default_transaction_read_only = on"
                                         : "SET TIME ZONE 'UTC'; SET client_encoding = 'UTF8'"));
    return Check(r.get(), "setting up the session");
  }

  Engine engine() const override { return Engine::kPostgres; }

  Status Exec(std::string_view sql) override {
    INTERDICT_RETURN_IF_ERROR(Connected());
    ResultPtr r(PQexec(conn_, std::string(sql).c_str()));
    return Check(r.get(), "executing SQL");
  }

  Result<Statement> Prepare(std::string_view sql) override {
    INTERDICT_RETURN_IF_ERROR(Connected());
    Result<const Prepared*> p = Lookup(sql);
    if (!p.ok()) return p.status();
    return Statement(
        std::make_unique<PostgresCursor>(this, std::string(sql), (*p)->name, epoch_, (*p)->params));
  }

  int Changes() const override { return changes_; }
  Result<bool> CheckpointTruncate() override { return true; }
  Status Checkpoint() override { return Status::Ok(); }
  Status LeaveCheckpointsToAnother() override { return Status::Ok(); }

  std::string JsonText(std::string_view column, std::string_view key) const override {
    return fmt::format("(({})::jsonb ->> '{}')", column, key);
  }

  Result<std::vector<std::string>> Tables() override {
    return List<std::string>(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE "
        "n.nspname = current_schema() AND c.relkind = 'r' AND c.relname <> 'interdict_schema' "
        "ORDER BY c.oid",
        [](const Statement& r) { return r.Text(0); });
  }
  Result<std::vector<Column>> Columns(std::string_view table) override {
    // PostgreSQL's types as the SQLite declarations they were made from.
    return List<Column>(
        "SELECT c.column_name, CASE c.data_type WHEN 'bigint' THEN 'INTEGER' WHEN 'double "
        "precision' THEN 'REAL' WHEN 'bytea' THEN 'BLOB' WHEN 'text' THEN 'TEXT' ELSE "
        "upper(c.data_type) END, coalesce(f.target, '') FROM information_schema.columns c "
        "LEFT JOIN (SELECT k.column_name, u.table_name AS target FROM "
        "information_schema.table_constraints t JOIN information_schema.key_column_usage k ON "
        "k.constraint_name = t.constraint_name AND k.table_schema = t.table_schema JOIN "
        "information_schema.constraint_column_usage u ON u.constraint_name = t.constraint_name "
        "AND u.table_schema = t.table_schema WHERE t.constraint_type = 'FOREIGN KEY' AND "
        "t.table_schema = current_schema() AND t.table_name = ?1) f ON f.column_name = "
        "c.column_name WHERE c.table_schema = current_schema() AND c.table_name = ?1 ORDER BY "
        "c.ordinal_position",
        [](const Statement& r) {
          return Column{r.Text(0), r.Text(1), r.Text(2)};
        },
        table);
  }

  Result<int> SchemaVersion() override {
    Result<Statement> q =
        Query("SELECT CASE WHEN to_regclass('interdict_schema') IS NULL THEN 0 ELSE -1 END");
    if (!q.ok()) return q.status();
    if (q->Int(0) == 0) return 0;
    Result<Statement> v = Query("SELECT coalesce(max(version), 0) FROM interdict_schema");
    if (!v.ok()) return v.status();
    return static_cast<int>(v->Int(0));
  }
  Status SetSchemaVersion(int version) override {
    return Exec(
        fmt::format("CREATE TABLE IF NOT EXISTS interdict_schema (version BIGINT NOT NULL); "
                    "DELETE FROM interdict_schema; INSERT INTO interdict_schema VALUES ({});",
                    version));
  }

  // Runs the cursor's statement with its parameters: the whole result at once.
  Status Execute(PostgresCursor& c) {
    INTERDICT_RETURN_IF_ERROR(Connected());
    if (c.epoch_ != epoch_) {  // prepared on a connection that has since been replaced
      Result<const Prepared*> p = Lookup(c.sql_);
      if (!p.ok()) return p.status();
      c.name_ = (*p)->name;
      c.epoch_ = epoch_;
    }
    const std::size_t n = c.values_.size();
    std::vector<const char*> values(n);
    std::vector<int> lengths(n), formats(n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto& v = c.values_[i];
      values[i] = v ? v->data() : nullptr;
      lengths[i] = v ? static_cast<int>(v->size()) : 0;
      formats[i] = c.binary_[i] ? 1 : 0;
    }
    c.result_.reset(PQexecPrepared(conn_, c.name_.c_str(), static_cast<int>(n), values.data(),
                                   lengths.data(), formats.data(), 0));
    INTERDICT_RETURN_IF_ERROR(
        Check(c.result_.get(), fmt::format("running \"{}\"", c.sql_.substr(0, 60))));
    const char* cmd = PQcmdStatus(c.result_.get());
    const std::string_view verb(cmd);
    if (verb.starts_with("INSERT") || verb.starts_with("UPDATE") || verb.starts_with("DELETE"))
      changes_ = std::atoi(PQcmdTuples(c.result_.get()));
    return Status::Ok();
  }

 protected:
  Status Begin() override {
    return Exec(fmt::format("BEGIN; SELECT pg_advisory_xact_lock({})", kWriterLock));
  }
  Status Commit() override { return Exec("COMMIT"); }
  Status Rollback() override { return Exec("ROLLBACK"); }

 private:
  struct Prepared {
    std::string name;
    int params = 0;
  };

  // The statement prepared on this connection, preparing it the first time.
  Result<const Prepared*> Lookup(std::string_view sql) {
    const std::string key(sql);
    auto it = prepared_.find(key);
    if (it != prepared_.end()) return &it->second;
    Prepared p;
    p.name = fmt::format("s{}", prepared_.size() + 1);
    std::vector<bool> used;
    const std::string text = RewritePlaceholders(sql, &p.params, &used);
    // The server infers each parameter's type from where it stands; one the
    // text leaves out (a query built with optional filters binds it anyway)
    // stands nowhere, and is declared text so that it needs no inference.
    std::vector<unsigned> types(static_cast<std::size_t>(p.params), 0);
    for (int i = 1; i <= p.params; ++i)
      if (!used[static_cast<std::size_t>(i)]) types[static_cast<std::size_t>(i - 1)] = kTextOid;
    ResultPtr r(PQprepare(conn_, p.name.c_str(), text.c_str(), p.params, types.data()));
    INTERDICT_RETURN_IF_ERROR(Check(r.get(), fmt::format("preparing \"{}\"", sql.substr(0, 60))));
    return &prepared_.emplace(key, std::move(p)).first->second;
  }

  // A lost connection is tried again once before each use (libpq finds the
  // primary among the hosts named). The new session forgot the old one's
  // settings and prepared statements: the settings are made again at once,
  // the statements as they are next run.
  Status Connected() {
    if (PQstatus(conn_) == CONNECTION_OK) return Status::Ok();
    PQreset(conn_);
    prepared_.clear();
    ++epoch_;
    if (PQstatus(conn_) != CONNECTION_OK)
      return Status::Unavailable(
          fmt::format("{}: cannot reach PostgreSQL: {}", name(), TrimEnd(PQerrorMessage(conn_))));
    return SetUpSession();
  }

  Status Check(const PGresult* r, std::string_view what) const {
    const ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_EMPTY_QUERY)
      return Status::Ok();
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    const std::string detail = TrimEnd(r ? PQresultErrorMessage(r) : PQerrorMessage(conn_));
    std::string msg = fmt::format("{}: {}: {}", name(), what, detail);
    const std::string_view code = state ? state : "";
    if (code.starts_with("23")) return Status::AlreadyExists(std::move(msg));  // a constraint
    if (code.starts_with("08") || code == "57P01" || code == "57P02" || code == "57P03" ||
        PQstatus(conn_) != CONNECTION_OK)
      return Status::Unavailable(std::move(msg));
    if (code == "25006") return Status::PermissionDenied(std::move(msg));  // read-only session
    if (code == "XX001" || code == "XX002") return Status::Corruption(std::move(msg));
    return Status::IOError(std::move(msg));
  }

  PGconn* conn_;
  const bool read_only_;
  // Statements by their text: the catalog's SQL is a fixed set written in
  // the code (values are always bound), so this stays small.
  std::unordered_map<std::string, Prepared> prepared_;
  std::uint64_t epoch_ = 0;  // counts the connection's resets
  int changes_ = 0;
};

Result<bool> PostgresCursor::Step() {
  if (!bind_error_.ok()) return bind_error_;
  if (!result_) {
    INTERDICT_RETURN_IF_ERROR(db_->Execute(*this));
    row_ = -1;
  }
  if (row_ + 1 < PQntuples(result_.get())) {
    ++row_;
    return true;
  }
  row_ = PQntuples(result_.get());
  return false;
}

void IgnoreNotice(void*, const char*) {}

}  // namespace

Result<std::unique_ptr<Database>> OpenPostgres(const Location& where, bool read_only) {
  const std::string name = where.Describe();
  // The connection string expands as "dbname" does; a password given apart
  // is added as its own keyword, never spliced into the text.
  const char* keys[] = {"dbname", "password", nullptr};
  const char* values[] = {where.target.c_str(),
                          where.password.empty() ? nullptr : where.password.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, 1);
  if (conn == nullptr) return Status::ResourceExhausted("cannot allocate a PostgreSQL connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    const std::string msg = TrimEnd(PQerrorMessage(conn));
    PQfinish(conn);
    return Status::Unavailable(fmt::format("{}: cannot connect: {}", name, msg));
  }
  PQsetNoticeProcessor(conn, IgnoreNotice, nullptr);
  auto out = std::make_unique<PostgresDatabase>(conn, name, read_only);
  // UTC: nothing in the catalog depends on the server's zone, but messages
  // and casts stay the same on every server.
  INTERDICT_RETURN_IF_ERROR(out->SetUpSession());
  return std::unique_ptr<Database>(std::move(out));
}

}  // namespace interdict::catalog::internal
