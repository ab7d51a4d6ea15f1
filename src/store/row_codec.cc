#include "store/row_codec.h"

namespace interdict::store {
namespace {

constexpr std::uint8_t kHasPosition = 1;
constexpr std::uint8_t kHasHeading = 2;

bool GetPlate(Decoder& in, plate::Plate* p) {
  std::string_view s;
  if (!in.GetString(&s)) return false;
  Result<plate::Plate> r = plate::Plate::FromNormalized(s);
  if (!r.ok()) return false;
  *p = *r;
  return true;
}

}  // namespace

void EncodeRead(const read::Read& r, std::string& out) {
  PutString(out, r.id);
  PutString(out, r.agency);
  PutString(out, r.camera);
  PutVarint(out, ZigZag(r.time));
  PutString(out, r.plate.text());
  PutString(out, r.raw_plate);
  out += static_cast<char>(r.state.id());
  out += static_cast<char>(r.state_confidence.raw());
  out += static_cast<char>(r.plate_confidence.raw());
  std::uint8_t flags = 0;
  if (r.position) flags |= kHasPosition;
  if (r.heading >= 0) flags |= kHasHeading;
  out += static_cast<char>(flags);
  if (r.position) {
    PutVarint(out, ZigZag(r.position->lat_e6));
    PutVarint(out, ZigZag(r.position->lon_e6));
  }
  if (r.heading >= 0) PutVarint(out, static_cast<std::uint64_t>(r.heading));
  PutVarint(out, r.alternates.size());
  for (const read::Alternate& a : r.alternates) {
    PutString(out, a.plate.text());
    out += static_cast<char>(a.confidence.raw());
  }
  PutString(out, r.vehicle.make);
  PutString(out, r.vehicle.model);
  PutString(out, r.vehicle.color);
  PutString(out, r.vehicle.body);
  PutString(out, r.plate_image);
  PutString(out, r.overview_image);
}

bool DecodeRead(Decoder& in, read::Read* r) {
  std::int64_t time = 0;
  std::uint8_t state = 0, state_conf = 0, plate_conf = 0, flags = 0;
  if (!in.GetString(&r->id) || !in.GetString(&r->agency) || !in.GetString(&r->camera) ||
      !in.GetZigZag(&time) || !GetPlate(in, &r->plate) || !in.GetString(&r->raw_plate) ||
      !in.GetByte(&state) || !in.GetByte(&state_conf) || !in.GetByte(&plate_conf) ||
      !in.GetByte(&flags)) {
    return false;
  }
  r->time = time;
  Result<plate::Jurisdiction> j = plate::Jurisdiction::FromId(state);
  if (!j.ok()) return false;
  r->state = *j;
  r->state_confidence = read::Confidence::FromRaw(state_conf);
  r->plate_confidence = read::Confidence::FromRaw(plate_conf);
  r->position.reset();
  if (flags & kHasPosition) {
    std::int64_t lat = 0, lon = 0;
    if (!in.GetZigZag(&lat) || !in.GetZigZag(&lon)) return false;
    r->position = read::GeoPoint{static_cast<std::int32_t>(lat), static_cast<std::int32_t>(lon)};
  }
  r->heading = -1;
  if (flags & kHasHeading) {
    std::uint64_t h = 0;
    if (!in.GetVarint(&h) || h >= 360) return false;
    r->heading = static_cast<std::int16_t>(h);
  }
  std::uint64_t n = 0;
  if (!in.GetVarint(&n) || n > read::kMaxAlternates) return false;
  r->alternates.resize(n);
  for (read::Alternate& a : r->alternates) {
    std::uint8_t c = 0;
    if (!GetPlate(in, &a.plate) || !in.GetByte(&c)) return false;
    a.confidence = read::Confidence::FromRaw(c);
  }
  return in.GetString(&r->vehicle.make) && in.GetString(&r->vehicle.model) &&
         in.GetString(&r->vehicle.color) && in.GetString(&r->vehicle.body) &&
         in.GetString(&r->plate_image) && in.GetString(&r->overview_image);
}

}  // namespace interdict::store
