// SPDX-License-Identifier: MIT
#include "supervisor/compute_host.hpp"

#include "core/error.hpp"
#include "protocol/validate.hpp"

namespace hvsup::supervisor {

HostProbe UnavailableComputeHost::probe()
{
    HostProbe p;
    p.error = reason_;
    return p;
}

void UnavailableComputeHost::check_access() { fail(); }
void UnavailableComputeHost::require_available() { fail(); }
CreatedSystem UnavailableComputeHost::create(const CreateRequest&) { fail(); }
void UnavailableComputeHost::start(const std::string&) { fail(); }
void UnavailableComputeHost::shutdown(const std::string&) { fail(); }
void UnavailableComputeHost::terminate(const std::string&) { fail(); }
bool UnavailableComputeHost::wait_for_exit(const std::string&, std::chrono::milliseconds) { fail(); }
bool UnavailableComputeHost::exists(const std::string&) { fail(); }
std::string UnavailableComputeHost::state(const std::string&) { fail(); }
void UnavailableComputeHost::fail() const { throw Error(ErrorCode::unsupported, reason_); }

NetworkAttachment UnavailableNetworkHost::prepare(const protocol::Config& config, const std::string&)
{
    if (protocol::effective_network_mode(config.network) == "isolated") {
        return NetworkAttachment{{}, {}, config.network.value_or(protocol::NetworkConfig{}), {}};
    }
    throw Error(ErrorCode::unsupported, reason_);
}

void UnavailableNetworkHost::release(const std::string& endpoint_id)
{
    if (!endpoint_id.empty()) throw Error(ErrorCode::unsupported, reason_);
}

namespace {

// Nothing to serve: the set a config without listeners gets.
class EmptyListenerSet final : public ListenerSet {
public:
    bool wait_for_result(std::chrono::milliseconds) override { return true; }
    void close() override {}
};

}  // namespace

std::unique_ptr<SerialCapture> UnavailableRuntimeServices::start_serial_capture(const std::string&, const std::string&)
{
    throw Error(ErrorCode::unsupported, reason_);
}

std::unique_ptr<ListenerSet> UnavailableRuntimeServices::start_listeners(const std::string&, const protocol::Config& config,
                                                                         const std::string&)
{
    const bool forwards = config.network && !config.network->port_forwards.empty();
    if (config.vsock_listeners.empty() && !forwards) return std::make_unique<EmptyListenerSet>();
    throw Error(ErrorCode::unsupported, reason_);
}

HelperProcess UnavailableRuntimeServices::launch_helper(const std::string&, const std::string&, const std::string&)
{
    throw Error(ErrorCode::unsupported, reason_);
}

void UnavailableRuntimeServices::stop_helper(const HelperProcess& helper)
{
    if (helper.pid > 0) throw Error(ErrorCode::unsupported, reason_);
}

}  // namespace hvsup::supervisor
