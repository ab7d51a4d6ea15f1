// What every benchmark shares: stopping cleanly on Ctrl-C or SIGTERM, and a
// working directory that is removed afterwards unless the user named it or
// asked to keep it.
#pragma once

#include <string>

#include "base/status.h"

namespace interdict::bench {

// Clears the stop flag and makes SIGINT and SIGTERM set it; long loops check
// StopRequested() and the benchmark then cleans up and exits 130.
void CatchStopSignals();
bool StopRequested();

class WorkDir {
 public:
  // `dir` when given (kept), else a new directory /tmp/interdict-bench-<name>-XXXXXX,
  // removed on destruction unless `keep`.
  static Result<WorkDir> Make(const std::string& dir, const std::string& name, bool keep);
  WorkDir(WorkDir&& other) noexcept;
  WorkDir& operator=(WorkDir&&) = delete;
  ~WorkDir();
  const std::string& path() const { return path_; }

 private:
  WorkDir(std::string path, bool remove) : path_(std::move(path)), remove_(remove) {}
  std::string path_;
  bool remove_ = false;
};

}  // namespace interdict::bench
