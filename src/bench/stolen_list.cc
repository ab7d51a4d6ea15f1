#include "bench/stolen_list.h"

#include <fmt/core.h>

#include "alerting/hotlists.h"

namespace interdict::bench {

std::string NcicExtract(const std::string& ori, const std::vector<std::string>& plates) {
  std::string extract = "NCIC LPR EXTRACT (synthetic)\n";
  extract.reserve(plates.size() * 64 + extract.size());
  for (std::size_t i = 0; i < plates.size(); ++i) {
    extract += fmt::format("V{:09}{:9}{:8}{:<10}MO2026PC2018TOYTCAMSDBLK\n", i, ori, "20261101",
                           plates[i]);
  }
  return extract;
}

Result<std::int64_t> LoadStolenList(catalog::Database& db, const identity::Principal& admin,
                                    const identity::Principal& supervisor, const std::string& ori,
                                    const std::vector<std::string>& plates, std::int64_t now) {
  Result<std::int64_t> list = alerting::CreateList(db, admin, {"NCIC", "ncic", 1, {}, {}}, now);
  if (!list.ok()) return list.status();
  alerting::WithDb with = [&](const std::function<Status(catalog::Database&)>& f) { return f(db); };
  Result<alerting::LoadReport> loaded = alerting::LoadList(
      with, admin, {*list, hotlist::Format::kNcic, NcicExtract(ori, plates), now}, now);
  if (!loaded.ok()) return loaded.status();
  Result<std::vector<std::int64_t>> asked = alerting::SetListKinds(db, admin, {{"V", true}}, now);
  if (!asked.ok()) return asked.status();
  if (asked->size() != 1) return Status::Internal("the vehicle file was not asked for once");
  INTERDICT_RETURN_IF_ERROR(alerting::ApproveListKind(db, supervisor, asked->front(), now));
  return list;
}

}  // namespace interdict::bench
