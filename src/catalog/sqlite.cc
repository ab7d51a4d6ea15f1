// The catalog on SQLite, the embedded default: one file beside the store.
#include <sqlite3.h>

#include <fmt/core.h>

#include "catalog/engines.h"

namespace interdict::catalog::internal {
namespace {

// How long a statement waits for another connection's lock.
constexpr int kBusyTimeoutMs = 5000;

class SqliteDatabase;

class SqliteCursor final : public Cursor {
 public:
  SqliteCursor(SqliteDatabase* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~SqliteCursor() override { sqlite3_finalize(stmt_); }
  SqliteCursor(const SqliteCursor&) = delete;
  SqliteCursor& operator=(const SqliteCursor&) = delete;

  void BindInt(int index, std::int64_t v) override { Check(sqlite3_bind_int64(stmt_, index, v)); }
  void BindText(int index, std::string_view text) override {
    Check(
        sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  void BindBlob(int index, std::string_view bytes) override {
    Check(sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT));
  }
  void BindReal(int index, double v) override { Check(sqlite3_bind_double(stmt_, index, v)); }
  void BindNull(int index) override { Check(sqlite3_bind_null(stmt_, index)); }
  Result<bool> Step() override;
  void Reset() override {
    sqlite3_reset(stmt_);  // returns the last step's error, already reported by Step
    sqlite3_clear_bindings(stmt_);
    bind_error_ = Status::Ok();
  }
  std::int64_t Int(int column) const override { return sqlite3_column_int64(stmt_, column); }
  double Real(int column) const override { return sqlite3_column_double(stmt_, column); }
  std::string Text(int column) const override {
    const auto* p = sqlite3_column_text(stmt_, column);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
             : std::string();
  }
  std::string Blob(int column) const override {
    const void* p = sqlite3_column_blob(stmt_, column);
    return p ? std::string(static_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
             : std::string();
  }
  bool IsNull(int column) const override {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
  }

 private:
  void Check(int rc);
  SqliteDatabase* db_;
  sqlite3_stmt* stmt_;
  Status bind_error_ = Status::Ok();  // the first, reported by Step
};

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(sqlite3* db, std::string path) : Database(std::move(path)), db_(db) {}
  ~SqliteDatabase() override { sqlite3_close_v2(db_); }

  Engine engine() const override { return Engine::kSqlite; }

  Status Exec(std::string_view sql) override {
    const std::string s(sql);
    char* err = nullptr;
    if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      sqlite3_free(err);
      return Error("executing SQL");
    }
    return Status::Ok();
  }

  Result<Statement> Prepare(std::string_view sql) override {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
        SQLITE_OK) {
      return Error(fmt::format("preparing \"{}\"", sql.substr(0, 60)));
    }
    return Statement(std::make_unique<SqliteCursor>(this, stmt));
  }

  int Changes() const override { return sqlite3_changes(db_); }

  Result<bool> CheckpointTruncate() override {
    // Never waits: a TRUNCATE checkpoint holds the writer lock while it waits
    // for readers, so waiting here would stall every writer. Busy is "later".
    sqlite3_busy_timeout(db_, 0);
    int log = 0, copied = 0;
    const int rc =
        sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log, &copied);
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) return false;
    if (rc != SQLITE_OK) return Error("checkpointing the write-ahead log");
    return true;
  }

  Status Checkpoint() override { return Exec("PRAGMA wal_checkpoint(PASSIVE)"); }
  Status LeaveCheckpointsToAnother() override { return Exec("PRAGMA wal_autocheckpoint = 0"); }

  std::string JsonText(std::string_view column, std::string_view key) const override {
    return fmt::format("json_extract({}, '$.{}')", column, key);
  }

  Result<std::vector<std::string>> Tables() override {
    return List<std::string>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY rowid",
        [](const Statement& r) { return r.Text(0); });
  }
  Result<std::vector<Column>> Columns(std::string_view table) override {
    return List<Column>(
        "SELECT p.name, upper(p.type), coalesce(f.\"table\", '') FROM pragma_table_info(?1) p "
        "LEFT JOIN pragma_foreign_key_list(?1) f ON f.\"from\" = p.name ORDER BY p.cid",
        [](const Statement& r) {
          return Column{r.Text(0), r.Text(1), r.Text(2)};
        },
        table);
  }

  Result<int> SchemaVersion() override {
    Result<Statement> q = Query("PRAGMA user_version");
    if (!q.ok()) return q.status();
    return static_cast<int>(q->Int(0));
  }
  Status SetSchemaVersion(int version) override {
    return Exec(fmt::format("PRAGMA user_version = {}", version));
  }

  Status Error(std::string_view what) const {
    const int code = sqlite3_extended_errcode(db_);
    std::string msg = fmt::format("{}: {}: {}", name(), what, sqlite3_errmsg(db_));
    if ((code & 0xff) == SQLITE_CONSTRAINT) return Status::AlreadyExists(std::move(msg));
    if ((code & 0xff) == SQLITE_CORRUPT || (code & 0xff) == SQLITE_NOTADB)
      return Status::Corruption(std::move(msg));
    return Status::IOError(std::move(msg));
  }

 protected:
  Status Begin() override { return Exec("BEGIN IMMEDIATE"); }
  Status Commit() override { return Exec("COMMIT"); }
  Status Rollback() override { return Exec("ROLLBACK"); }

 private:
  sqlite3* db_;
};

void SqliteCursor::Check(int rc) {
  if (rc != SQLITE_OK && bind_error_.ok()) bind_error_ = db_->Error("binding a parameter");
}

Result<bool> SqliteCursor::Step() {
  if (!bind_error_.ok()) return bind_error_;
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->Error("running a statement");
}

}  // namespace

Result<std::unique_ptr<Database>> OpenSqlite(const std::string& path, bool read_only) {
  sqlite3* db = nullptr;
  const int flags = read_only ? SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX
                              : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    const std::string text = fmt::format("{}: cannot open: {}", path, msg);
    return read_only ? Status::NotFound(text) : Status::IOError(text);
  }
  auto out = std::make_unique<SqliteDatabase>(db, path);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  sqlite3_extended_result_codes(db, 1);
  if (read_only) return std::unique_ptr<Database>(std::move(out));
  // secure_delete: what a purge deletes (a hit's plate, an expired hold, an
  // old audit entry) is overwritten with zeros in its page, and freed pages
  // are zeroed, so it cannot be read back from the file (GOVERNANCE 3).
  INTERDICT_RETURN_IF_ERROR(
      out->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
                "PRAGMA secure_delete=ON;"));
  return std::unique_ptr<Database>(std::move(out));
}

}  // namespace interdict::catalog::internal
