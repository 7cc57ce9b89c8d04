// SPDX-License-Identifier: MIT
#include "hcs/library.hpp"

#include <windows.h>
#include <objbase.h>

namespace hvsup::hcs {

void free_host_string(void* s) noexcept
{
    CoTaskMemFree(s);
}

const char* no_system_hcs_message() noexcept
{
    return "windows-hyperv HCS is not available: neither computecore.dll nor vmcompute.dll could be loaded from "
           "System32";
}

}  // namespace hvsup::hcs
