// Investigative search (docs/search.md): one request type for every question,
// checked by the policy layer before it runs, scoped to the agencies the
// requester may see, and recorded in the audit trail with its terms, purpose,
// result count and the agencies whose data it touched.
//
// This first part answers `plate`, `partial` and `area` (a circle); the
// pattern analyses follow.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "catalog/sqlite.h"
#include "identity/accounts.h"
#include "policy/purpose.h"
#include "store/query.h"
#include "store/store.h"

namespace interdict::search {

struct Request {
  std::string type;  // plate, partial, area
  std::optional<plate::Plate> plate;
  std::optional<store::PlatePattern> pattern;
  std::optional<plate::Jurisdiction> state;
  std::optional<read::GeoPoint> center;
  double radius_m = 0;
  // Filters.
  std::int64_t from = 0, to = 0;      // capture time window, [from, to)
  std::vector<std::string> agencies;  // empty: every agency the requester may see
  std::vector<std::string> cameras;
  std::string make, model, color, body;
  policy::SearchReason why;
  std::size_t limit = 100;
  std::optional<store::ReadCursor> after;
};

// Parses and checks a request body; InvalidArgument naming the parameter.
// `now` supplies the default window (the last 30 days).
Result<Request> ParseRequest(std::string_view json, std::int64_t now);

// What the policy layer allows: the store query to run and the agencies it covers.
struct Plan {
  store::ReadQuery query;
  std::vector<std::string> agencies;
};

// Checks permission, purpose and approval, and resolves the agencies (the
// requester's visible ones, narrowed to those named; naming one it may not
// see is PermissionDenied with the reason) and, for an area, the cameras in it.
Result<Plan> Prepare(catalog::Database& db, const identity::Principal& p, const Request& req,
                     std::int64_t now);

struct Answer {
  std::vector<read::Read> reads;  // after the attribute filters
  bool truncated = false;
  std::optional<store::ReadCursor> next;
};

// Runs the plan on the store (no catalog needed).
Result<Answer> Execute(const store::Store& store, const Request& req, const Plan& plan);

// The audit entry of a search; returns its sequence number.
Result<std::int64_t> Record(catalog::Database& db, const identity::Principal& p, const Request& req,
                            const Plan& plan, const Answer& answer, std::int64_t now);

// The response body: {"type", "results", "summary", "count", "truncated", "next", "agencies",
// "search"}.
std::string ResponseJson(const Request& req, const Plan& plan, const Answer& answer,
                         std::int64_t search_seq);

// Cursors are opaque to clients: base64 of the last read's keys.
std::string EncodeCursor(const store::ReadCursor& c);
Result<store::ReadCursor> DecodeCursor(std::string_view text);

}  // namespace interdict::search
