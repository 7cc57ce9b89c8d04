// SPDX-License-Identifier: MIT
#include "hcs/library.hpp"

#include <cstdlib>

namespace hvsup::hcs {

void free_host_string(void* s) noexcept
{
    std::free(s);
}

const char* no_system_hcs_message() noexcept
{
    return "windows-hyperv supervisor is only supported on windows";
}

}  // namespace hvsup::hcs
