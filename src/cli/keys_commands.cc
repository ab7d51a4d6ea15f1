// `interdict keys init|list|rotate`: the operator's tools for the key store of
// encryption at rest (decision 0036, docs/format/keys.md). None prints a key.
#include <iostream>

#include <fmt/core.h>

#include "base/json_writer.h"
#include "base/time_format.h"
#include "cli/commands.h"
#include "cli/keys_flag.h"

namespace interdict::cli {
namespace {

const std::vector<FlagSpec> kInitFlags = {{"master-key", true, "the file to create (required)"}};
const std::vector<FlagSpec> kListFlags = {kMasterKeyFlag, kKeysFlag};
const std::vector<FlagSpec> kRotateFlags = {
    kKeysFlag,
    {"master-key", true, "the current master key file (required)"},
    {"new-master-key", true, "the new master key file, made with keys init (required)"}};

int Fail(std::string_view cmd, const Status& s) {
  std::cerr << "interdict keys " << cmd << ": " << s.message() << "\n";
  return kExitFailure;
}

std::string KeyJson(const crypto::DataKey& k) {
  return json::Object("id", k.id, "agency", k.agency, "class", k.data_class, "bucket_start",
                      FormatRfc3339(k.bucket_start), "bucket_end", FormatRfc3339(k.bucket_end),
                      "created", FormatRfc3339(k.created_ms));
}

int Init(const std::vector<std::string>& argv) {
  Result<Args> args = Args::Parse(argv, kInitFlags);
  if (!args.ok()) return UsageError("keys init", args.status().message(), kInitFlags);
  const std::optional<std::string> path = args->Get("master-key");
  if (!path) return UsageError("keys init", "--master-key is required", kInitFlags);
  if (Status s = crypto::FileMasterKey::Create(*path); !s.ok()) return Fail("init", s);
  Result<std::unique_ptr<crypto::FileMasterKey>> key = crypto::FileMasterKey::Load(*path);
  if (!key.ok()) return Fail("init", key.status());
  std::cout << json::Object("master_key_file", *path, "id", (*key)->id()) << "\n";
  return kExitOk;
}

int List(const std::vector<std::string>& argv) {
  Result<Args> args = Args::Parse(argv, kListFlags);
  if (!args.ok()) return UsageError("keys list", args.status().message(), kListFlags);
  if (!args->Get("master-key") || !args->Get("keys"))
    return UsageError("keys list", "--master-key and --keys are required", kListFlags);
  Result<OpenKeys> keys = OpenKeysFromFlags(*args, /*read_only=*/true);
  if (!keys.ok()) return Fail("list", keys.status());
  for (const crypto::DataKey& k : keys->ring->List())
    std::cout << json::Object("state", "live", "key", json::Raw{KeyJson(k)}) << "\n";
  Result<std::vector<crypto::DataKey>> destroyed = keys->ring->Destroyed();
  if (!destroyed.ok()) return Fail("list", destroyed.status());
  for (const crypto::DataKey& k : *destroyed)
    std::cout << json::Object("state", "destroyed", "key", json::Raw{KeyJson(k)}) << "\n";
  // Older destructions are known by their ids alone (docs/format/keys.md).
  if (const std::size_t n = keys->ring->CompactedCount(); n > 0)
    std::cout << json::Object("state", "destroyed_compacted", "keys", n) << "\n";
  return kExitOk;
}

int Rotate(const std::vector<std::string>& argv) {
  Result<Args> args = Args::Parse(argv, kRotateFlags);
  if (!args.ok()) return UsageError("keys rotate", args.status().message(), kRotateFlags);
  const auto dir = args->Get("keys"), old_path = args->Get("master-key"),
             new_path = args->Get("new-master-key");
  if (!dir || !old_path || !new_path)
    return UsageError("keys rotate", "--keys, --master-key and --new-master-key are required",
                      kRotateFlags);
  Result<std::unique_ptr<crypto::FileMasterKey>> old_key = crypto::FileMasterKey::Load(*old_path);
  if (!old_key.ok()) return Fail("rotate", old_key.status());
  Result<std::unique_ptr<crypto::FileMasterKey>> new_key = crypto::FileMasterKey::Load(*new_path);
  if (!new_key.ok()) return Fail("rotate", new_key.status());
  if ((*old_key)->id() == (*new_key)->id())
    return Fail("rotate", Status::InvalidArgument("the new master key is the current one"));
  Result<std::size_t> n = crypto::KeyRing::Rotate(*dir, **old_key, **new_key);
  if (!n.ok()) return Fail("rotate", n.status());
  std::cout << json::Object("rewrapped", *n, "from", (*old_key)->id(), "to", (*new_key)->id())
            << "\n";
  std::cerr << fmt::format(
      "interdict keys rotate: now point encryption.master_key_file at {} and destroy {}\n",
      *new_path, *old_path);
  return kExitOk;
}

}  // namespace

Result<OpenKeys> OpenKeysFromFlags(const Args& args, bool read_only) {
  const auto master = args.Get("master-key"), dir = args.Get("keys");
  OpenKeys out;
  if (!master && !dir) return out;
  if (!master || !dir)
    return Status::InvalidArgument("--master-key and --keys must be given together");
  Result<std::unique_ptr<crypto::FileMasterKey>> key = crypto::FileMasterKey::Load(*master);
  if (!key.ok()) return key.status();
  out.master = std::move(key).value();
  Result<std::unique_ptr<crypto::KeyRing>> ring =
      read_only ? crypto::KeyRing::OpenReadOnly(*dir, *out.master)
                : crypto::KeyRing::Open(*dir, *out.master);
  if (!ring.ok()) return ring.status();
  out.ring = std::move(ring).value();
  return out;
}

int KeysCommand(const std::vector<std::string>& args) {
  const std::string sub = args.empty() ? "" : args[0];
  const std::vector<std::string> rest(args.begin() + (args.empty() ? 0 : 1), args.end());
  if (sub == "init") return Init(rest);
  if (sub == "list") return List(rest);
  if (sub == "rotate") return Rotate(rest);
  return SubcommandUsage(
      "keys",
      "usage: interdict keys init --master-key FILE\n"
      "       interdict keys list --master-key FILE --keys DIR\n"
      "       interdict keys rotate --keys DIR --master-key OLD --new-master-key NEW\n"
      "The key store of encryption at rest (docs/format/keys.md, docs/operations.md).\n",
      args);
}

}  // namespace interdict::cli
