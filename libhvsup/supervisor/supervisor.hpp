// The command dispatcher: one request in, one response out (microagent-protocol.md §1–§6).
// Built only on protocol/ and the ComputeHost interface; never throws for a bad request.
#pragma once

#include "core/log.hpp"
#include "protocol/types.hpp"
#include "supervisor/compute_host.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace hvsup::supervisor {

struct SupervisorOptions {
    std::string default_state_dir;  // used when a request names no config.stateDir
    std::string hcs_library;        // explicit HCS provider (else System32 on Windows)
    std::string hcn_library;        // explicit HCN provider
    Logger logger;
};

class Supervisor {
public:
    Supervisor(SupervisorOptions options, std::unique_ptr<ComputeHost> host);

    // Decodes, validates and runs a request; every failure becomes an ok:false response.
    protocol::Response handle(std::string_view request_json);
    protocol::Response handle(protocol::Request request);

    ComputeHost& host() { return *host_; }
    const SupervisorOptions& options() const { return options_; }

private:
    protocol::Response dispatch(protocol::Request& request);
    protocol::Response host_command();
    protocol::Response check_command(const protocol::Request& request);
    protocol::Response prepare_command(const protocol::Request& request);
    protocol::Response start_command(const protocol::Request& request);
    protocol::Response inspect_command(const protocol::Request& request);
    protocol::Response control_command(const protocol::Request& request);
    protocol::Response console_command(const protocol::Request& request);

    SupervisorOptions options_;
    std::unique_ptr<ComputeHost> host_;
};

// The ComputeHost for these options: HCS from System32 on Windows or from an explicit provider
// library; elsewhere, without a provider, a host that fails closed.
std::unique_ptr<ComputeHost> make_compute_host(const SupervisorOptions& options);

// {"ok": false, "backend": "windows-hyperv", "error": message}
protocol::Response failure(std::string message);

}  // namespace hvsup::supervisor
