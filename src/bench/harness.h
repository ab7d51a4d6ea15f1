// What every benchmark shares: stopping cleanly on Ctrl-C or SIGTERM, and a
// working directory that is removed afterwards unless the user named it or
// asked to keep it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace interdict::bench {

// Clears the stop flag and makes SIGINT and SIGTERM set it; long loops check
// StopRequested() and the benchmark then cleans up and exits 130.
void CatchStopSignals();
bool StopRequested();

using Steady = std::chrono::steady_clock;
// Milliseconds from a to b.
inline double Ms(Steady::time_point a, Steady::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// The value below which a share `p` (0..1) of the samples fall; 0 when empty.
double Percentile(std::vector<double> samples, double p);

// Bytes the regular files under `dir` take (0 for a missing directory).
std::uint64_t DirBytes(const std::string& dir);

// Bytes the allocator has handed out and not taken back, in MiB (mapped
// files, such as the store's segments, are not counted).
double HeapInUseMib();

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
