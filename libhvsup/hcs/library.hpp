// SPDX-License-Identifier: MIT
// What the HCS binding needs of the platform beyond loading the provider (which is
// hvsup::SharedLibrary: an explicit path, or System32 only): how to free the strings the
// provider returns, and why a host without HCS has none. Platform code: library_win.cpp,
// library_posix.cpp.
#pragma once

#include "core/shared_library.hpp"

namespace hvsup::hcs {

// Frees a string an HCS entry point returned (CoTaskMemFree on Windows; free() for a POSIX
// provider, whose contract is malloc). Accepts nullptr.
void free_host_string(void* s) noexcept;

// The message for hosts without HCS: "windows-hyperv supervisor is only supported on windows"
// on POSIX; on Windows, that neither DLL was found in System32.
const char* no_system_hcs_message() noexcept;

}  // namespace hvsup::hcs
