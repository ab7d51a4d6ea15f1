// Backups of an embedded data directory (docs/format/backup.md): made while
// the server runs, incremental by content address, checked file by file, and
// restored so that nothing retention destroyed since comes back: the live
// key store of encryption at rest decides what is expired (decision 0036).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "base/status.h"
#include "crypto/keyring.h"
#include "store/store.h"

namespace interdict::backup {

// Progress lines for stderr ("copied 120/340 files, 1.2 GiB").
using ProgressFn = std::function<void(const std::string&)>;

struct CreateOptions {
  std::string data_dir;
  std::string images_dir;  // empty: DATA/images
  std::string dest;
  // Signs the manifest (the same key as encryption.master_key_file), and
  // marks the backup encrypted; null: the manifest carries only its own hash,
  // and a store with sealed segments is refused (FailedPrecondition).
  const crypto::MasterKey* master = nullptr;
};

struct CreateResult {
  std::string id;
  std::uint64_t files = 0, bytes = 0, new_bytes = 0;
  std::uint64_t store_checkpoint = 0;
  int rounds = 0;  // copies of the store until one was consistent
  std::int64_t audit_seq = 0;
  std::string audit_hash;
};

// Backs up `options.data_dir` into `options.dest` without taking its lock.
// Cancelled (and nothing that looks like a backup left) when `*stop` turns
// true. FailedPrecondition when the catalog is not an SQLite file here.
Result<CreateResult> Create(const CreateOptions& options, const Clock& clock,
                            const std::atomic<bool>* stop, const ProgressFn& progress);

struct Problem {
  std::string manifest;  // the set's id
  std::string path;      // the file's path in the data directory ("" for the manifest itself)
  std::string object;    // the object's path under DEST
  std::string what;      // missing, wrong size, wrong hash, bad signature…
};

struct VerifyReport {
  std::uint64_t manifests = 0, files = 0;
  std::vector<Problem> problems;
  std::vector<std::string> unreferenced;  // objects no manifest lists (a backup cut short)
};

// Checks every manifest of `dest` (or the one `id` names): signature, and
// every object's presence, size and hash. A manifest that names a master key
// is checked under `master`; without it, that is a problem.
Result<VerifyReport> Verify(const std::string& dest, const std::string& id,
                            const crypto::MasterKey* master);

struct RestoreOptions {
  std::string dest;
  std::string id;  // empty: the newest backup
  std::string data_dir;
  const crypto::MasterKey* master = nullptr;
  crypto::KeyRing* keys = nullptr;  // needed when the backup is encrypted
};

struct RestoreReport {
  std::string id;
  std::uint64_t files = 0, bytes = 0;
  store::RecoveryReport recovery;  // the restored store's first open
  std::uint64_t reads = 0;         // reads in the restored store
  std::int64_t audit_entries = 0, audit_seq = 0;
  std::string audit_hash;
};

// Restores a backup into `options.data_dir`, which must not exist or be
// empty. Files are checked as they are copied into a directory beside it,
// which is renamed into place only once the store has opened (removing what
// expired since, by the key store) and the audit chain verified.
Result<RestoreReport> Restore(const RestoreOptions& options, const Clock& clock, Logger& log,
                              const std::atomic<bool>* stop, const ProgressFn& progress);

}  // namespace interdict::backup
