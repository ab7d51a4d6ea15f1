// --master-key and --keys, for the commands that open an encrypted data
// directory's store (docs/format/keys.md): the same files as
// encryption.master_key_file and encryption.keys_dir.
#pragma once

#include <memory>
#include <string>

#include "cli/args.h"
#include "crypto/keyring.h"

namespace interdict::cli {

inline constexpr FlagSpec kMasterKeyFlag = {
    "master-key", true, "the master key file of an encrypted store (encryption.master_key_file)"};
inline constexpr FlagSpec kKeysFlag = {"keys", true,
                                       "its key store directory (encryption.keys_dir)"};

// The master key and key ring the flags name; both null when neither flag is
// given. InvalidArgument when only one is.
struct OpenKeys {
  std::unique_ptr<crypto::FileMasterKey> master;
  std::unique_ptr<crypto::KeyRing> ring;  // declared after master: closed first
};
Result<OpenKeys> OpenKeysFromFlags(const Args& args, bool read_only);

}  // namespace interdict::cli
