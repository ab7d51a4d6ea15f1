#include "hotlist/entry.h"

namespace interdict::hotlist {

const std::vector<KindInfo>& Kinds() {
  // FORMATS.md lists the NCIC LPR file codes. GOVERNANCE D.19: each agency
  // enables NCIC files explicitly; the immigration-violator file is off by
  // default and the setting is public.
  static const std::vector<KindInfo> kinds = {
      {"A", "AMBER alert", true},
      {"F", "felony vehicle", true},
      {"W", "wanted person", true},
      {"V", "stolen vehicle", true},
      {"P", "stolen plate", true},
      {"M", "missing person", true},
      {"C", "supervised release", true},
      {"H", "protection order", true},
      {"K", "protective interest", true},
      {"L", "violent person", true},
      {"R", "stolen Canadian vehicle", true},
      {"T", "gang or terrorist member", true},
      {"X", "sex offender", true},
      {"I", "immigration violator", false},
      {kCustomKind, "agency list", true},
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
