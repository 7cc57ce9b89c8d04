// SPDX-License-Identifier: MIT
// HCS presence on Windows: the API DLLs from System32, loaded and released again.
#include "supervisor/hcs_presence.hpp"

#include "core/win32.hpp"

#include <fmt/format.h>

#include <exception>

namespace hvsup::supervisor {

HcsPresence probe_hcs_presence()
{
    HcsPresence presence;
    try {
        std::string reasons;
        // computecore.dll (Windows 10 1809+) first, vmcompute.dll for older hosts.
        for (const wchar_t* dll : {L"computecore.dll", L"vmcompute.dll"}) {
            HMODULE module = ::LoadLibraryExW(dll, nullptr, LOAD_LIBRARY_SEARCH_SYSTEM32);
            const DWORD err = module == nullptr ? ::GetLastError() : 0;  // before anything else runs
            const std::string name = win32::to_utf8(dll);
            if (module != nullptr) {
                ::FreeLibrary(module);
                presence.available = true;
                presence.api = name;
                return presence;
            }
            reasons += fmt::format("{}{}: {}", reasons.empty() ? "" : "; ", name, win32::error_text(err));
        }
        presence.error = "Windows Host Compute Service is not available: " + reasons;
    } catch (const std::exception& e) {
        presence.available = false;
        presence.error = fmt::format("Windows Host Compute Service is not available: {}", e.what());
    }
    return presence;
}

}  // namespace hvsup::supervisor
