// SPDX-License-Identifier: MIT
// Windows (and Wine) has no namespaces nor loop devices: the boot mode is refused.
#include "guest/boot.hpp"

#include <stdexcept>

namespace hvsup::sim::guest {

std::string boot_unavailable()
{
    return "the simulator's boot mode (\"guest\": {\"boot\": true}) needs Linux: it is not available on Windows";
}

BootEnd boot_image(const BootPlan&, const std::atomic<bool>&)
{
    throw std::runtime_error(boot_unavailable());
}

}  // namespace hvsup::sim::guest
