#include "store/row_codec.h"

namespace interdict::store {
namespace {

bool GetPlate(Decoder& in, plate::Plate* p) {
  std::string_view s;
  if (!in.GetString(&s)) return false;
  Result<plate::Plate> r = plate::Plate::FromNormalized(s);
  if (!r.ok()) return false;
  *p = *r;
  return true;
}

}  // namespace

std::uint8_t OptionalFieldFlags(const read::Read& r) {
  std::uint8_t flags = 0;
  if (r.position) flags |= kRowHasPosition;
  if (r.heading >= 0) flags |= kRowHasHeading;
  return flags;
}

void EncodeOptionalFields(const read::Read& r, std::string& out) {
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
  for (const std::string* s : {&r.vehicle.make, &r.vehicle.model, &r.vehicle.color, &r.vehicle.body,
                               &r.plate_image, &r.overview_image}) {
    PutString(out, *s);
  }
}

bool DecodeOptionalFields(Decoder& in, std::uint8_t flags, read::Read* r) {
  r->position.reset();
  if (flags & kRowHasPosition) {
    std::int64_t lat = 0, lon = 0;
    if (!in.GetZigZag(&lat) || !in.GetZigZag(&lon)) return false;
    r->position = geo::Point{static_cast<std::int32_t>(lat), static_cast<std::int32_t>(lon)};
  }
  r->heading = -1;
  if (flags & kRowHasHeading) {
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
  for (std::string* s : {&r->vehicle.make, &r->vehicle.model, &r->vehicle.color, &r->vehicle.body,
                         &r->plate_image, &r->overview_image}) {
    if (!in.GetString(s)) return false;
  }
  return true;
}

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
  out += static_cast<char>(OptionalFieldFlags(r));
  EncodeOptionalFields(r, out);
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
  return DecodeOptionalFields(in, flags, r);
}

bool ParseEncodedRow(std::string_view row, EncodedRow* out) {
  Decoder in(row);
  if (!in.GetString(&out->id) || !in.GetString(&out->agency) || !in.GetString(&out->camera) ||
      !in.GetZigZag(&out->time) || !in.GetString(&out->plate) || !in.GetString(&out->raw_plate) ||
      !in.GetByte(&out->state) || !in.GetByte(&out->state_confidence) ||
      !in.GetByte(&out->plate_confidence) || !in.GetByte(&out->flags)) {
    return false;
  }
  out->optional = row.substr(row.size() - in.remaining());
  return true;
}

}  // namespace interdict::store
