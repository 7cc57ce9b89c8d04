// SPDX-License-Identifier: MIT
#include "core/native_machine.hpp"

#include <sys/utsname.h>

namespace hvsup::core {

std::string native_machine()
{
    struct utsname u {};
    if (uname(&u) != 0) return "unknown";
    return normalise_machine(u.machine);
}

}  // namespace hvsup::core
