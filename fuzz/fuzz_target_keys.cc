// A deconfliction target as an agency enters it (docs/format/intel.md,
// "Targets"): any bytes as a plate, a phone, an address or a person's name
// and birth date give match keys, or an error that names the field. Keys are
// never empty, each starts with its kind, and keying the normalized value
// again gives the same keys (normalizing is idempotent where it must be).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "intel/match_keys.h"

namespace {

void Check(const interdict::Result<interdict::intel::Keyed>& k, std::string_view prefix) {
  if (!k.ok()) {
    if (k.status().message().empty()) std::abort();
    return;
  }
  if (k->keys.empty()) std::abort();
  for (const std::string& key : k->keys)
    if (key.rfind(prefix, 0) != 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace interdict::intel;
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      auto k = KeyPlate(text);
      Check(k, "plate:");
      if (k.ok() && KeyPlate(k->normalized)->keys != k->keys) std::abort();
      break;
    }
    case 1: {
      auto k = KeyPhone(text);
      Check(k, "phone:");
      if (k.ok() && KeyPhone(k->normalized)->keys != k->keys) std::abort();
      break;
    }
    case 2: {
      auto k = KeyAddress(text);
      Check(k, "address:");
      if (k.ok() && KeyAddress(k->normalized)->keys != k->keys) std::abort();
      break;
    }
    default: {
      // "name|dob"
      const std::size_t bar = text.find('|');
      const std::string_view name = text.substr(0, bar);
      const std::string_view dob = bar == std::string_view::npos ? "" : text.substr(bar + 1);
      Check(KeyPerson(name, dob), "person:");
      break;
    }
  }
  return 0;
}
