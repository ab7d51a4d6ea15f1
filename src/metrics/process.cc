#include "metrics/process.h"

#include <malloc.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

namespace interdict::metrics {
namespace {

// The fields of /proc/self/stat after the command name (which may hold
// spaces and parentheses, so it is skipped up to its last ')').
std::vector<std::string> StatFields(const std::string& proc) {
  std::ifstream in(proc + "/stat");
  std::string line;
  std::getline(in, line);
  const std::size_t close = line.rfind(')');
  std::vector<std::string> fields;
  if (close == std::string::npos) return fields;
  std::istringstream rest(line.substr(close + 1));
  for (std::string f; rest >> f;) fields.push_back(f);
  return fields;
}

std::uint64_t ToU64(const std::string& s) {
  std::uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// Seconds since the epoch at which the machine booted (/proc/stat's btime).
std::uint64_t BootTime() {
  std::ifstream in("/proc/stat");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("btime ", 0) == 0) return ToU64(line.substr(6));
  }
  return 0;
}

// Fills what /proc/<pid>/stat gives: CPU time, virtual and resident size,
// and (with `start_time`, which reads /proc/stat too) the start time.
void ReadStat(const std::string& proc, bool start_time, ProcessStats* s) {
  const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  const auto ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  // After the name: state is field 3 of stat(5), so index i here is field i + 3.
  const std::vector<std::string> f = StatFields(proc);
  if (f.size() <= 21) return;
  s->cpu_seconds = static_cast<double>(ToU64(f[11]) + ToU64(f[12])) / ticks;  // utime, stime
  if (start_time) {
    s->start_time_seconds =
        static_cast<double>(BootTime()) + static_cast<double>(ToU64(f[19])) / ticks;
  }
  s->virtual_bytes = ToU64(f[20]);
  s->resident_bytes = ToU64(f[21]) * page;
}

std::uint64_t CountOpenFds(const std::string& proc) {
  std::uint64_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(proc + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  // Our own listing's descriptor, open while it was listed.
  if (proc == "/proc/self" && n > 0) --n;
  return n;
}

std::uint64_t MaxFds() {
  rlimit lim{};
  return ::getrlimit(RLIMIT_NOFILE, &lim) == 0 ? lim.rlim_cur : 0;
}

}  // namespace

ProcessStats ReadProcessStats(const std::string& proc) {
  ProcessStats s;
  ReadStat(proc, /*start_time=*/true, &s);
  s.open_fds = CountOpenFds(proc);
  if (proc == "/proc/self") s.max_fds = MaxFds();
  return s;
}

std::uint64_t HeapBytes() {
  const struct mallinfo2 mi = ::mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

void RegisterProcessMetrics(Registry& r) {
  // Each series reads only what it shows: a scrape lists the descriptors
  // once and reads /proc/self/stat twice, not everything four times.
  auto stat = [] {
    ProcessStats s;
    ReadStat("/proc/self", /*start_time=*/false, &s);
    return s;
  };
  r.AddGaugeFunction("process_resident_memory_bytes", "Resident memory size in bytes.", {},
                     [stat] { return static_cast<double>(stat().resident_bytes); });
  r.AddGaugeFunction("process_virtual_memory_bytes", "Virtual memory size in bytes.", {},
                     [stat] { return static_cast<double>(stat().virtual_bytes); });
  r.AddGaugeFunction("process_open_fds", "Number of open file descriptors.", {},
                     [] { return static_cast<double>(CountOpenFds("/proc/self")); });
  r.AddGaugeFunction("process_max_fds", "Maximum number of open file descriptors.", {},
                     [] { return static_cast<double>(MaxFds()); });
  const double started = ReadProcessStats().start_time_seconds;  // once: it never changes
  r.AddGaugeFunction("process_start_time_seconds",
                     "Start time of the process since the Unix epoch in seconds.", {},
                     [started] { return started; });
  r.AddGaugeFunction(
      "interdict_heap_bytes",
      "Bytes the allocator has handed out and not taken back (mallinfo2); the store's mapped "
      "segments are not in it.",
      {}, [] { return static_cast<double>(HeapBytes()); });
}

}  // namespace interdict::metrics
