// Random plates in the shapes of the region (Missouri, Illinois) and beyond,
// for the benchmarks that need many plates that are not the simulator's.
#pragma once

#include <random>
#include <string>

namespace interdict::bench {

// A plate of one of ten common shapes, without I, O or Q (most states leave
// them out).
std::string RandomPlate(std::mt19937_64& rng);

}  // namespace interdict::bench
