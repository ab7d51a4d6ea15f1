// The write-ahead log (docs/format/store.md): files of checksummed records.
// A WalWriter appends records to one file; ReplayWal reads one back, telling
// a torn tail (cut at the last good record) from corruption in the middle.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "crypto/aead.h"
#include "crypto/keyring.h"
#include "store/env.h"

namespace interdict::store {

inline constexpr std::string_view kWalMagic{"IDWAL\0\0\1", 8};
inline constexpr std::size_t kWalHeaderSize = 16;
inline constexpr std::size_t kWalRecordHeaderSize = 9;  // crc u32, length u32, type u8
inline constexpr std::uint8_t kWalBatchRecord = 1;
// Reads of one data key (agency and bucket), sealed: docs/format/store.md.
inline constexpr std::uint8_t kWalSealedRecord = 2;

// A sealed record's clear part: the range of its sequence numbers (kept in the
// clear so that a record whose key was destroyed still tells recovery which
// numbers were used) and its key.
struct SealedWalRecord {
  std::uint64_t first_seq = 0, last_seq = 0;
  std::string key_id;
  std::string_view sealed;
};
// The payload of a sealed record holding `plain` (count | (seq | read) × count),
// sealed with `aead`, which holds `key_id`'s key.
Result<std::string> SealWalRecord(crypto::Aead& aead, const std::string& key_id,
                                  std::uint64_t first_seq, std::uint64_t last_seq,
                                  std::string_view plain);
bool ParseSealedWalRecord(std::string_view payload, SealedWalRecord* out);
// The plaintext; Corruption when it does not open under `key`.
Result<std::string> OpenWalRecord(const crypto::DataKey& key, const SealedWalRecord& rec);

// "0000000000000001.wal"
std::string WalFileName(std::uint64_t first_seq);

class WalWriter {
 public:
  // Creates the file at `path` and writes its header (not yet synced).
  static Result<std::unique_ptr<WalWriter>> Create(Env& env, const std::string& path,
                                                   std::uint64_t first_seq);

  // Appends one record (type + payload). Not durable until Sync().
  Status Add(std::uint8_t type, std::string_view payload);
  Status Sync() { return file_->Sync(); }
  Status Close() { return file_->Close(); }
  std::uint64_t size() const { return file_->size(); }
  const std::string& path() const { return path_; }

 private:
  WalWriter(std::unique_ptr<WritableFile> f, std::string path)
      : file_(std::move(f)), path_(std::move(path)) {}
  std::unique_ptr<WritableFile> file_;
  std::string path_;
  std::string scratch_;
};

struct WalReplayResult {
  std::uint64_t first_seq = 0;   // from the header
  std::uint64_t records = 0;     // good records delivered
  std::uint64_t good_bytes = 0;  // file offset just past the last good record
  std::uint64_t file_bytes = 0;
  bool torn_tail = false;  // bytes after good_bytes that are an incomplete or bad final record
  // Non-OK when the file is corrupt in a way a torn write cannot explain (a bad
  // header, or a bad record followed by more data). Names the file and offset.
  Status corruption;
};

// Delivers every good record in order. `on_record` may return a non-OK status
// to stop (it is returned as the result's status).
using WalRecordFn =
    std::function<Status(std::uint8_t type, std::string_view payload, std::uint64_t offset)>;
Result<WalReplayResult> ReplayWal(Env& env, const std::string& path, const WalRecordFn& on_record);

}  // namespace interdict::store
