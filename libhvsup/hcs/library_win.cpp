// SPDX-License-Identifier: MIT
#include "hcs/library.hpp"

#include "core/win32.hpp"

#include <windows.h>
#include <objbase.h>

#include <fmt/format.h>

namespace hvsup::hcs {

void free_host_string(void* s) noexcept
{
    CoTaskMemFree(s);
}

std::string no_system_hcs_message(const std::vector<std::pair<std::string, Error>>& failures)
{
    std::string reasons;
    for (const auto& [dll, error] : failures) {
        // The loader's own words for the code SharedLibrary kept ("the specified module could
        // not be found (Windows error 126)"); the whole message when there is no code.
        const std::string why = error.system_error() != 0 ? win32::error_text(static_cast<DWORD>(error.system_error()))
                                                          : std::string(error.what());
        reasons += fmt::format("{}{}: {}", reasons.empty() ? "" : "; ", dll, why);
    }
    return "Windows Host Compute Service is not available: " + reasons;
}

}  // namespace hvsup::hcs
