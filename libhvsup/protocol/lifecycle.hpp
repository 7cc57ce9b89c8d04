// SPDX-License-Identifier: MIT
// Which recorded states a runtime may start from (docs/protocol.md, "Lifecycle states").
#pragma once

#include "protocol/runtime_state.hpp"

#include <optional>
#include <string>

namespace hvsup::protocol {

// Throws ErrorCode::conflict with the reference's text when `recorded` forbids start/run.
void ensure_can_start(const std::string& runtime_id, const std::optional<RuntimeState>& recorded);

bool is_terminal_state(const std::string& state);

}  // namespace hvsup::protocol
