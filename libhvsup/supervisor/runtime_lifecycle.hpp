// SPDX-License-Identifier: MIT
// Shared pieces of the lifecycle commands: recording transitions for one request and building
// responses from them.
#pragma once

#include "core/error.hpp"
#include "protocol/runtime_dir.hpp"
#include "protocol/types.hpp"
#include "supervisor/runtime_services.hpp"

#include <optional>
#include <string>

namespace hvsup::supervisor {

// The compute and network identities a runtime has collected so far.
struct RuntimeIds {
    std::string compute_system_id;
    std::string compute_system_runtime_id;
    std::string network_id;
    std::string network_endpoint_id;
    std::optional<int64_t> listener_pid;
    int64_t listener_start_time = 0;  // with listener_pid (HelperProcess::start_time)
};

// The helper a runtime.json records.
inline HelperProcess recorded_helper(const protocol::RuntimeState& s)
{
    return HelperProcess{s.vsock_listener_pid, s.vsock_listener_start_time};
}

// Records transitions for one request's identity into one runtime directory.
class TransitionWriter {
public:
    // `guard` applies to every record (protocol::Transition::guard); `unchanged` compares with
    // the runtime.json that `dir` last loaded or recorded.
    TransitionWriter(protocol::RuntimeDir& dir, protocol::Identity identity,
                     protocol::Transition::Guard guard = protocol::Transition::Guard::none)
        : dir_(dir), identity_(std::move(identity)), guard_(guard)
    {
    }

    protocol::Event record(const std::string& state, const std::string& detail, const RuntimeIds& ids,
                           const std::optional<protocol::Config>& config = std::nullopt, const std::string& error = {},
                           bool reset_ids = false);

    // Records `failed` with `detail` (the step that failed and its cause: "start failed: …")
    // as the event detail and the bare `cause` as runtime.json's and the response's `error`,
    // as the reference does: callers match the error text exactly. When the record fails (the
    // guard does not hold, or the state directory cannot be written), throws
    // "<cause>; not recorded: <why>" (still no step prefix), so the failure itself is never lost.
    protocol::Response fail(const std::string& detail, const std::string& cause, const RuntimeIds& ids,
                            const std::optional<protocol::Config>& config = std::nullopt);

private:
    protocol::RuntimeDir& dir_;
    protocol::Identity identity_;
    protocol::Transition::Guard guard_;
};

// True for the errors a guarded record throws when another command changed or deleted the
// runtime meanwhile (kill or quarantine preempting a lifecycle command).
bool is_preempted(const Error& e);

protocol::Response event_response(const protocol::Event& event);

}  // namespace hvsup::supervisor
