#include "metrics/process.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace interdict::metrics {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

TEST(ProcessStatsTest, OpenFilesCountEachDescriptorTheProcessHolds) {
  const std::uint64_t before = ReadProcessStats().open_fds;
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(ReadProcessStats().open_fds, before + 1);
  ::close(fd);
  EXPECT_EQ(ReadProcessStats().open_fds, before);
  EXPECT_GT(ReadProcessStats().max_fds, before);
}

TEST(ProcessStatsTest, ResidentMemoryAndHeapGrowWithTouchedAllocations) {
  const ProcessStats before = ReadProcessStats();
  const std::uint64_t heap_before = HeapBytes();
  constexpr std::size_t kSize = 64 * kMiB;
  auto block = std::make_unique<char[]>(kSize);
  std::memset(block.get(), 1, kSize);  // touched: resident, not only reserved
  const ProcessStats after = ReadProcessStats();
  EXPECT_GE(after.resident_bytes, before.resident_bytes + kSize / 2);
  EXPECT_GE(after.virtual_bytes, after.resident_bytes);
#if defined(__SANITIZE_ADDRESS__)
  (void)heap_before;  // ASan's allocator is not glibc's: mallinfo2 does not see it
#else
  EXPECT_GE(HeapBytes(), heap_before + kSize);
  block.reset();
  EXPECT_LT(HeapBytes(), heap_before + kSize);
#endif
}

TEST(ProcessStatsTest, StartTimeIsInThePastAndAnotherProcessIsReadByItsDirectory) {
  const ProcessStats self = ReadProcessStats();
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_GT(self.start_time_seconds, now - 24 * 3600.0 * 365);
  EXPECT_LE(self.start_time_seconds, now + 1);
  const ProcessStats by_pid = ReadProcessStats("/proc/" + std::to_string(::getpid()));
  EXPECT_NEAR(by_pid.start_time_seconds, self.start_time_seconds, 0.01);
  EXPECT_GT(by_pid.resident_bytes, 0u);
  const ProcessStats gone = ReadProcessStats("/proc/no-such-process");
  EXPECT_EQ(gone.resident_bytes, 0u);
  EXPECT_EQ(gone.open_fds, 0u);
}

TEST(ProcessStatsTest, TheRegistryExposesTheStandardProcessMetrics) {
  Registry r;
  RegisterProcessMetrics(r);
  const std::string text = r.Render();
  for (const char* name :
       {"process_resident_memory_bytes ", "process_virtual_memory_bytes ", "process_open_fds ",
        "process_max_fds ", "process_start_time_seconds ", "interdict_heap_bytes "}) {
    const std::size_t at = text.find(std::string("\n") + name);
    ASSERT_NE(at, std::string::npos) << name << "\n" << text;
#if defined(__SANITIZE_ADDRESS__)
    if (std::string_view(name) == "interdict_heap_bytes ") continue;  // not glibc's allocator
#endif
    EXPECT_NE(text[at + 1 + std::strlen(name)], '0') << name << " reads 0:\n" << text;
  }
}

}  // namespace
}  // namespace interdict::metrics
