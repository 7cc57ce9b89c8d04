// SPDX-License-Identifier: MIT
// Whether this host has the Windows Host Compute Service API at all, before any binding is
// loaded: the DLLs are looked for in System32 only (never the current directory or PATH).
// Windows implementation in hcs_presence_win.cpp, elsewhere hcs_presence_posix.cpp.
#pragma once

#include <string>

namespace hvsup::supervisor {

struct HcsPresence {
    bool available = false;
    std::string api;    // the DLL found, "computecore.dll" or "vmcompute.dll"
    std::string error;  // why HCS is unavailable; empty when available
};

// Never throws. On Windows: computecore.dll, else vmcompute.dll, loaded with
// LoadLibraryExW(..., LOAD_LIBRARY_SEARCH_SYSTEM32) and released again; when neither loads,
// error is "Windows Host Compute Service is not available: computecore.dll: <reason>;
// vmcompute.dll: <reason>". Elsewhere: unavailable, "windows-hyperv supervisor is only
// supported on windows".
HcsPresence probe_hcs_presence();

}  // namespace hvsup::supervisor
