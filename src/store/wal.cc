#include "store/wal.h"

#include <fmt/core.h>

#include "crypto/aead.h"
#include "store/coding.h"
#include "store/crc32c.h"

namespace interdict::store {

std::string WalFileName(std::uint64_t first_seq) {
  return fmt::format("{:016x}.wal", first_seq);
}

namespace {
std::string WalContext(const std::string& key_id, std::uint64_t first, std::uint64_t last) {
  return fmt::format("interdict-wal/2|{}|{}|{}", key_id, first, last);
}
}  // namespace

Result<std::string> SealWalRecord(crypto::Aead& aead, const std::string& key_id,
                                  std::uint64_t first_seq, std::uint64_t last_seq,
                                  std::string_view plain) {
  std::string out;
  out.reserve(32 + plain.size() + crypto::kAeadOverheadBytes);
  PutVarint(out, first_seq);
  PutVarint(out, last_seq);
  PutString(out, key_id);
  INTERDICT_RETURN_IF_ERROR(aead.SealAppend(plain, WalContext(key_id, first_seq, last_seq), &out));
  return out;
}

bool ParseSealedWalRecord(std::string_view payload, SealedWalRecord* out) {
  Decoder in(payload);
  if (!in.GetVarint(&out->first_seq) || !in.GetVarint(&out->last_seq) ||
      !in.GetString(&out->key_id) || out->last_seq < out->first_seq || out->key_id.empty()) {
    return false;
  }
  out->sealed = payload.substr(payload.size() - in.remaining());
  return true;
}

Result<std::string> OpenWalRecord(const crypto::DataKey& key, const SealedWalRecord& rec) {
  return crypto::Open(key.material, rec.sealed,
                      WalContext(rec.key_id, rec.first_seq, rec.last_seq));
}

Result<std::unique_ptr<WalWriter>> WalWriter::Create(Env& env, const std::string& path,
                                                     std::uint64_t first_seq) {
  Result<std::unique_ptr<WritableFile>> f = env.NewWritableFile(path);
  if (!f.ok()) return f.status();
  std::string header(kWalMagic);
  PutFixed64(header, first_seq);
  INTERDICT_RETURN_IF_ERROR((*f)->Append(header));
  return std::unique_ptr<WalWriter>(new WalWriter(std::move(f).value(), path));
}

Status WalWriter::Add(std::uint8_t type, std::string_view payload) {
  if (payload.size() > 0xFFFFFFFFu - 1) return Status::InvalidArgument("WAL record too large");
  scratch_.clear();
  const char t = static_cast<char>(type);
  std::uint32_t crc = Crc32cExtend(0, &t, 1);
  crc = Crc32cExtend(crc, payload.data(), payload.size());
  PutFixed32(scratch_, crc);
  PutFixed32(scratch_, static_cast<std::uint32_t>(payload.size()));
  scratch_ += t;
  // One write per record keeps a torn write to the end of the file.
  scratch_.append(payload);
  return file_->Append(scratch_);
}

Result<WalReplayResult> ReplayWal(Env& env, const std::string& path, const WalRecordFn& on_record) {
  Result<std::string> data = env.ReadFile(path);
  if (!data.ok()) return data.status();
  const std::string& d = *data;
  WalReplayResult r;
  r.file_bytes = d.size();
  if (d.size() < kWalHeaderSize) {
    // A file cut before its header was complete holds no acknowledged record.
    r.torn_tail = true;
    return r;
  }
  if (std::string_view(d.data(), kWalMagic.size()) != kWalMagic) {
    r.corruption = Status::Corruption(fmt::format("{}: not a WAL file (bad magic)", path));
    return r;
  }
  r.first_seq = DecodeFixed64(d.data() + 8);
  std::size_t pos = kWalHeaderSize;
  r.good_bytes = pos;
  while (pos < d.size()) {
    const std::size_t left = d.size() - pos;
    bool bad = false;
    std::uint32_t length = 0;
    if (left < kWalRecordHeaderSize) {
      bad = true;
    } else {
      const std::uint32_t crc = DecodeFixed32(d.data() + pos);
      length = DecodeFixed32(d.data() + pos + 4);
      if (length > left - kWalRecordHeaderSize) {
        bad = true;
      } else {
        const std::uint32_t actual = Crc32c(d.data() + pos + 8, 1 + std::size_t{length});
        bad = actual != crc;
      }
    }
    if (bad) {
      // Torn if nothing valid follows: a crash mid-write leaves at most one
      // partial record at the end. Look for any good record after this one.
      bool later_good = false;
      for (std::size_t q = pos + 1; q + kWalRecordHeaderSize <= d.size() && !later_good; ++q) {
        const std::uint32_t len = DecodeFixed32(d.data() + q + 4);
        if (len <= d.size() - q - kWalRecordHeaderSize && len > 0 &&
            Crc32c(d.data() + q + 8, 1 + std::size_t{len}) == DecodeFixed32(d.data() + q)) {
          later_good = true;
        }
      }
      if (later_good) {
        r.corruption = Status::Corruption(
            fmt::format("{}: bad record at byte {} followed by good records", path, pos));
      } else {
        r.torn_tail = true;
      }
      return r;
    }
    const auto type = static_cast<std::uint8_t>(d[pos + 8]);
    const std::string_view payload(d.data() + pos + kWalRecordHeaderSize, length);
    INTERDICT_RETURN_IF_ERROR(on_record(type, payload, pos));
    pos += kWalRecordHeaderSize + length;
    r.good_bytes = pos;
    ++r.records;
  }
  return r;
}

}  // namespace interdict::store
