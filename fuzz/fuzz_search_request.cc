// The search request parser (POST /api/v1/search): any bytes give a request
// whose checked parameters hold, or an InvalidArgument naming what is wrong.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "search/search.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  constexpr std::int64_t kNow = 1'800'000'000'000;
  interdict::Result<interdict::search::Request> r = interdict::search::ParseRequest(text, kNow);
  if (!r.ok()) {
    // Every refusal is a 400 that names a parameter ("params.k: …").
    if (r.status().code() != interdict::StatusCode::kInvalidArgument ||
        r.status().message().find(':') == std::string::npos)
      std::abort();
    return 0;
  }
  const interdict::search::Request& q = *r;
  if (q.from >= q.to || q.limit < 1 || q.limit > interdict::search::kMaxPageExport) std::abort();
  if (q.type == interdict::search::SearchType::kArea && !q.region.polygon.empty() &&
      (q.region.polygon.size() < 3 || interdict::geo::RingSelfCrossing(q.region.polygon)))
    std::abort();
  if (q.type == interdict::search::SearchType::kScenes &&
      (q.scenes.size() < 2 || q.scenes.size() > interdict::search::kMaxScenes || q.k < 1 ||
       q.k > q.scenes.size()))
    std::abort();
  if (q.type == interdict::search::SearchType::kConvoy &&
      (q.window_ms < 10'000 || q.window_ms > 3'600'000))
    std::abort();
  return 0;
}
