// Env: the store's only way to touch files, so tests can make any file
// operation fail (disk full, I/O error, failed sync or rename) and check that
// nothing acknowledged is lost. Modelled on LevelDB's Env.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace interdict::store {

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  // Makes everything appended so far durable (fdatasync).
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
  virtual std::uint64_t size() const = 0;
};

// A read-only view of a whole file, valid while the object lives.
class MappedFile {
 public:
  virtual ~MappedFile() = default;
  virtual std::string_view data() const = 0;
};

class Env {
 public:
  virtual ~Env() = default;

  // Creates `path`, truncating an existing file.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) = 0;
  // Opens `path` for appending, creating it if missing.
  virtual Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) = 0;
  virtual Result<std::string> ReadFile(const std::string& path) = 0;
  virtual Result<std::unique_ptr<MappedFile>> MapFile(const std::string& path) = 0;
  virtual Status Truncate(const std::string& path, std::uint64_t size) = 0;
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  virtual Status Remove(const std::string& path) = 0;
  virtual Status CreateDirs(const std::string& path) = 0;
  // Makes renames and removals in `dir` durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  // Names (not paths) of the entries of `dir`, sorted.
  virtual Result<std::vector<std::string>> ListDir(const std::string& dir) = 0;
  virtual bool Exists(const std::string& path) = 0;

  // The real file system. Thread-safe.
  static Env& Posix();
};

// Wraps an Env and fails chosen operations on demand. Thread-safe.
class FaultInjectionEnv final : public Env {
 public:
  explicit FaultInjectionEnv(Env& base) : base_(base) {}

  // Writes fail with "no space left" once this many more bytes have been
  // appended (the write that crosses the limit is cut short, as on a full
  // disk). Negative: no limit.
  void SetDiskFullAfter(std::int64_t bytes) { budget_ = bytes; }
  void SetSyncFails(bool fail) { sync_fails_ = fail; }
  // Only directory syncs fail (a rename done, its directory entry not yet
  // durable).
  void SetSyncDirFails(bool fail) { sync_dir_fails_ = fail; }
  void SetRenameFails(bool fail) { rename_fails_ = fail; }
  void SetWriteFails(bool fail) { write_fails_ = fail; }
  void Heal() {
    budget_ = -1;
    sync_fails_ = sync_dir_fails_ = rename_fails_ = write_fails_ = false;
  }

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override;
  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override;
  Result<std::string> ReadFile(const std::string& path) override { return base_.ReadFile(path); }
  Result<std::unique_ptr<MappedFile>> MapFile(const std::string& path) override {
    return base_.MapFile(path);
  }
  Status Truncate(const std::string& path, std::uint64_t size) override {
    return base_.Truncate(path, size);
  }
  Status Rename(const std::string& from, const std::string& to) override;
  Status Remove(const std::string& path) override { return base_.Remove(path); }
  Status CreateDirs(const std::string& path) override { return base_.CreateDirs(path); }
  Status SyncDir(const std::string& dir) override;
  Result<std::vector<std::string>> ListDir(const std::string& dir) override {
    return base_.ListDir(dir);
  }
  bool Exists(const std::string& path) override { return base_.Exists(path); }

 private:
  friend class FaultyFile;
  Env& base_;
  std::atomic<std::int64_t> budget_{-1};
  std::atomic<bool> sync_fails_{false};
  std::atomic<bool> sync_dir_fails_{false};
  std::atomic<bool> rename_fails_{false};
  std::atomic<bool> write_fails_{false};
};

}  // namespace interdict::store
