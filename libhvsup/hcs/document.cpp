// SPDX-License-Identifier: MIT
#include "hcs/document.hpp"

#include "core/error.hpp"
#include "hcs/schema/field_versions.hpp"
#include "hcs/schema/json.hpp"
#include "protocol/validate.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace hvsup::hcs {
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

std::string trim(std::string_view s)
{
    const auto* ws = " \t\r\n";
    const size_t b = s.find_first_not_of(ws);
    if (b == std::string_view::npos) return {};
    const size_t e = s.find_last_not_of(ws);
    return std::string(s.substr(b, e - b + 1));
}

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

// The runtime network values from the explicit inputs or the resolved config.network.
std::optional<RuntimeNetwork> runtime_network(const DocumentInputs& in)
{
    if (in.network) return in.network;
    if (!in.config.network) return std::nullopt;
    const auto& n = *in.config.network;
    RuntimeNetwork r;
    r.ip = trim(n.ip);
    r.gateway = trim(n.gateway);
    r.dns = n.dns;
    if (const auto slash = n.subnet.find('/'); slash != std::string::npos) {
        try {
            r.prefix_length = std::stoi(n.subnet.substr(slash + 1));
        } catch (const std::exception&) {
            r.prefix_length = 0;
        }
    }
    return r;
}

bool result_run(const DocumentInputs& in)
{
    return in.result_run.value_or(protocol::has_result_listener(in.config, in.runtime_id));
}

std::pair<std::string, std::string> split_windows_path(std::string_view path)
{
    const size_t pos = path.find_last_of("\\/");
    if (pos == std::string_view::npos) return {std::string(), std::string(path)};
    std::string dir(path.substr(0, pos));
    if (dir.empty() || (dir.size() == 2 && dir[1] == ':')) dir += path[pos];
    return {dir, std::string(path.substr(pos + 1))};
}

bool host_knows(const DocumentInputs& in, std::string_view field)
{
    const auto since = schema::field_since(field);
    return since && *since <= in.host_schema_version.value_or(assumed_host_schema_version);
}

}  // namespace

const char* to_string(BootMode mode)
{
    return mode == BootMode::uefi_vmbfs ? "uefi-vmbfs" : "kernel-direct";
}

BootMode parse_boot_mode(std::string_view text)
{
    if (text == "kernel-direct") return BootMode::kernel_direct;
    if (text == "uefi-vmbfs") return BootMode::uefi_vmbfs;
    throw Error(ErrorCode::invalid_argument,
                fmt::format("unknown boot mode {} (want kernel-direct or uefi-vmbfs)", std::string(text)));
}

BootChoice choose_boot_mode(const std::optional<schema::Version>& host_highest, std::string_view architecture)
{
    if (architecture == "arm64") {
        return {BootMode::uefi_vmbfs, "UEFI/VmbFs boot: Hyper-V has no Linux kernel-direct boot on ARM64 hosts"};
    }
    if (!host_highest) {
        return {BootMode::kernel_direct, "kernel-direct boot: the host did not report its schema versions"};
    }
    const schema::Version needed{2, kernel_direct_schema_minor};
    if (*host_highest < needed) {
        return {BootMode::uefi_vmbfs,
                fmt::format("UEFI/VmbFs boot: the host's highest HCS schema is {}.{}, LinuxKernelDirect needs {}.{}",
                            host_highest->major, host_highest->minor, needed.major, needed.minor)};
    }
    return {BootMode::kernel_direct, fmt::format("kernel-direct boot: the host supports HCS schema {}.{}",
                                                 host_highest->major, host_highest->minor)};
}

std::string vsock_service_id(uint32_t port)
{
    return fmt::format("{:08x}-facb-11e6-bd58-64006a7986d3", port);
}

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
        const auto net = runtime_network(in);
        if (net && !net->ip.empty() && !net->gateway.empty()) {
            std::string ip = net->ip;
            if (ip.find('/') == std::string::npos)
                ip += fmt::format("/{}", net->prefix_length > 0 ? net->prefix_length : 24);
            cmd += fmt::format(" microagent_net_if=eth0 microagent_net_ip={} microagent_net_gw={}", ip, net->gateway);
            if (!net->dns.empty()) cmd += " microagent_net_dns=" + join(net->dns, ",");
            if (!net->hosts.empty()) cmd += " microagent_net_hosts=" + join(net->hosts, ",");
        } else if (mode == "bridged" && !in.endpoint_id.empty() && (!net || net->ip.empty())) {
            cmd += " ip=dhcp";
        }
    }
    if (!result_run(in)) cmd += quiet_suffix;
    else cmd += in.architecture == "arm64" ? serial_suffix_arm64 : serial_suffix_x64;
    return cmd;
}

std::vector<std::string> vm_access_paths(const protocol::Config& config, BootMode boot)
{
    std::vector<std::string> paths;
    paths.push_back(boot == BootMode::kernel_direct ? config.kernel_path : split_windows_path(config.kernel_path).first);
    paths.push_back(config.rootfs_path);
    for (const auto& d : config.disks) paths.push_back(d.path);
    return paths;
}

