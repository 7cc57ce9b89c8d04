// SPDX-License-Identifier: MIT
// What the HCS binding needs of the platform beyond loading the provider (which is
// hvsup::SharedLibrary: an explicit path, or System32 only): how to free the strings the
// provider returns, and how to say why a host without HCS has none. Platform code: library_win.cpp,
// library_posix.cpp.
#pragma once

#include "core/error.hpp"
#include "core/shared_library.hpp"

#include <string>
#include <utility>
#include <vector>

namespace hvsup::hcs {

// Frees a string an HCS entry point returned (CoTaskMemFree on Windows; free() for a POSIX
// provider, whose contract is malloc). Accepts nullptr.
void free_host_string(void* s) noexcept;

// Why a host has no system HCS (probe_presence), from the failure to load each DLL (its name
// and the Error of SharedLibrary::open_system): "windows-hyperv supervisor is only supported on
// windows" on POSIX; on Windows "Windows Host Compute Service is not available: <dll>: <the
// loader's reason>; <dll>: <reason>".
std::string no_system_hcs_message(const std::vector<std::pair<std::string, Error>>& failures);

}  // namespace hvsup::hcs
