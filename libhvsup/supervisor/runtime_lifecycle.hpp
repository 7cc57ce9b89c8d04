// Shared pieces of the lifecycle commands: recording transitions for one request and building
// responses from them.
#pragma once

#include "protocol/runtime_dir.hpp"
#include "protocol/types.hpp"

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
};

// Records transitions for one request's identity into one runtime directory.
class TransitionWriter {
public:
    TransitionWriter(protocol::RuntimeDir& dir, protocol::Identity identity) : dir_(dir), identity_(std::move(identity)) {}

    protocol::Event record(const std::string& state, const std::string& detail, const RuntimeIds& ids,
                           const std::optional<protocol::Config>& config = std::nullopt, const std::string& error = {},
                           bool reset_ids = false);

    // Records `failed` with `detail` as both detail and error; the response carries both.
    protocol::Response fail(const std::string& detail, const RuntimeIds& ids,
                            const std::optional<protocol::Config>& config = std::nullopt);

private:
    protocol::RuntimeDir& dir_;
    protocol::Identity identity_;
};

protocol::Response event_response(const protocol::Event& event);

}  // namespace hvsup::supervisor
