// SPDX-License-Identifier: MIT
// Whether this host has the Host Compute Service API in System32: the one "is HCS here" probe
// (docs/hcs.md, "The binding and the API choice"). The supervisor asks it before it builds a
// compute host, HcsClient::load and inspect_provider take the system libraries from it. The
// DLLs are loaded through core's SharedLibrary from System32 only, never the current directory
// or PATH; a provider at an explicit path (the simulator) does not go through here.
#pragma once

#include "core/shared_library.hpp"
#include "hcs/client.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hvsup::hcs {

struct SystemApi {
    ApiKind api;
    std::shared_ptr<SharedLibrary> library;  // loaded; released with the last owner
};

struct Presence {
    std::vector<SystemApi> found;  // the DLLs that loaded, computecore.dll first
    std::string error;             // why none did; empty when one did

    bool available() const noexcept { return !found.empty(); }
    // The preferred DLL found ("computecore.dll", "vmcompute.dll"); "" when none.
    std::string api() const { return found.empty() ? std::string() : dll_name(found.front().api); }
};

// Never throws. Tries computecore.dll (Windows 10 1809 and later), then vmcompute.dll, or only
// `only`. When none loads, `error` is "Windows Host Compute Service is not available:
// computecore.dll: <reason>; vmcompute.dll: <reason>" on Windows, and "windows-hyperv
// supervisor is only supported on windows" elsewhere (no System32).
Presence probe_presence(std::optional<ApiKind> only = std::nullopt) noexcept;

}  // namespace hvsup::hcs
