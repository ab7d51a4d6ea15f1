// The data directory: created on first use and locked for one process at a
// time (an exclusive flock on DATA/LOCK), so two servers never write one store.
#pragma once

#include <string>

#include "base/status.h"

namespace interdict::server {

// Every path inside a data directory, named once (docs/format/data-dir.md).
// Code that only reads (a report, `store verify`) uses these without the lock.
class DataPaths {
 public:
  explicit DataPaths(std::string root) : root_(std::move(root)) {}
  const std::string& root() const { return root_; }
  std::string lock() const { return root_ + "/LOCK"; }
  std::string catalog() const { return root_ + "/catalog.db"; }  // SQLite
  std::string store() const { return root_ + "/store"; }         // docs/format/store.md
  // Cluster mode: what this server's purges of the cluster's reads destroyed.
  std::string cluster_purge_log() const { return root_ + "/cluster-purge.log"; }
  std::string images() const { return root_ + "/images"; }  // content-addressed crops
  std::string keys() const { return root_ + "/keys"; }      // 0700, secrets outside the catalog
  std::string format() const { return root_ + "/FORMAT"; }  // which release's formats it holds
  std::string demo() const { return root_ + "/demo"; }      // the demo's accounts
  // Where vehicles go next (docs/format/units.md, "The saved model").
  std::string movement() const { return root_ + "/movement.bin"; }

 private:
  std::string root_;
};

// The data directory's format (docs/format/data-dir.md): one number for all
// of its files, raised when a release writes something an older release
// cannot read. 1: releases before FORMAT existed. 2: sealed segments and WAL
// records (encryption at rest) may be present. 3: segments of version 4/5
// (rows in plate order, issue 27).
inline constexpr int kDataFormat = 3;

struct DataFormat {
  int format = 1;          // 1 when there is no FORMAT file (an older release's directory)
  std::string written_by;  // the release that last opened it for writing
  bool present = false;    // whether a FORMAT file exists
};
// What DATA/FORMAT says; Corruption (naming the file) when it is unreadable.
Result<DataFormat> ReadDataFormat(const DataPaths& paths);

class DataDir {
 public:
  // Creates `path` (and parents) if missing and takes the lock. Fails with
  // kUnavailable, naming the path, when another process holds it, and with
  // kFailedPrecondition, naming both releases, when a newer release's data
  // format is there. Then records this release in DATA/FORMAT.
  static Result<DataDir> Open(const std::string& path);

  DataDir(DataDir&& other) noexcept;
  DataDir& operator=(DataDir&& other) noexcept;
  DataDir(const DataDir&) = delete;
  DataDir& operator=(const DataDir&) = delete;
  ~DataDir();  // releases the lock

  const std::string& path() const { return path_; }
  DataPaths paths() const { return DataPaths(path_); }

 private:
  DataDir(std::string path, int lock_fd) : path_(std::move(path)), lock_fd_(lock_fd) {}
  // Refuses a newer release's format; records this release's.
  Status StampFormat() const;
  std::string path_;
  int lock_fd_ = -1;
};

// A 32-byte secret kept in `dir`/`name` (mode 0600, in a 0700 directory),
// made from the system's random source the first time. Kept outside the
// catalog so that a copy of the catalog alone cannot undo keyed hashes.
Result<std::string> LoadOrCreateKey(const std::string& dir, const std::string& name);

// The key of confidential plates' keyed hashes: DATA/keys/confidential-plates.key.
Result<std::string> LoadOrCreateConfidentialKey(const DataPaths& paths);

}  // namespace interdict::server
