// SPDX-License-Identifier: MIT
// Windows-only helpers shared by the *_win.cpp files: UTF-8 <-> UTF-16 through
// std::filesystem::path, Win32 error codes as hvsup::Error, and an owning HANDLE.
// Include only from *_win.cpp files.
#pragma once

#include "core/error.hpp"
#include "core/unique_handle.hpp"

#include <windows.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace hvsup::win32 {

std::wstring to_wide(std::string_view utf8);
std::string to_utf8(std::wstring_view wide);

// The system's text for a Win32 error code, as UTF-8 without the trailing period and newline
// ("the process cannot access the file because it is being used by another process").
std::string error_text(DWORD err);

// An Error for a failed Win32 call: "<what>: <error_text(err)>" with the code kept in
// system_error(). File/path not found map to ErrorCode::not_found, out of memory to
// no_memory, everything else to io.
Error error(DWORD err, const std::string& what);

// The full path of a loaded module (nullptr: the running executable), of any length;
// failures throw error(…, what).
std::wstring module_file_name(HMODULE module, const std::string& what);

// A kernel HANDLE for UniqueHandle: NULL and INVALID_HANDLE_VALUE both mean none.
struct HandleTraits {
    using value_type = HANDLE;
    static constexpr HANDLE none() noexcept { return nullptr; }
    static bool valid(HANDLE h) noexcept { return h != nullptr && h != INVALID_HANDLE_VALUE; }
    static void close(HANDLE h) noexcept { ::CloseHandle(h); }
};

// A move-only owner of a kernel HANDLE.
using Handle = UniqueHandle<HandleTraits>;

// A security descriptor granting full control to the current user, SYSTEM and
// Administrators only, inherited by children: the Windows counterpart of 0700/0600.
// Built once; attributes() is valid for the life of the process.
class PrivateSecurity {
public:
    static SECURITY_ATTRIBUTES* attributes(bool inheritable_handle = false);
};

}  // namespace hvsup::win32
