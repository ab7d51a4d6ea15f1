#include "catalog/sqlite.h"

#include <fmt/core.h>
#include <sqlite3.h>

namespace interdict::catalog {
namespace {

// How long a statement waits for another connection's lock.
constexpr int kBusyTimeoutMs = 5000;

}  // namespace

Result<std::unique_ptr<Database>> Database::Open(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Status::IOError(fmt::format("{}: cannot open: {}", path, msg));
  }
  std::unique_ptr<Database> out(new Database(db, path));
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  sqlite3_extended_result_codes(db, 1);
  // secure_delete: what a purge deletes (a hit's plate, an expired hold, an
  // old audit entry) is overwritten with zeros in its page, and freed pages
  // are zeroed, so it cannot be read back from the file (GOVERNANCE 3).
  INTERDICT_RETURN_IF_ERROR(
      out->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
                "PRAGMA secure_delete=ON;"));
  return out;
}

Result<bool> Database::CheckpointTruncate() {
  // Never waits: a TRUNCATE checkpoint holds the writer lock while it waits
  // for readers, so waiting here would stall every writer. Busy is "later".
  sqlite3_busy_timeout(db_, 0);
  int log = 0, copied = 0;
  const int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log, &copied);
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) return false;
  if (rc != SQLITE_OK) return Error("checkpointing the write-ahead log");
  return true;
}

Result<std::unique_ptr<Database>> Database::OpenReadOnly(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Status::NotFound(fmt::format("{}: cannot open: {}", path, msg));
  }
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<Database>(new Database(db, path));
}

Database::~Database() {
  sqlite3_close_v2(db_);
}

Status Database::Error(std::string_view what) const {
  const int code = sqlite3_extended_errcode(db_);
  std::string msg = fmt::format("{}: {}: {}", path_, what, sqlite3_errmsg(db_));
  if ((code & 0xff) == SQLITE_CONSTRAINT) return Status::AlreadyExists(std::move(msg));
  if ((code & 0xff) == SQLITE_CORRUPT || (code & 0xff) == SQLITE_NOTADB)
    return Status::Corruption(std::move(msg));
  return Status::IOError(std::move(msg));
}

Status Database::Exec(std::string_view sql) {
  const std::string s(sql);
  char* err = nullptr;
  if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    sqlite3_free(err);
    return Error("executing SQL");
  }
  return Status::Ok();
}

Result<Statement> Database::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
      SQLITE_OK) {
    return Error(fmt::format("preparing \"{}\"", sql.substr(0, 60)));
  }
  return Statement(this, stmt);
}

std::int64_t Database::LastInsertId() const {
  return sqlite3_last_insert_rowid(db_);
}
int Database::Changes() const {
  return sqlite3_changes(db_);
}

Statement::Statement(Statement&& o) noexcept
    : db_(o.db_), stmt_(o.stmt_), bind_error_(std::move(o.bind_error_)), has_row_(o.has_row_) {
  o.stmt_ = nullptr;
}
Statement& Statement::operator=(Statement&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(stmt_);
    db_ = o.db_;
    stmt_ = o.stmt_;
    bind_error_ = std::move(o.bind_error_);
    has_row_ = o.has_row_;
    o.stmt_ = nullptr;
  }
  return *this;
}
Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Statement& Statement::Bind(int index, std::int64_t v) {
  if (sqlite3_bind_int64(stmt_, index, v) != SQLITE_OK && bind_error_.ok())
    bind_error_ = db_->Error("binding a parameter");
  return *this;
}
Statement& Statement::Bind(int index, std::string_view text) {
  if (sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8) !=
          SQLITE_OK &&
      bind_error_.ok())
    bind_error_ = db_->Error("binding a parameter");
  return *this;
}
Statement& Statement::BindBlob(int index, std::string_view bytes) {
  if (sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT) !=
          SQLITE_OK &&
      bind_error_.ok())
    bind_error_ = db_->Error("binding a parameter");
  return *this;
}
Statement& Statement::BindReal(int index, double v) {
  if (sqlite3_bind_double(stmt_, index, v) != SQLITE_OK && bind_error_.ok())
    bind_error_ = db_->Error("binding a parameter");
  return *this;
}
Statement& Statement::BindNull(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK && bind_error_.ok())
    bind_error_ = db_->Error("binding a parameter");
  return *this;
}

Result<bool> Statement::Step() {
  if (!bind_error_.ok()) return bind_error_;
  const int rc = sqlite3_step(stmt_);
  has_row_ = rc == SQLITE_ROW;
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->Error("running a statement");
}

Status Statement::Run() {
  for (;;) {
    Result<bool> r = Step();
    if (!r.ok()) return r.status();
    if (!*r) return Status::Ok();
  }
}

void Statement::Reset() {
  sqlite3_reset(stmt_);  // returns the last step's error, already reported by Step
  sqlite3_clear_bindings(stmt_);
  bind_error_ = Status::Ok();
  has_row_ = false;
}

std::int64_t Statement::Int(int column) const {
  return sqlite3_column_int64(stmt_, column);
}
double Statement::Real(int column) const {
  return sqlite3_column_double(stmt_, column);
}

std::string Statement::Text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
           : std::string();
}
std::string Statement::Blob(int column) const {
  const void* p = sqlite3_column_blob(stmt_, column);
  return p ? std::string(static_cast<const char*>(p),
                         static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
           : std::string();
}
bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}
std::optional<std::int64_t> Statement::OptionalInt(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Int(column);
}
std::optional<std::string> Statement::OptionalText(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Text(column);
}

}  // namespace interdict::catalog
