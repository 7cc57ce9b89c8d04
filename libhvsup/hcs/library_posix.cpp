// SPDX-License-Identifier: MIT
#include "hcs/library.hpp"

#include <cstdlib>

namespace hvsup::hcs {

void free_host_string(void* s) noexcept
{
    std::free(s);
}

// No System32 here: only an explicit provider library can stand in for HCS.
std::string no_system_hcs_message(const std::vector<std::pair<std::string, Error>>&)
{
    return "windows-hyperv supervisor is only supported on windows";
}

}  // namespace hvsup::hcs
