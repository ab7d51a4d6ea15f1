#include "bench/harness.h"

#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

#include <fmt/core.h>

#include "metrics/process.h"

namespace interdict::bench {
namespace {

volatile sig_atomic_t g_stop = 0;

void OnSignal(int) {
  g_stop = 1;
}

}  // namespace

void CatchStopSignals() {
  g_stop = 0;
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool StopRequested() {
  return g_stop != 0;
}

double Percentile(std::vector<double> samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const std::size_t i = std::min(samples.size() - 1,
                                 static_cast<std::size_t>(p * static_cast<double>(samples.size())));
  return samples[i];
}

double HeapInUseMib() {
  return static_cast<double>(metrics::HeapBytes()) / (1024.0 * 1024.0);
}

std::uint64_t DirBytes(const std::string& dir) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

Result<WorkDir> WorkDir::Make(const std::string& dir, const std::string& name, bool keep) {
  if (!dir.empty()) return WorkDir(dir, false);
  std::string pattern = fmt::format("/tmp/interdict-bench-{}-XXXXXX", name);
  if (::mkdtemp(pattern.data()) == nullptr)
    return Status::IOError("cannot create a working directory under /tmp");
  return WorkDir(pattern, !keep);
}

WorkDir::WorkDir(WorkDir&& other) noexcept : path_(std::move(other.path_)), remove_(other.remove_) {
  other.remove_ = false;
}

WorkDir::~WorkDir() {
  if (!remove_) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace interdict::bench
