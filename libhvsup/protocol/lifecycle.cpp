// SPDX-License-Identifier: MIT
#include "protocol/lifecycle.hpp"

#include "core/error.hpp"

#include <fmt/format.h>

namespace hvsup::protocol {

void ensure_can_start(const std::string& runtime_id, const std::optional<RuntimeState>& recorded)
{
    if (!recorded) return;
    const std::string& s = recorded->event.state;
    if (s.empty() || s == state::unknown || s == state::prepared || s == state::halted || s == state::stopped ||
        s == state::failed) {
        return;
    }
    if (s == state::quarantined) {
        if (recorded->vsock_listener_pid > 0) {
            throw Error(ErrorCode::conflict,
                        fmt::format("workspace {} is quarantined with preserved pid {}; halt, stop, or kill it before start",
                                    runtime_id, recorded->vsock_listener_pid));
        }
        throw Error(ErrorCode::conflict,
                    fmt::format("workspace {} is quarantined; halt, stop, or kill it before start", runtime_id));
    }
    if (s == state::starting || s == state::running) {
        throw Error(ErrorCode::conflict, fmt::format("workspace {} is already {}", runtime_id, s));
    }
    throw Error(ErrorCode::conflict, fmt::format("workspace {} cannot start from state {}", runtime_id, s));
}

bool is_terminal_state(const std::string& s)
{
    return s == state::prepared || s == state::halted || s == state::stopped || s == state::failed ||
           s == state::quarantined;
}

}  // namespace hvsup::protocol
