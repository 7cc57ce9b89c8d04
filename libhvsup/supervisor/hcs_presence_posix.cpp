// SPDX-License-Identifier: MIT
// Non-Windows hosts have no HCS; only an explicit provider library can stand in for it.
#include "supervisor/hcs_presence.hpp"

namespace hvsup::supervisor {

HcsPresence probe_hcs_presence()
{
    return HcsPresence{false, {}, "windows-hyperv supervisor is only supported on windows"};
}

}  // namespace hvsup::supervisor
