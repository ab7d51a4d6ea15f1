// Changes to state that servers keep in memory (docs/cluster.md): the table
// `changes` holds one generation per topic, counted up in the catalog with
// every change, which each server watches to reload what it keeps.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "catalog/database.h"

namespace interdict::catalog {

// The topics: each names what a server reloads when its generation moves.
inline constexpr std::string_view kHotlistsTopic = "hotlists";          // the matcher's index
inline constexpr std::string_view kConfidentialTopic = "confidential";  // plates never stored
inline constexpr std::string_view kRetentionTopic = "retention";        // periods and holds
inline constexpr std::string_view kCamerasTopic = "cameras";            // the camera directory
inline constexpr std::string_view kTargetsTopic = "targets";  // plates live reads are checked for
inline constexpr std::string_view kBolosTopic = "bolos";  // vehicles live reads are compared with

struct Generation {
  std::int64_t generation = 0;
  std::int64_t changed_at = 0;  // epoch ms, the changing server's clock
};

// Counts `topic`'s generation up, at `now`; returns the new generation.
Result<std::int64_t> NoteChange(Database& db, std::string_view topic, std::int64_t now);
// Every topic's generation.
Result<std::map<std::string, Generation>> Generations(Database& db);

}  // namespace interdict::catalog
