// Delimited read files for back-fill (docs/format/ingest.md):
//   csv      a header naming at least id, agency, camera, time, plate; optionally
//            state, plate_confidence, state_confidence, lat, lon, heading, make,
//            model, color, body. time is RFC 3339 or epoch milliseconds.
//   seattle  the Seattle PD ALPR log (pipe-delimited; ../shared/data/reads):
//            dt (Pacific local time, "MM/DD/YYYY - HH:MM:SS"), device, plate_hash
//            (SHA-1 of the real plate, not recoverable), lon, lat (often empty).
// A Seattle read's plate is a stable pseudo-plate, "H" and nine base-36
// characters of the hash: such reads can be counted and grouped but stand for
// no real plate (imports are never matched against hotlists).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "read/native_format.h"
#include "read/read.h"

namespace interdict::read {

enum class DelimitedFormat { kCsv, kSeattle };

class DelimitedReadParser {
 public:
  // Reads the header line; an error names the missing column. Seattle reads
  // are given `agency` (the file names none); csv rows name their own.
  static Result<DelimitedReadParser> FromHeader(DelimitedFormat format, std::string_view header,
                                                std::string_view agency);
  // One data line (without its ending). False with `why` for a bad line.
  bool Parse(std::string_view line, Read* out, ReadRejection* why) const;

 private:
  DelimitedReadParser() = default;
  int Col(std::string_view name) const;

  DelimitedFormat format_ = DelimitedFormat::kCsv;
  char delimiter_ = ',';
  std::string agency_;
  std::vector<std::string> names_;
};

// US Pacific local time (America/Los_Angeles in the IANA database) as UTC.
// The repeated hour in November is read as daylight time (its first
// happening); the missing hour in March moves forward by the hour.
Result<UnixMillis> UsPacificToUtc(int year, int month, int day, int hour, int minute, int second);

// The `csv` format's header and one read as a row of it (no line break):
// what parses back to the same read, apart from fields the format lacks
// (alternates, images, raw plate text).
inline constexpr std::string_view kCsvReadHeader =
    "id,agency,camera,time,plate,state,plate_confidence,state_confidence,lat,lon,heading,make,"
    "model,color,body";
std::string FormatCsvRead(const Read& r);

}  // namespace interdict::read
