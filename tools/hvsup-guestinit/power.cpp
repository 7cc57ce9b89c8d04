// SPDX-License-Identifier: MIT
#include "power.hpp"

#include "console.hpp"

#include <cerrno>
#include <sys/reboot.h>
#include <unistd.h>

namespace hvsup::guestinit {

void power_off() noexcept
{
    ::sync();
    ::usleep(250 * 1000);
    if (::reboot(RB_POWER_OFF) != 0) say("power off failed: " + error_text(errno) + "; resetting");
    if (::reboot(RB_AUTOBOOT) != 0) say("reset failed: " + error_text(errno));
}

}  // namespace hvsup::guestinit
