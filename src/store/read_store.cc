#include "store/read_store.h"

namespace interdict::store {

const Hold* HoldCovering(const std::vector<Hold>& holds, std::string_view agency,
                         const plate::Plate& plate, std::string_view camera, std::int64_t time,
                         std::int64_t now) {
  for (const Hold& h : holds) {
    if (h.expires_at <= now) continue;
    if (!h.agency.empty() && h.agency != agency) continue;
    if (h.plate && *h.plate != plate) continue;
    if (!h.camera.empty() && h.camera != camera) continue;
    if (time < h.from || time >= h.to) continue;
    return &h;
  }
  return nullptr;
}

Result<std::vector<QueryResult>> ReadStore::QueryMany(const std::vector<ReadQuery>& queries) const {
  std::vector<QueryResult> out;
  out.reserve(queries.size());
  for (const ReadQuery& q : queries) {
    Result<QueryResult> r = Query(q);
    if (!r.ok()) return r.status();
    out.push_back(std::move(r).value());
  }
  return out;
}

}  // namespace interdict::store
