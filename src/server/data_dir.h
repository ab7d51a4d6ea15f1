// The data directory: created on first use and locked for one process at a
// time (an exclusive flock on DATA/LOCK), so two servers never write one store.
#pragma once

#include <string>

#include "base/status.h"

namespace interdict::server {

class DataDir {
 public:
  // Creates `path` (and parents) if missing and takes the lock. Fails with
  // kUnavailable, naming the path, when another process holds it.
  static Result<DataDir> Open(const std::string& path);

  DataDir(DataDir&& other) noexcept;
  DataDir& operator=(DataDir&& other) noexcept;
  DataDir(const DataDir&) = delete;
  DataDir& operator=(const DataDir&) = delete;
  ~DataDir();  // releases the lock

  const std::string& path() const { return path_; }

 private:
  DataDir(std::string path, int lock_fd) : path_(std::move(path)), lock_fd_(lock_fd) {}
  std::string path_;
  int lock_fd_ = -1;
};

// A 32-byte secret kept in `dir`/`name` (mode 0600, in a 0700 directory),
// made from the system's random source the first time. Kept outside the
// catalog so that a copy of the catalog alone cannot undo keyed hashes.
Result<std::string> LoadOrCreateKey(const std::string& dir, const std::string& name);

}  // namespace interdict::server
