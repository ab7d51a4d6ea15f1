// OpenALPR / Rekor JSON, as the open-source daemon (alprd) and the commercial
// agent send it (FORMATS.md): `alpr_results` (one per analysed frame, a
// result per plate), `alpr_group` (one per vehicle pass) and `heartbeat`.
// Mapped to native reads as docs/format/ingest.md describes. Vendors add
// fields over time: unknown fields are ignored, known ones are checked.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "read/native_format.h"
#include "read/read.h"

namespace interdict::read {

struct OpenAlprMessage {
  enum class Kind { kResults, kGroup, kHeartbeat };
  Kind kind = Kind::kResults;
  // The reads, with `agency` set to the caller's and `camera` to the mapped
  // camera code. Bad results are left out and listed in `rejected`
  // ("results[2].plate").
  std::vector<Read> reads;
  // For each read, at the same position: the result it came from (0 for a
  // group) and the images the vendor embedded (base64 JPEG), decoded — the
  // plate crop of a result, the vehicle crop of a group; empty when none or
  // unreadable.
  struct Source {
    std::size_t result = 0;
    std::string plate_crop, vehicle_crop;
  };
  std::vector<Source> sources;
  // A result left out: its position in `results` (0 for a group) and why.
  struct Rejected : ReadRejection {
    std::size_t result = 0;
  };
  std::vector<Rejected> rejected;
  // kHeartbeat: the cameras it speaks for and the agent's version.
  std::vector<std::string> cameras;
  std::string agent_version;
};

// Parses one message. A body that is not a usable message at all (not JSON —
// with the byte offset —, an unknown data_type, no time or camera) is an
// InvalidArgument naming the field.
Result<OpenAlprMessage> ParseOpenAlpr(std::string_view json, std::string_view agency);

// The camera code of a daemon's or agent's camera: "<site_id>-cam<camera_id>"
// or "<agent_uid>-cam<camera_id>".
std::string OpenAlprCameraCode(std::string_view site_or_agent, long long camera_id);

}  // namespace interdict::read
