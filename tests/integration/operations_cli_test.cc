// The operator's tasks of docs/operations.md with the real binary: make a
// master key, run an encrypted server, back it up while it serves, verify and
// restore the backup, rotate the master key.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <fmt/core.h>

#include "support/process.h"
#include "support/temp_dir.h"

namespace interdict {
namespace {

using test::Process;
using test::RunProgram;

const std::string kBin = INTERDICT_BINARY;

TEST(OperationsCliTest, AnEncryptedServerIsBackedUpWhileServingRestoredAndItsMasterKeyRotated) {
  test::TempDir dir;
  const std::string data = dir.File("data"), keys = dir.File("keys");
  const std::string master = dir.File("master.key"), next = dir.File("next.key");
  const std::string backups = dir.File("backups"), restored = dir.File("restored");
  ASSERT_EQ(RunProgram({kBin, "keys", "init", "--master-key", master}).code, 0);
  test::RunResult again = RunProgram({kBin, "keys", "init", "--master-key", master});
  EXPECT_EQ(again.code, 1);
  EXPECT_NE(again.err.find("not replaced"), std::string::npos) << again.err;

  // Reads loaded into a sealed store.
  const std::string reads = dir.File("reads.ndjson");
  {
    std::ofstream out(reads);
    for (int i = 0; i < 500; ++i) {
      out << fmt::format(
          R"({{"id":"r{}","agency":"STLPD","camera":"cam{}","time":{},"plate":"OPS{:04}"}})"
          "\n",
          i, i % 5, 1'790'000'000'000 + i * 1000LL, i);
    }
  }
  const std::vector<std::string> with_keys = {"--master-key", master, "--keys", keys};
  std::vector<std::string> load = {kBin, "store", "load", "--data", data, reads};
  load.insert(load.end(), with_keys.begin(), with_keys.end());
  test::RunResult loaded = RunProgram(load);
  ASSERT_EQ(loaded.code, 0) << loaded.err;

  // The server, with encryption on, backed up while it serves.
  const std::string config = dir.File("interdict.toml");
  std::ofstream(config) << fmt::format(
      "[server]\nlisten = \"127.0.0.1:0\"\n[data]\ndir = \"{}\"\n"
      "[encryption]\nmaster_key_file = \"{}\"\nkeys_dir = \"{}\"\n",
      data, master, keys);
  {
    Process server({kBin, "serve", "--config", config});
    ASSERT_TRUE(server.WaitForLine("serving http://")) << server.err();
    test::RunResult made = RunProgram(
        {kBin, "backup", "create", "--data", data, "--to", backups, "--master-key", master});
    ASSERT_EQ(made.code, 0) << made.err;
    EXPECT_NE(made.out.find("\"id\":\""), std::string::npos) << made.out;
    // As the packaged timer runs it: the directories and key from the server's
    // configuration (verified with the master key below, with the first).
    test::RunResult timer =
        RunProgram({kBin, "backup", "create", "--config", config, "--to", backups});
    ASSERT_EQ(timer.code, 0) << timer.err;
    EXPECT_NE(timer.out.find("\"id\":\""), std::string::npos) << timer.out;
    server.Signal(SIGTERM);
    EXPECT_EQ(server.Wait(), 0) << server.err();
  }
  // No plate in the clear anywhere under the data directory or in the backup.
  for (const std::string& root : {data, backups}) {
    for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
      if (!e.is_regular_file() || e.path().string().find("catalog") != std::string::npos) continue;
      std::ifstream in(e.path(), std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), {});
      EXPECT_EQ(bytes.find("OPS0"), std::string::npos) << e.path();
    }
  }

  test::RunResult verified =
      RunProgram({kBin, "backup", "verify", backups, "--master-key", master});
  EXPECT_EQ(verified.code, 0) << verified.err;
  EXPECT_NE(verified.out.find("\"ok\":true"), std::string::npos) << verified.out;
  test::RunResult unsigned_check = RunProgram({kBin, "backup", "verify", backups});
  EXPECT_EQ(unsigned_check.code, 1) << "a signed backup is not checked without its key";

  std::vector<std::string> restore = {kBin, "restore", "--from", backups, "--data", restored};
  test::RunResult unchecked = RunProgram(restore);
  EXPECT_EQ(unchecked.code, 1);
  EXPECT_NE(unchecked.err.find("give it (--master-key)"), std::string::npos) << unchecked.err;
  restore.insert(restore.end(), with_keys.begin(), with_keys.end());
  test::RunResult back = RunProgram(restore);
  ASSERT_EQ(back.code, 0) << back.err;
  EXPECT_NE(back.out.find("\"reads\":500"), std::string::npos) << back.out;
  test::RunResult refused = RunProgram(restore);
  EXPECT_EQ(refused.code, 1) << "the target is no longer empty";

