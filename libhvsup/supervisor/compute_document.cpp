// SPDX-License-Identifier: MIT
#include "supervisor/compute_document.hpp"

#include "core/text.hpp"
#include "protocol/validate.hpp"

#include <fmt/format.h>

namespace hvsup::supervisor {

namespace {

constexpr const char* base_cmdline =
    "root=/dev/sda rw rootwait init=/sbin/microagent-init initcall_blacklist=virtio_vsock_init pci=off";
// Result runs log the boot to COM1. panic=-1 makes a panicking kernel reset at once, and
// StopOnReset turns that reset into an exit, so a crashed guest ends the run instead of hanging
// it until the timeout (or forever).
constexpr const char* serial_suffix_x64 =
    " 8250_core.nr_uarts=1 8250_core.skip_txen_test=1 console=ttyS0,115200 panic=-1";
// ARM64 guests have a PL011 UART, not an 8250 (hcsshim's arm64 console).
constexpr const char* serial_suffix_arm64 = " console=ttyAMA0,115200 panic=-1";
constexpr const char* quiet_suffix = " 8250_core.nr_uarts=0 panic=-1 quiet";

std::string join(const std::vector<std::string>& items, const char* sep)
{
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += sep;
        out += item;
    }
    return out;
}

uint16_t effective_shell_port(const protocol::Config& c)
{
    return c.guest_shell_port != 0 ? c.guest_shell_port : c.shell_port;
}
uint16_t effective_exec_port(const protocol::Config& c)
{
    return c.guest_exec_port != 0 ? c.guest_exec_port : c.exec_port;
}

// The guest NIC's addressing when no HCN settled it: the request's (resolved) network, its
// prefix taken from the subnet ("/n"; 24 when there is none).
std::optional<GuestNic> requested_nic(const DocumentInputs& in)
{
    if (in.network) return in.network;
    if (!in.config.network) return std::nullopt;
    const auto& n = *in.config.network;
    GuestNic r;
    r.ip_cidr = trim(n.ip);
    r.gateway = trim(n.gateway);
    r.dns = n.dns;
    if (!r.ip_cidr.empty() && r.ip_cidr.find('/') == std::string::npos) {
        int prefix = 0;
        if (const auto slash = n.subnet.find('/'); slash != std::string::npos) {
            try {
                prefix = std::stoi(n.subnet.substr(slash + 1));
            } catch (const std::exception&) {
                prefix = 0;
            }
        }
        r.ip_cidr += fmt::format("/{}", prefix > 0 ? prefix : 24);
    }
    return r;
}

std::string serial_pipe(const DocumentInputs& in)
{
    if (in.serial_pipe) return *in.serial_pipe;
    return protocol::has_result_listener(in.config, in.runtime_id) ? serial_pipe_name(in.runtime_id) : std::string();
}

}  // namespace

std::string serial_pipe_name(std::string_view runtime_id)
{
    return fmt::format("\\\\.\\pipe\\microagent-{}-serial", runtime_id);
}

std::string kernel_command_line(const DocumentInputs& in)
{
    std::string cmd = base_cmdline;
    if (const uint16_t shell = effective_shell_port(in.config); shell != 0) {
        cmd += fmt::format(" microagent_shell_port={}", shell);
    }
    if (const uint16_t exec = effective_exec_port(in.config); exec != 0) {
        cmd += fmt::format(" microagent_exec_port={}", exec);
    }
    const std::string mode = protocol::effective_network_mode(in.config.network);
    if (mode == "user" || mode == "nat" || mode == "bridged" || mode == "named") {
        const auto nic = requested_nic(in);
        if (nic && !nic->dhcp() && !nic->gateway.empty()) {
            cmd += fmt::format(" microagent_net_if=eth0 microagent_net_ip={} microagent_net_gw={}", nic->ip_cidr,
                               nic->gateway);
            if (!nic->dns.empty()) cmd += " microagent_net_dns=" + join(nic->dns, ",");
            if (!nic->hosts.empty()) cmd += " microagent_net_hosts=" + join(nic->hosts, ",");
        } else if (mode == "bridged" && !in.endpoint_id.empty() && (!nic || nic->dhcp())) {
            cmd += " ip=dhcp";
        }
    }
    if (serial_pipe(in).empty()) cmd += quiet_suffix;
    else cmd += in.architecture == "arm64" ? serial_suffix_arm64 : serial_suffix_x64;
    return cmd;
}

hcs::VmFacts vm_facts(const DocumentInputs& in)
{
    const protocol::Config& c = in.config;
    hcs::VmFacts f;
    f.id = in.runtime_id;
    f.owner = in.owner;
    f.boot = in.boot;
    f.kernel_path = c.kernel_path;
    f.kernel_command_line = kernel_command_line(in);
    f.rootfs_path = c.rootfs_path;
    for (const auto& d : c.disks) f.disks.push_back(hcs::VmFacts::Disk{d.path, trim(d.mode) == "ro"});
    f.memory_mib = c.memory_mib > 0 ? c.memory_mib : protocol::default_memory_mib;
    f.cpu_count = c.cpu_count > 0 ? c.cpu_count : protocol::default_cpu_count;
    for (const auto& l : c.vsock_listeners) f.guest_to_host_ports.push_back(l.port);
    if (c.network) {
        for (const auto& fwd : c.network->port_forwards) f.host_to_guest_ports.push_back(fwd.host_port);
    }
    if (const uint16_t shell = effective_shell_port(c); shell != 0) f.host_to_guest_ports.push_back(shell);
    if (const uint16_t exec = effective_exec_port(c); exec != 0) f.host_to_guest_ports.push_back(exec);
    f.serial_pipe = serial_pipe(in);
    if (!in.endpoint_id.empty()) f.nic = GuestNic{in.endpoint_id, in.endpoint_mac, {}, {}, {}, {}};
    f.host_schema_version = in.host_schema_version;
    return f;
}

hcs::schema::ComputeSystem build_document(const DocumentInputs& inputs)
{
    return hcs::build_document(vm_facts(inputs));
}

std::string document_json(const DocumentInputs& inputs)
{
    return hcs::document_json(vm_facts(inputs));
}

std::vector<std::string> vm_access_paths(const protocol::Config& config, hcs::BootMode boot)
{
    DocumentInputs in;
    in.config = config;
    in.boot = boot;
    return hcs::vm_access_paths(vm_facts(in));
}

}  // namespace hvsup::supervisor
