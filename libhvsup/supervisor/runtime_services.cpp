// SPDX-License-Identifier: MIT
#include "supervisor/runtime_services.hpp"

#include "core/error.hpp"

namespace hvsup::supervisor {

namespace {

// Nothing to serve: the listeners a config without any gets.
class NoListeners final : public RuntimeListeners {
public:
    bool wait_for_result(std::chrono::milliseconds) override { return true; }
    void close() override {}
};

}  // namespace

std::unique_ptr<SerialLogCapture> UnavailableRuntimeServices::start_serial_capture(const std::string&,
                                                                                   const std::string&)
{
    throw Error(ErrorCode::unsupported, reason_);
}

std::unique_ptr<RuntimeListeners> UnavailableRuntimeServices::start_listeners(const std::string&,
                                                                              const protocol::Config& config,
                                                                              const std::string&)
{
    const bool forwards = config.network && !config.network->port_forwards.empty();
    if (config.vsock_listeners.empty() && !forwards) return std::make_unique<NoListeners>();
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
