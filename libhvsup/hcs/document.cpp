// SPDX-License-Identifier: MIT
#include "hcs/document.hpp"

#include "core/error.hpp"
#include "core/text.hpp"
#include "hcs/schema/field_versions.hpp"
#include "hcs/schema/json.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace hvsup::hcs {
namespace {

std::pair<std::string, std::string> split_windows_path(std::string_view path)
{
    const size_t pos = path.find_last_of("\\/");
    if (pos == std::string_view::npos) return {std::string(), std::string(path)};
    std::string dir(path.substr(0, pos));
    if (dir.empty() || (dir.size() == 2 && dir[1] == ':')) dir += path[pos];
    return {dir, std::string(path.substr(pos + 1))};
}

bool host_knows(const VmFacts& in, std::string_view field)
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

std::vector<std::string> vm_access_paths(const VmFacts& facts)
{
    std::vector<std::string> paths;
    paths.push_back(facts.boot == BootMode::kernel_direct ? facts.kernel_path
                                                          : split_windows_path(facts.kernel_path).first);
    paths.push_back(facts.rootfs_path);
    for (const auto& d : facts.disks) paths.push_back(d.path);
    return paths;
}

schema::ComputeSystem build_document(const VmFacts& in)
{
    if (trim(in.id).empty()) throw Error(ErrorCode::invalid_argument, "compute system name is required");
    if (trim(in.kernel_path).empty()) throw Error(ErrorCode::invalid_argument, "kernel path is required");
    if (trim(in.rootfs_path).empty()) throw Error(ErrorCode::invalid_argument, "rootfs path is required");

    const VmFacts& c = in;
    schema::ComputeSystem doc;
    doc.owner = in.owner;
    schema::Version version = reference_schema_version;
    if (in.host_schema_version && *in.host_schema_version < version) version = *in.host_schema_version;
    doc.schema_version = version;
    doc.should_terminate_on_last_handle_closed = false;

    schema::VirtualMachine vm;
    vm.stop_on_reset = true;

    const std::string& cmdline = in.kernel_command_line;
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

    const int64_t memory = c.memory_mib;
    const int64_t cpus = c.cpu_count;
    schema::Topology topology;
    topology.memory = schema::Memory{static_cast<uint64_t>((memory + 1) / 2 * 2), true};
    topology.processor = schema::Processor{static_cast<uint32_t>(cpus)};
    vm.compute_topology = topology;

    schema::Devices devices;
    schema::Scsi scsi;
    scsi.attachments["0"] = schema::Attachment{schema::AttachmentType::virtual_disk, c.rootfs_path, false};
    for (size_t i = 0; i < c.disks.size(); ++i) {
        scsi.attachments[std::to_string(i + 1)] =
            schema::Attachment{schema::AttachmentType::virtual_disk, c.disks[i].path, c.disks[i].read_only};
    }
    devices.scsi["0"] = scsi;

    schema::HvSocketSystemConfig hv;
    hv.default_bind_security_descriptor = sddl_system_admins;
    hv.default_connect_security_descriptor = sddl_system_admins;
    auto guest_to_host = schema::HvSocketServiceConfig{sddl_everyone, sddl_system_admins, true};
    auto host_to_guest = schema::HvSocketServiceConfig{sddl_everyone, sddl_everyone, true};
    for (const uint32_t port : c.guest_to_host_ports) hv.service_table[vsock_service_id(port)] = guest_to_host;
    for (const uint32_t port : c.host_to_guest_ports) hv.service_table[vsock_service_id(port)] = host_to_guest;
    devices.hv_socket = schema::HvSocket{hv};
    devices.plan9 = schema::Plan9{};
    if (!in.serial_pipe.empty()) devices.com_ports["0"] = schema::ComPort{in.serial_pipe};
    if (in.nic && !trim(in.nic->endpoint_id).empty()) {
        const std::string mac(trim(in.nic->mac_address));
        devices.network_adapters["0"] = schema::NetworkAdapter{std::string(trim(in.nic->endpoint_id)),
                                                               mac.empty() ? std::nullopt : std::optional<std::string>(mac)};
    }
    vm.devices = devices;

    doc.virtual_machine = vm;

    // The last word on "only fields the host knows": whatever the inputs forced (kernel-direct
    // boot on a 2.1 host), the host would refuse the whole document for it.
    const schema::Version host = in.host_schema_version.value_or(assumed_host_schema_version);
    const auto too_new = schema::fields_newer_than(schema::encode(doc), host);
    if (!too_new.empty()) {
        const auto& f = too_new.front();
        throw Error(ErrorCode::invalid_argument,
                    f.since ? fmt::format("the host's HCS schema {}.{} does not know {} (new in {}.{})", host.major,
                                          host.minor, f.path, f.since->major, f.since->minor)
                            : fmt::format("the document field {} has no known schema version", f.path));
    }
    return doc;
}

std::string document_json(const VmFacts& facts)
{
    return schema::serialize(build_document(facts));
}

}  // namespace hvsup::hcs
