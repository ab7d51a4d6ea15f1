// Outcome evaluation in the demo (docs/outcomes.md, docs/console.md
// "Outcomes"). On the first start, GCPD's supervisor loads SLMPD's real
// monthly crime counts for 2008–2019 (data/outcomes/slmpd-monthly-counts.csv,
// compiled in) as a dataset, evaluates the documented start of Downtown St.
// Louis's license plate reader cameras in May 2015 against motor vehicle
// theft, and GCPD's administrator publishes it on the transparency page.
#pragma once

#include <cstdint>

#include "base/log.h"
#include "base/status.h"
#include "demo/seed.h"

namespace interdict::demo {

Status PlantOutcomes(const DemoOptions& options, bool fresh, std::int64_t now, Logger& log);

}  // namespace interdict::demo