schema::ComputeSystem build_document(const DocumentInputs& in)
{
    if (trim(in.runtime_id).empty()) throw Error(ErrorCode::invalid_argument, "compute system name is required");
    if (trim(in.config.kernel_path).empty()) throw Error(ErrorCode::invalid_argument, "kernel path is required");
    if (trim(in.config.rootfs_path).empty()) throw Error(ErrorCode::invalid_argument, "rootfs path is required");

    const protocol::Config& c = in.config;
    schema::ComputeSystem doc;
    doc.owner = in.owner;
    schema::Version version = reference_schema_version;
    if (in.host_schema_version && *in.host_schema_version < version) version = *in.host_schema_version;
    doc.schema_version = version;
    doc.should_terminate_on_last_handle_closed = false;

    schema::VirtualMachine vm;
    vm.stop_on_reset = true;

    const std::string cmdline = kernel_command_line(in);
    schema::Chipset chipset;
    if (in.boot == BootMode::kernel_direct) {
        chipset.linux_kernel_direct = schema::LinuxKernelDirect{c.kernel_path, std::nullopt, cmdline};
    } else {
        const auto [dir, file] = split_windows_path(c.kernel_path);
        schema::UefiBootEntry entry;
        entry.device_type = schema::UefiDeviceType::vmb_fs;
        entry.device_path = "\\" + file;
        entry.vmb_fs_root_path = dir;
        entry.optional_data = cmdline;
        schema::Uefi uefi;
        // Schema 2.3: a 2.1 host (Server 2019, the main UEFI user) refuses it as unknown JSON.
        if (host_knows(in, "VirtualMachine.Chipset.Uefi.ApplySecureBootTemplate"))
            uefi.apply_secure_boot_template = schema::UefiSecureBootTemplate::skip;
        uefi.boot_this = entry;
        chipset.uefi = uefi;
    }
    vm.chipset = chipset;

    const int64_t memory = c.memory_mib > 0 ? c.memory_mib : protocol::default_memory_mib;
    const int64_t cpus = c.cpu_count > 0 ? c.cpu_count : protocol::default_cpu_count;
    schema::Topology topology;
    topology.memory = schema::Memory{static_cast<uint64_t>((memory + 1) / 2 * 2), true};
    topology.processor = schema::Processor{static_cast<uint32_t>(cpus)};
    vm.compute_topology = topology;

    schema::Devices devices;
    schema::Scsi scsi;
    scsi.attachments["0"] = schema::Attachment{schema::AttachmentType::virtual_disk, c.rootfs_path, false};
    for (size_t i = 0; i < c.disks.size(); ++i) {
        scsi.attachments[std::to_string(i + 1)] =
            schema::Attachment{schema::AttachmentType::virtual_disk, c.disks[i].path, trim(c.disks[i].mode) == "ro"};
    }
    devices.scsi["0"] = scsi;

    schema::HvSocketSystemConfig hv;
    hv.default_bind_security_descriptor = sddl_system_admins;
    hv.default_connect_security_descriptor = sddl_system_admins;
    auto guest_to_host = schema::HvSocketServiceConfig{sddl_everyone, sddl_system_admins, true};
    auto host_to_guest = schema::HvSocketServiceConfig{sddl_everyone, sddl_everyone, true};
    for (const auto& l : c.vsock_listeners) hv.service_table[vsock_service_id(l.port)] = guest_to_host;
    if (c.network) {
        for (const auto& f : c.network->port_forwards) hv.service_table[vsock_service_id(f.host_port)] = host_to_guest;
    }
    if (const uint16_t shell = effective_shell_port(c); shell != 0) {
        hv.service_table[vsock_service_id(shell)] = host_to_guest;
    }
    if (const uint16_t exec = effective_exec_port(c); exec != 0) {
        hv.service_table[vsock_service_id(exec)] = host_to_guest;
    }
    devices.hv_socket = schema::HvSocket{hv};
    devices.plan9 = schema::Plan9{};
    if (result_run(in)) devices.com_ports["0"] = schema::ComPort{serial_pipe_name(in.runtime_id)};
    if (!trim(in.endpoint_id).empty()) {
        const std::string mac = trim(in.endpoint_mac);
        devices.network_adapters["0"] =
            schema::NetworkAdapter{trim(in.endpoint_id), mac.empty() ? std::nullopt : std::optional<std::string>(mac)};
    }
    vm.devices = devices;

    doc.virtual_machine = vm;

    // The last word on "only fields the host knows": whatever the inputs forced (kernel-direct
    // boot on a 2.1 host), the host would refuse the whole document for it.
    const schema::Version host = in.host_schema_version.value_or(assumed_host_schema_version);
    const auto too_new = schema::fields_newer_than(schema::to_json(doc), host);
    if (!too_new.empty()) {
        const auto& f = too_new.front();
        throw Error(ErrorCode::invalid_argument,
                    f.since ? fmt::format("the host's HCS schema {}.{} does not know {} (new in {}.{})", host.major,
                                          host.minor, f.path, f.since->major, f.since->minor)
                            : fmt::format("the document field {} has no known schema version", f.path));
    }
    return doc;
}

std::string document_json(const DocumentInputs& inputs)
{
    return schema::serialize(build_document(inputs));
}

}  // namespace hvsup::hcs
