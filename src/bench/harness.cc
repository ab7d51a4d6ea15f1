#include "bench/harness.h"

#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <system_error>

#include <fmt/core.h>

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
