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

}  // namespace interdict::server
