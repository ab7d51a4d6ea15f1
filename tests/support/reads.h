// Small, deterministic reads for tests.
#pragma once

#include <string>

#include "read/read.h"

namespace interdict::test {

inline read::Read MakeRead(int n, std::string agency = "STLPD", std::string camera = "cam1") {
  read::Read r;
  r.id = camera + "-" + std::to_string(n);
  r.agency = std::move(agency);
  r.camera = std::move(camera);
  r.time = 1'795'926'088'000 + n * 1000LL;
  const std::string text = "T" + std::to_string(100000 + n);
  r.plate = *plate::Plate::FromNormalized(text.substr(0, plate::Plate::kMaxLength));
  r.state = *plate::Jurisdiction::Parse("MO");
  r.plate_confidence = read::Confidence::FromPercent(static_cast<std::uint8_t>(n % 101));
  if (n % 3 == 0) r.position = geo::Point{38'600'000 + n, -90'200'000 - n};
  if (n % 4 == 0) r.heading = static_cast<std::int16_t>(n % 360);
  if (n % 5 == 0) {
    r.alternates.push_back(
        {*plate::Plate::FromNormalized("ALT1"), read::Confidence::FromPercent(40)});
  }
  if (n % 7 == 0) r.vehicle.color = "BLK";
  return r;
}

}  // namespace interdict::test