  std::vector<std::string> count = {kBin, "store", "count", "--data", restored};
  test::RunResult plain_count = RunProgram(count);
  EXPECT_EQ(plain_count.code, 1) << "a sealed store without its keys";
  EXPECT_NE(plain_count.err.find("encryption is not configured"), std::string::npos)
      << plain_count.err;
  count.insert(count.end(), with_keys.begin(), with_keys.end());
  test::RunResult sealed_count = RunProgram(count);
  EXPECT_EQ(sealed_count.code, 0) << sealed_count.err;
  EXPECT_EQ(sealed_count.out, "500\n");

  std::vector<std::string> verify = {kBin, "store", "verify", "--data", restored};
  test::RunResult verify_plain = RunProgram(verify);
  EXPECT_EQ(verify_plain.code, 1) << "sealed files cannot be checked without their keys";
  verify.insert(verify.end(), with_keys.begin(), with_keys.end());
  test::RunResult verified_store = RunProgram(verify);
  EXPECT_EQ(verified_store.code, 0) << verified_store.err;
  EXPECT_EQ(verified_store.out, "store verify: ok\n");

  test::RunResult listed =
      RunProgram({kBin, "keys", "list", "--master-key", master, "--keys", keys});
  ASSERT_EQ(listed.code, 0) << listed.err;
  EXPECT_NE(listed.out.find("\"state\":\"live\""), std::string::npos) << listed.out;

  // Rotation: the ring is rewrapped, the old key no longer opens it, the data is untouched.
  ASSERT_EQ(RunProgram({kBin, "keys", "init", "--master-key", next}).code, 0);
  test::RunResult rotated = RunProgram(
      {kBin, "keys", "rotate", "--keys", keys, "--master-key", master, "--new-master-key", next});
  ASSERT_EQ(rotated.code, 0) << rotated.err;
  EXPECT_NE(rotated.out.find("\"rewrapped\":"), std::string::npos) << rotated.out;
  test::RunResult stale = RunProgram(count);
  EXPECT_EQ(stale.code, 1);
  EXPECT_NE(stale.err.find("is wrapped under master key"), std::string::npos) << stale.err;
  test::RunResult fresh = RunProgram(
      {kBin, "store", "count", "--data", restored, "--master-key", next, "--keys", keys});
  EXPECT_EQ(fresh.code, 0) << fresh.err;
  EXPECT_EQ(fresh.out, "500\n");
}

TEST(OperationsCliTest, KeysInsideTheDataDirectoryAreRefusedAtStart) {
  test::TempDir dir;
  ASSERT_EQ(RunProgram({kBin, "keys", "init", "--master-key", dir.File("master.key")}).code, 0);
  const std::string config = dir.File("interdict.toml");
  std::ofstream(config) << fmt::format(
      "[server]\nlisten = \"127.0.0.1:0\"\n[data]\ndir = \"{}\"\n"
      "[encryption]\nmaster_key_file = \"{}\"\nkeys_dir = \"{}/keys\"\n",
      dir.path(), dir.File("master.key"), dir.path());
  test::RunResult r = RunProgram({kBin, "serve", "--config", config});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("must be outside the data directory"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace interdict

namespace interdict {
namespace {

TEST(OperationsCliTest, VersionDataSaysWhatADirectoryHoldsAndWhetherThisReleaseOpensIt) {
  test::TempDir dir;
  const std::string data = dir.File("data");
  std::filesystem::copy(
      std::string(INTERDICT_SOURCE_DIR) + "/tests/data/upgrade/format1-0.1.0-schema17", data,
      std::filesystem::copy_options::recursive);
  test::RunResult r = RunProgram({kBin, "version", "--data", data});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(R"("data_format":{"this_release":3,"directory":1,"written_by":null})"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(R"("directory":17})"), std::string::npos) << "the catalog's schema";
  EXPECT_NE(r.out.find(R"("segments":{"v2_plain":2})"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(R"("opens":true)"), std::string::npos) << r.out;

  std::ofstream(data + "/FORMAT") << R"({"format":7,"written_by":"3.0.0"})"
                                  << "\n";
  test::RunResult newer = RunProgram({kBin, "version", "--data", data});
  EXPECT_EQ(newer.code, 1);
  EXPECT_NE(newer.out.find("data format 7 (written by interdict 3.0.0) is newer than 3"),
            std::string::npos)
      << newer.out;
}

}  // namespace
}  // namespace interdict
