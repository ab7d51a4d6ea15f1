// Hotlist entries: the plates a read is checked against, as the importers
// produce them and the matcher indexes them (docs/format/ingest.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "plate/jurisdiction.h"
#include "plate/plate.h"

namespace interdict::hotlist {

// The kind of a list: an NCIC file code ("V" stolen vehicle, "P" stolen
// plate, "W" wanted person, ...), "I" for the immigration-violator file some
// state extracts carry, or "custom" for an agency's own list.
struct KindInfo {
  std::string_view code;
  std::string_view name;
  bool recommended;  // preselected when an administrator enables files; never on by itself
  // Whether a list of this kind also matches plates one character away, unless
  // its owner says otherwise (decision 0018: short, urgent lists opt in; the
  // bulk NCIC files do not).
  bool one_edit;
};
const std::vector<KindInfo>& Kinds();
// Null for an unknown code.
const KindInfo* FindKind(std::string_view code);
inline constexpr std::string_view kCustomKind = "custom";
// A list's kind when its entries carry their own NCIC file code (a whole
// NCIC extract in one list); not an entry's kind.
inline constexpr std::string_view kNcicListKind = "ncic";

struct Entry {
  plate::Plate plate;
  plate::Jurisdiction state;     // unknown when the source left it blank
  std::string kind;              // a KindInfo code
  std::string record_id;         // the source's own id (NCIC NIC number, state record id)
  std::string originating;       // originating agency identifier (ORI) when the source has one
  UnixMillis incident_date = 0;  // 0: not given
  int tag_year = 0;              // registration year; 0: not given
  int vehicle_year = 0;
  std::string make, model, body, color;
  std::string reason, case_number, note;
  UnixMillis expires_at = 0;  // 0: no expiry of its own

  friend bool operator==(const Entry&, const Entry&) = default;
};

// Limits on free-text fields, in bytes.
inline constexpr std::size_t kMaxCodeBytes = 32;   // record ids, ORIs, make/model/body/color
inline constexpr std::size_t kMaxTextBytes = 256;  // reason, case number, note
// A whole list file, in any format: a state's stolen-vehicle file of a million
// entries is under 100 MiB in NCIC's fixed columns.
inline constexpr std::size_t kMaxFileBytes = std::size_t{256} << 20;

}  // namespace interdict::hotlist
