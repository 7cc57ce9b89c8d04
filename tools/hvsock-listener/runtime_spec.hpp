// SPDX-License-Identifier: MIT
// The detached services of a runtime, read from its runtime.json (microagent-protocol.md §4.4
// step 6, §7.7): vsock listeners whose target is not the result path, and port forwards.
#pragma once

#include "hvsock/listener_set.hpp"
#include "protocol/runtime_state.hpp"

#include <string>

namespace hvsock_listener {

// The listener spec for the detached services of `state` (stored under
// <state_dir>/<runtime_id>). Throws hvsup::Error
// `windows-hyperv runtime listener state is missing compute system IDs` when runtime.json
// lacks computeSystemID or computeSystemRuntimeID.
hvsup::hvsock::ListenerSpec detached_listener_spec(const hvsup::protocol::RuntimeState& state,
                                                   const std::string& state_dir, const std::string& runtime_id);

// True when the spec has anything to serve.
bool has_services(const hvsup::hvsock::ListenerSpec& spec);

}  // namespace hvsock_listener
