// SPDX-License-Identifier: MIT
#include "hcs/schema/json.hpp"

namespace hvsup::hcs::schema {
namespace {

template <typename T>
json::value encode_map(const std::map<std::string, T>& m)
{
    json::object o;
    for (const auto& [key, item] : m) o[key] = encode(item);
    return o;
}

}  // namespace

const char* to_string(AttachmentType type)
{
    switch (type) {
        case AttachmentType::virtual_disk:
            return "VirtualDisk";
        case AttachmentType::iso:
            return "Iso";
        case AttachmentType::pass_thru:
            return "PassThru";
    }
    return "VirtualDisk";
}

const char* to_string(UefiDeviceType type)
{
    switch (type) {
        case UefiDeviceType::scsi_drive:
            return "ScsiDrive";
        case UefiDeviceType::vmb_fs:
            return "VmbFs";
        case UefiDeviceType::network:
            return "Network";
        case UefiDeviceType::file:
            return "File";
    }
    return "VmbFs";
}

const char* to_string(UefiSecureBootTemplate value)
{
    return value == UefiSecureBootTemplate::apply ? "Apply" : "Skip";
}

json::value encode(const Version& v)
{
    return json::object{{"Major", v.major}, {"Minor", v.minor}};
}

json::value encode(const LinuxKernelDirect& v)
{
    json::object o;
    o["KernelFilePath"] = v.kernel_file_path;
    if (v.init_rd_path) o["InitRdPath"] = *v.init_rd_path;
    o["KernelCmdLine"] = v.kernel_cmd_line;
    return o;
}

json::value encode(const UefiBootEntry& v)
{
    json::object o;
    o["DeviceType"] = to_string(v.device_type);
    o["DevicePath"] = v.device_path;
    if (v.vmb_fs_root_path) o["VmbFsRootPath"] = *v.vmb_fs_root_path;
    if (v.optional_data) o["OptionalData"] = *v.optional_data;
    return o;
}

json::value encode(const Uefi& v)
{
    json::object o;
    if (v.apply_secure_boot_template) o["ApplySecureBootTemplate"] = to_string(*v.apply_secure_boot_template);
    if (v.boot_this) o["BootThis"] = encode(*v.boot_this);
    return o;
}

json::value encode(const Chipset& v)
{
    json::object o;
    if (v.uefi) o["Uefi"] = encode(*v.uefi);
    if (v.linux_kernel_direct) o["LinuxKernelDirect"] = encode(*v.linux_kernel_direct);
    return o;
}

json::value encode(const Memory& v)
{
    json::object o;
    o["SizeInMB"] = v.size_in_mb;
    if (v.allow_overcommit) o["AllowOvercommit"] = *v.allow_overcommit;
    return o;
}

json::value encode(const Processor& v)
{
    return json::object{{"Count", v.count}};
}

json::value encode(const Topology& v)
{
    json::object o;
    if (v.memory) o["Memory"] = encode(*v.memory);
    if (v.processor) o["Processor"] = encode(*v.processor);
    return o;
}

json::value encode(const Attachment& v)
{
    return json::object{{"Type", to_string(v.type)}, {"Path", v.path}, {"ReadOnly", v.read_only}};
}

json::value encode(const Scsi& v)
{
    return json::object{{"Attachments", encode_map(v.attachments)}};
}

json::value encode(const ComPort& v)
{
    return json::object{{"NamedPipe", v.named_pipe}};
}

json::value encode(const HvSocketServiceConfig& v)
{
    json::object o;
    if (v.allow_wildcard_binds) o["AllowWildcardBinds"] = true;
    if (!v.bind_security_descriptor.empty()) o["BindSecurityDescriptor"] = v.bind_security_descriptor;
    if (!v.connect_security_descriptor.empty()) o["ConnectSecurityDescriptor"] = v.connect_security_descriptor;
    return o;
}

json::value encode(const HvSocketSystemConfig& v)
{
    json::object o;
    if (!v.default_bind_security_descriptor.empty()) {
        o["DefaultBindSecurityDescriptor"] = v.default_bind_security_descriptor;
    }
    if (!v.default_connect_security_descriptor.empty()) {
        o["DefaultConnectSecurityDescriptor"] = v.default_connect_security_descriptor;
    }
    if (!v.service_table.empty()) o["ServiceTable"] = encode_map(v.service_table);
    return o;
}

json::value encode(const HvSocket& v)
{
    return json::object{{"HvSocketConfig", encode(v.hv_socket_config)}};
}

json::value encode(const NetworkAdapter& v)
{
    json::object o;
    o["EndpointId"] = v.endpoint_id;
    if (v.mac_address) o["MacAddress"] = *v.mac_address;
    return o;
}

json::value encode(const Plan9&)
{
    return json::object{};
}

json::value encode(const Devices& v)
{
    json::object o;
    if (!v.scsi.empty()) o["Scsi"] = encode_map(v.scsi);
    if (v.hv_socket) o["HvSocket"] = encode(*v.hv_socket);
    if (v.plan9) o["Plan9"] = encode(*v.plan9);
    if (!v.com_ports.empty()) o["ComPorts"] = encode_map(v.com_ports);
    if (!v.network_adapters.empty()) o["NetworkAdapters"] = encode_map(v.network_adapters);
    return o;
}

json::value encode(const VirtualMachine& v)
{
    json::object o;
    if (v.stop_on_reset) o["StopOnReset"] = true;
    if (v.chipset) o["Chipset"] = encode(*v.chipset);
    if (v.compute_topology) o["ComputeTopology"] = encode(*v.compute_topology);
    if (v.devices) o["Devices"] = encode(*v.devices);
    return o;
}

json::value encode(const ComputeSystem& v)
{
    json::object o;
    if (v.owner) o["Owner"] = *v.owner;
    if (v.schema_version) o["SchemaVersion"] = encode(*v.schema_version);
    o["ShouldTerminateOnLastHandleClosed"] = v.should_terminate_on_last_handle_closed;
    if (v.virtual_machine) o["VirtualMachine"] = encode(*v.virtual_machine);
    return o;
}

std::string serialize(const ComputeSystem& document)
{
    return json::compact(encode(document));
}

}  // namespace hvsup::hcs::schema
