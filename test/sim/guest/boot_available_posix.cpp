// SPDX-License-Identifier: MIT
// Whether the boot mode can run: it attaches loop devices and makes namespaces, which needs root
// and /dev/loop-control (boot_linux.cpp).
#include "guest/boot.hpp"

#include <unistd.h>

namespace hvsup::sim::guest {

std::string boot_unavailable()
{
#ifndef __linux__
    return "the simulator's boot mode (\"guest\": {\"boot\": true}) needs Linux namespaces and loop devices";
#else
    if (::geteuid() != 0) {
        return "the simulator's boot mode (\"guest\": {\"boot\": true}) needs root: it attaches the VHDs to loop "
               "devices and runs the guest init in new namespaces";
    }
    if (::access("/dev/loop-control", R_OK | W_OK) != 0) {
        return "the simulator's boot mode (\"guest\": {\"boot\": true}) needs loop devices: /dev/loop-control is "
               "missing (modprobe loop)";
    }
    return {};
#endif
}

}  // namespace hvsup::sim::guest
