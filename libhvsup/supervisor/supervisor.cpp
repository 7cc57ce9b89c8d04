#include "supervisor/supervisor.hpp"

#include "core/error.hpp"
#include "protocol/codec.hpp"
#include "protocol/validate.hpp"
#include "supervisor/hcs_presence.hpp"

#include <fmt/format.h>

namespace hvsup::supervisor {

using namespace hvsup::protocol;

Response failure(std::string message)
{
    Response r;
    r.ok = false;
    r.backend = backend_name;
    r.error = std::move(message);
    return r;
}

std::unique_ptr<ComputeHost> make_compute_host(const SupervisorOptions& options)
{
    if (!options.hcs_library.empty()) {
        return std::make_unique<UnavailableComputeHost>(
            fmt::format("HCS provider library {} cannot be used: this build has no HCS binding yet", options.hcs_library));
    }
    const HcsPresence presence = probe_hcs_presence();
    if (!presence.available) return std::make_unique<UnavailableComputeHost>(presence.error);
    return std::make_unique<UnavailableComputeHost>(
        fmt::format("Windows Host Compute Service ({}) is present but this build has no HCS binding yet", presence.api));
}

Supervisor::Supervisor(SupervisorOptions options, std::unique_ptr<ComputeHost> host)
    : options_(std::move(options)), host_(std::move(host))
{
}

Response Supervisor::handle(std::string_view request_json)
{
    Request request;
    try {
        request = decode_request(request_json);
    } catch (const Error& e) {
        return failure(e.what());
    }
    return handle(std::move(request));
}

Response Supervisor::handle(Request request)
{
    try {
        if (classify_command(request.command) != CommandClass::host && !options_.default_state_dir.empty()) {
            // The context's state dir stands in for a missing config.stateDir. A full-config
            // command still needs its own config object ("config is required").
            if (!request.config && classify_command(request.command) == CommandClass::state_dir_only) {
                request.config.emplace();
            }
            if (request.config && request.config->state_dir.empty()) {
                request.config->state_dir = options_.default_state_dir;
            }
        }
        validate_request(request);
        return dispatch(request);
    } catch (const Error& e) {
        return failure(e.what());
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& e) {
        return failure(fmt::format("internal error: {}", e.what()));
    }
}

Response Supervisor::dispatch(Request& request)
{
    const std::string& c = request.command;
    if (c == "host") return host_command();
    if (c == "check") return check_command(request);
    if (c == "prepare") return prepare_command(request);
    if (c == "start" || c == "run") return start_command(request);
    if (c == "inspect") return inspect_command(request);
    if (c == "console") return console_command(request);
    return control_command(request);
}

Response Supervisor::host_command()
{
    const HostProbe probe = host_->probe();
    Response r;
    r.backend = backend_name;
    HostSupport h;
    h.backend = backend_name;
    h.architecture = host_architecture();
    h.framework_available = probe.framework_available;
    h.virtualization_supported = probe.virtualization_supported;
    h.console_available = false;
    h.console_mode = "unsupported";
    h.hcs_api = probe.api;
    r.host = h;
    r.kernel = KernelSupport{backend_name, host_architecture(), {}, "unknown", {}, {}};
    r.ok = probe.error.empty();
    r.error = probe.error;
    return r;
}

Response Supervisor::check_command(const Request&)
{
    host_->check_access();
    Response r;
    r.ok = true;
    r.backend = backend_name;
    return r;
}

Response Supervisor::console_command(const Request&)
{
    return failure("windows-hyperv supervisor command \"console\" is experimental and not implemented yet");
}

}  // namespace hvsup::supervisor
