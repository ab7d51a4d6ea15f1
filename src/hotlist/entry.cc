#include "hotlist/entry.h"

namespace interdict::hotlist {

const std::vector<KindInfo>& Kinds() {
  // FORMATS.md lists the NCIC LPR file codes. GOVERNANCE D.19: each agency
  // enables NCIC files explicitly; the immigration-violator file is off by
  // default and the setting is public.
  static const std::vector<KindInfo> kinds = {
      {"A", "AMBER alert", true, true},
      {"F", "felony vehicle", true, false},
      {"W", "wanted person", true, true},
      {"V", "stolen vehicle", true, false},
      {"P", "stolen plate", true, false},
      {"M", "missing person", true, true},
      {"C", "supervised release", true, false},
      {"H", "protection order", true, false},
      {"K", "protective interest", true, false},
      {"L", "violent person", true, false},
      {"R", "stolen Canadian vehicle", true, false},
      {"T", "gang or terrorist member", true, false},
      {"X", "sex offender", true, false},
      {"I", "immigration violator", false, false},
      {kCustomKind, "agency list", true, true},
  };
  return kinds;
}

const KindInfo* FindKind(std::string_view code) {
  for (const KindInfo& k : Kinds()) {
    if (k.code == code) return &k;
  }
  return nullptr;
}

}  // namespace interdict::hotlist
