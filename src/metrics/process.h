// What the process itself uses, read from the kernel (/proc/self) and the
// allocator, under the names Prometheus's client libraries give them
// (process_resident_memory_bytes, process_open_fds, …), so an operator's
// dashboards and the soak benchmark (docs/soak.md) read them the same way.
#pragma once

#include <cstdint>
#include <string>

#include "metrics/registry.h"

namespace interdict::metrics {

struct ProcessStats {
  std::uint64_t resident_bytes = 0;  // pages in memory, mapped files included
  std::uint64_t virtual_bytes = 0;
  std::uint64_t open_fds = 0;
  std::uint64_t max_fds = 0;      // the soft limit (RLIMIT_NOFILE); of /proc/self only
  double start_time_seconds = 0;  // Unix seconds
  double cpu_seconds = 0;         // user and system
};

// A process's figures now, from its /proc directory ("/proc/self", or
// "/proc/<pid>" of a child the caller watches); a field the kernel does not
// give stays 0.
ProcessStats ReadProcessStats(const std::string& proc = "/proc/self");

// Bytes the allocator has handed out and not taken back (glibc's mallinfo2:
// in-use chunks and mmap'd blocks). Mapped files, such as the store's
// segments, are not in it. Walks the allocator's arenas: call it at a scrape,
// not per request.
std::uint64_t HeapBytes();

// process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds, process_start_time_seconds and
// interdict_heap_bytes, each read at Render.
void RegisterProcessMetrics(Registry& registry);

}  // namespace interdict::metrics
