// SPDX-License-Identifier: MIT
// SpillArena's platform-neutral part: when to look at the resident set. The mapping, the
// measurement and the release are in spill_arena_posix.cpp and spill_arena_win.cpp.
#include "image/spill_arena.hpp"

namespace hvsup::image {

void SpillArena::checkpoint()
{
    // An arena smaller than its budget cannot be over it.
    if (mapped_ <= resident_budget_ || !measures_resident()) return;
    if (++calls_ < check_interval_) return;
    calls_ = 0;
    const uint64_t resident = resident_bytes();
    // The work between two checks varies (a lookup in a large directory touches pages all
    // over the arena, and each read fault maps up to 16 neighbouring pages too), so the
    // interval adapts: shorter when the last one grew by more than an eighth of the budget,
    // longer when it grew by little.
    const uint64_t growth = resident > last_rss_ ? resident - last_rss_ : 0;
    if (growth > resident_budget_ / 8 && check_interval_ > 1) check_interval_ /= 2;
    else if (growth < resident_budget_ / 64 && check_interval_ < max_check_interval) check_interval_ *= 2;
    last_rss_ = resident;
    if (resident > resident_limit_) release_resident();
}

}  // namespace hvsup::image
