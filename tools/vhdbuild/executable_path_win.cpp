// SPDX-License-Identifier: MIT
#include "guest_init_path.hpp"

#include <windows.h>

#include <vector>

namespace hvsup::tools {

std::optional<std::filesystem::path> current_executable()
{
    std::vector<wchar_t> buffer(MAX_PATH);
    for (;;) {
        const DWORD n = ::GetModuleFileNameW(nullptr, buffer.data(), static_cast<DWORD>(buffer.size()));
        if (n == 0) return std::nullopt;
        if (n < buffer.size()) return std::filesystem::path(std::wstring(buffer.data(), n));
        if (buffer.size() >= 32768) return std::nullopt;  // longer than any Windows path
        buffer.resize(buffer.size() * 2);
    }
}

}  // namespace hvsup::tools
