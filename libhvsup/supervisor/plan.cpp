#include "supervisor/plan.hpp"

#include "core/error.hpp"
#include "hcs/document.hpp"
#include "protocol/codec.hpp"
#include "protocol/validate.hpp"
#include "supervisor/supervisor.hpp"

namespace hvsup::supervisor {

using namespace hvsup::protocol;

namespace {

// Stands in for the endpoint id HCN assigns at start.
constexpr const char* endpoint_placeholder = "<assigned by HCN at start>";

json::value listeners(const Config& config, const std::string& runtime_id)
{
    json::array out;
    for (const auto& l : config.vsock_listeners) {
        out.emplace_back(json::object{{"kind", is_result_target(config, runtime_id, l.target) ? "result" : "vsock"},
                                      {"serviceId", hcs::vsock_service_id(l.port)},
                                      {"port", l.port},
                                      {"target", l.target}});
    }
    if (config.network) {
        for (const auto& f : config.network->port_forwards) {
            out.emplace_back(json::object{{"kind", "published"},
                                          {"listen", (f.host.empty() ? std::string("127.0.0.1") : f.host) + ":" +
                                                         std::to_string(f.host_port)},
                                          {"serviceId", hcs::vsock_service_id(f.host_port)},
                                          {"guestPort", f.guest_port}});
        }
    }
    return out;
}

}  // namespace

json::value plan(std::string_view request_json)
{
    Request request = decode_request(request_json);
    if (request.command.empty()) request.command = "run";
    if (classify_command(request.command) != CommandClass::full_config) {
        throw Error(ErrorCode::invalid_argument, "plan needs a start or run request (identity and full config)");
    }
    validate_request(request);
    const Config& config = *request.config;
    const std::string& name = request.identity->runtime_id;
    validate_listener_targets(config, name);

    const std::string mode = effective_network_mode(config.network);
    hcs::DocumentInputs in;
    in.config = config;
    in.runtime_id = name;
    if (mode != "isolated") in.endpoint_id = endpoint_placeholder;
    const bool result_run = has_result_listener(config, name);

    json::object out;
    out["ok"] = true;
    out["computeSystemId"] = name;
    out["kernelCommandLine"] = hcs::kernel_command_line(in);
    out["serialPipe"] = result_run ? hcs::serial_pipe_name(name) : std::string();
    out["vmAccess"] = [&] {
        json::array a;
        for (const auto& p : hcs::vm_access_paths(config)) a.emplace_back(p);
        return a;
    }();
    out["document"] = json::parse(hcs::document_json(in), "compute system document");
    json::object network{{"mode", mode}};
    if (mode != "isolated") {
        network["endpointName"] = "microagent-" + name;
        network["note"] = "the endpoint address is assigned by HCN at start; the kernel command line then carries it";
    }
    out["network"] = std::move(network);
    out["listeners"] = listeners(config, name);
    return out;
}

}  // namespace hvsup::supervisor
