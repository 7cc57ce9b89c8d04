// SPDX-License-Identifier: MIT
// The stop source that ends the helper when its compute system exits (HCS SystemExited).
#pragma once

#include "stop_signal.hpp"

#include "core/log.hpp"

#include <functional>
#include <string>

namespace hvsock_listener {

// Opens `compute_system_id` through HCS (System32 on Windows, or `hcs_library`; `hcs_api`
// "computecore"/"vmcompute" forces an API) and requests a stop when it exits or is gone. When
// HCS cannot be loaded (a Linux host without a provider) the source logs why and leaves the
// other stop sources in charge.
std::function<void(StopSignal&)> compute_system_source(std::string hcs_library, std::string hcs_api,
                                                       std::string compute_system_id,
                                                       std::function<void(const std::string&)> log);

}  // namespace hvsock_listener
