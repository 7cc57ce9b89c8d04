// SPDX-License-Identifier: MIT
// The environment variable that selects the loopback emulation, read only at the edges: the C
// ABI (hvsup_hvsock_listeners_create without options.emulation_dir), the default source the
// supervisor's HvsockRuntimeServices is built with, and hvsock-listener's main. Everything
// below them takes the emulation directory as an explicit parameter (ListenerSpec::emulation_dir,
// select_transport), the way the HCS and HCN providers are passed in as library paths.
#pragma once

#include "core/files.hpp"

#include <cstdlib>
#include <filesystem>

namespace hvsup::hvsock {

// Names the emulation directory; unset or empty means the platform transport (AF_HYPERV).
inline constexpr const char* emulation_dir_variable = "HVSUP_HVSOCK_EMULATION_DIR";

// $HVSUP_HVSOCK_EMULATION_DIR, or empty when unset or empty.
inline std::filesystem::path emulation_dir_from_environment()
{
    const char* env = std::getenv(emulation_dir_variable);
    if (env != nullptr && *env != '\0') return files::from_utf8(env);
    return {};
}

}  // namespace hvsup::hvsock
