// SPDX-License-Identifier: MIT
#include "supervisor/plan.hpp"

#include "core/error.hpp"
#include "hcs/document.hpp"
#include "supervisor/compute_document.hpp"
#include "protocol/codec.hpp"
#include "protocol/validate.hpp"
#include "supervisor/supervisor.hpp"

#include <fmt/format.h>

namespace hvsup::supervisor {

using namespace hvsup::protocol;

namespace {

// Stands in for the endpoint id HCN assigns at start: the nil GUID, so the planned document
// keeps the shape HCS validates (EndpointId is a GUID) while no real endpoint has that id.
constexpr const char* endpoint_placeholder = "00000000-0000-0000-0000-000000000000";

// The boot the plan shows: the caller's choice, else the reference's kernel-direct boot
// (plan asks no host, so `auto` cannot consult one).
hcs::BootChoice planned_boot(std::string_view boot_mode)
{
    if (boot_mode.empty() || boot_mode == "auto") {
        return {hcs::BootMode::kernel_direct,
                "kernel-direct boot: plan asks no host; on a host below HCS schema 2.2 or an ARM64 host, auto "
                "chooses uefi-vmbfs (see doctor)"};
    }
    if (boot_mode != "kernel-direct" && boot_mode != "uefi-vmbfs") {
        throw Error(ErrorCode::invalid_argument, fmt::format("unknown boot mode {}: use auto, kernel-direct or uefi-vmbfs",
                                                             json::quote(std::string(boot_mode))));
    }
    const hcs::BootMode mode = hcs::parse_boot_mode(boot_mode);
    return {mode, fmt::format("{} boot: chosen by the caller", hcs::to_string(mode))};
}

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

json::value plan(std::string_view request_json, std::string_view boot_mode)
{
    const hcs::BootChoice boot = planned_boot(boot_mode);
    Request request = decode_request(request_json);
    if (request.command.empty()) request.command = command_name(Command::run);
    const std::optional<Command> command = find_command(request.command);
    if (!command || command_info(*command).cls != CommandClass::full_config) {
        throw Error(ErrorCode::invalid_argument, "plan needs a start or run request (identity and full config)");
    }
    validate_request(request, *command);
    const Config& config = *request.config;
    const std::string& name = request.identity->runtime_id;
    validate_listener_targets(config, name);

    const std::string mode = effective_network_mode(config.network);
    DocumentInputs in;
    in.config = config;
    in.runtime_id = name;
    in.boot = boot.mode;
    if (mode != "isolated") in.endpoint_id = endpoint_placeholder;
    const hcs::VmFacts facts = vm_facts(in);

    json::object out;
    out["ok"] = true;
    out["computeSystemId"] = name;
    out["kernelCommandLine"] = facts.kernel_command_line;
    out["serialPipe"] = facts.serial_pipe;
    out["vmAccess"] = [&] {
        json::array a;
        for (const auto& p : hcs::vm_access_paths(facts)) a.emplace_back(p);
        return a;
    }();
    out["boot"] = json::object{{"mode", hcs::to_string(boot.mode)}, {"reason", boot.reason}};
    out["document"] = json::parse(hcs::document_json(facts), "compute system document");
    json::object network{{"mode", mode}};
    if (mode != "isolated") {
        network["endpointName"] = "microagent-" + name;
        network["endpointIdPlaceholder"] = endpoint_placeholder;
        network["note"] =
            "HCN creates the endpoint at start: the document's EndpointId is the nil-GUID placeholder and its "
            "MacAddress is left out until then; the endpoint address then goes on the kernel command line";
    }
    out["network"] = std::move(network);
    out["listeners"] = listeners(config, name);
    return out;
}

}  // namespace hvsup::supervisor
