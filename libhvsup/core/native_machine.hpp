// SPDX-License-Identifier: MIT
// The host's native machine architecture, asked of the running system rather than taken from
// the compiler: an x64 build runs emulated on ARM64 Windows, and the VM it starts is an ARM64
// VM there (UEFI boot, ttyAMA0 console).
#pragma once

#include <string>
#include <string_view>

namespace hvsup::core {

// "amd64", "arm64", "386", "arm", or the system's own name lowercased when unknown.
// Windows: IsWow64Process2's native machine (GetNativeSystemInfo before Windows 10 1709,
// which reports the emulated machine under x64-on-ARM64 emulation). POSIX: uname(2).
std::string native_machine();

// The Go-style name for a machine name ("x86_64" → "amd64", "aarch64" → "arm64", ...).
std::string normalise_machine(std::string_view name);

}  // namespace hvsup::core
