// The journal's native protocol and sd_notify, against sockets the test binds.
#include "base/systemd.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/log.h"
#include "support/datagram_listener.h"
#include "support/temp_dir.h"

namespace interdict {
namespace {

// Parses a journal entry as journald does: KEY=value lines, or KEY, a newline,
// a little-endian 64-bit length and that many bytes, then a newline.
std::optional<std::map<std::string, std::string>> ParseEntry(const std::string& e) {
  std::map<std::string, std::string> out;
  std::size_t i = 0;
  while (i < e.size()) {
    const std::size_t nl = e.find('\n', i);
    if (nl == std::string::npos) return std::nullopt;
    const std::string line = e.substr(i, nl - i);
    if (const std::size_t eq = line.find('='); eq != std::string::npos) {
      out[line.substr(0, eq)] = line.substr(eq + 1);
      i = nl + 1;
      continue;
    }
    if (nl + 9 > e.size()) return std::nullopt;
    std::uint64_t n = 0;
    for (std::size_t b = 8; b-- > 0;) n = (n << 8) | static_cast<unsigned char>(e[nl + 1 + b]);
    if (nl + 9 + n + 1 > e.size() || e[nl + 9 + n] != '\n') return std::nullopt;
    out[line] = e.substr(nl + 9, n);
    i = nl + 9 + n + 1;
  }
  return out;
}

TEST(JournalTest, EntriesCarryTheLevelAsPriorityAndEachFieldAsAJournalField) {
  test::TempDir dir;
  test::DatagramListener journal(dir.File("journal.socket"));
  ASSERT_TRUE(journal.bound());
  FakeClock clock;
  std::vector<std::string> stderr_lines;
  Logger log([&](std::string_view l) { stderr_lines.emplace_back(l); }, clock, LogLevel::kDebug,
             LogFormat::kJournal);
  log.UseJournal(dir.File("journal.socket"));
  log.Warn("slow request", {{"route", "/api/v1/search"}, {"ms", 1234}, {"cached", false}});
  std::optional<std::string> raw = journal.Receive();
  ASSERT_TRUE(raw);
  std::optional<std::map<std::string, std::string>> e = ParseEntry(*raw);
  ASSERT_TRUE(e) << *raw;
  EXPECT_EQ((*e)["MESSAGE"], "slow request");
  EXPECT_EQ((*e)["PRIORITY"], "4");
  EXPECT_EQ((*e)["SYSLOG_IDENTIFIER"], "interdict");
  EXPECT_EQ((*e)["ROUTE"], "/api/v1/search");
  EXPECT_EQ((*e)["MS"], "1234");
  EXPECT_EQ((*e)["CACHED"], "false");
  EXPECT_TRUE(stderr_lines.empty());

  log.Error("e");
  log.Info("i");
  log.Debug("d");
  for (const char* want : {"3", "6", "7"}) {
    raw = journal.Receive();
    ASSERT_TRUE(raw);
    EXPECT_EQ((*ParseEntry(*raw))["PRIORITY"], want);
  }
}

// A plate or a name holding a newline must not start a field of its own, and
// a field named like the journal's own must not replace them.
TEST(JournalTest, HostileValuesAndKeysCannotForgeOrOverrideFields) {
  test::TempDir dir;
  test::DatagramListener journal(dir.File("j"));
  ASSERT_TRUE(journal.bound());
  FakeClock clock;
  Logger log([](std::string_view) {}, clock, LogLevel::kInfo, LogFormat::kJournal);
  log.UseJournal(dir.File("j"));
  log.Info("sign-in\nPRIORITY=0", {{"user", "eve\nMESSAGE=forged"},
                                   {"priority", "0"},
                                   {"message", "m"},
                                   {"_pid", "1"},
                                   {"2fa", true},
                                   {"code.file", "x"}});
  std::optional<std::string> raw = journal.Receive();
  ASSERT_TRUE(raw);
  std::optional<std::map<std::string, std::string>> e = ParseEntry(*raw);
  ASSERT_TRUE(e) << *raw;
  EXPECT_EQ((*e)["MESSAGE"], "sign-in\nPRIORITY=0");
  EXPECT_EQ((*e)["PRIORITY"], "6");
  EXPECT_EQ((*e)["USER"], "eve\nMESSAGE=forged");
  EXPECT_EQ((*e)["INTERDICT_PRIORITY"], "0");
  EXPECT_EQ((*e)["INTERDICT_MESSAGE"], "m");
  EXPECT_EQ((*e)["INTERDICT__PID"], "1");
  EXPECT_EQ((*e)["INTERDICT_2FA"], "true");
  EXPECT_EQ((*e)["INTERDICT_CODE_FILE"], "x");
  EXPECT_EQ(e->size(), 9u);
}

TEST(JournalTest, AnEntryTheJournalDoesNotTakeGoesToStderrAsJson) {
  test::TempDir dir;
  FakeClock clock(1'700'000'000'000);
  std::vector<std::string> lines;
  Logger log([&](std::string_view l) { lines.emplace_back(l); }, clock, LogLevel::kInfo,
             LogFormat::kJournal);
  log.UseJournal(dir.File("no-journal-here"));
  log.Info("listening", {{"url", "http://127.0.0.1:8480"}});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0],
            "{\"ts\":\"2023-11-14T22:13:20.000Z\",\"level\":\"info\",\"msg\":\"listening\","
            "\"url\":\"http://127.0.0.1:8480\"}\n");
  // Without UseJournal at all, the same.
  Logger plain([&](std::string_view l) { lines.emplace_back(l); }, clock, LogLevel::kInfo,
               LogFormat::kJournal);
  plain.Info("x");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].rfind("{\"ts\":", 0), 0u) << lines[1];
}

TEST(NotifyTest, ReadinessReachesTheSocketNamedByNotifySocket) {
  test::TempDir dir;
  test::DatagramListener systemd(dir.File("notify"));
  ASSERT_TRUE(systemd.bound());
  ASSERT_EQ(::setenv("NOTIFY_SOCKET", dir.File("notify").c_str(), 1), 0);
  Status s = NotifySystemd("READY=1\nSTATUS=serving");
  ::unsetenv("NOTIFY_SOCKET");
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(systemd.Receive(), "READY=1\nSTATUS=serving");
  // Not started by systemd: nothing to tell, and no error.
  EXPECT_TRUE(NotifySystemd("READY=1").ok());
  // A socket that is not there is an error naming it.
  Status gone = NotifySocket(dir.File("gone"), "READY=1");
  EXPECT_FALSE(gone.ok());
  EXPECT_NE(gone.message().find("gone"), std::string::npos) << gone.message();
}

TEST(NotifyTest, AnAbstractSocketIsNamedWithAnAt) {
  const std::string name = "@interdict-notify-test-" + std::to_string(::getpid());
  test::DatagramListener systemd(name);
  ASSERT_TRUE(systemd.bound());
  ASSERT_TRUE(NotifySocket(name, "STOPPING=1").ok());
  EXPECT_EQ(systemd.Receive(), "STOPPING=1");
}

}  // namespace
}  // namespace interdict
