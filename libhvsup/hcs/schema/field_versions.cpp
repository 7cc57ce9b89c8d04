// SPDX-License-Identifier: MIT
#include "hcs/schema/field_versions.hpp"

namespace hvsup::hcs::schema {
namespace {

// Map-valued fields: their keys are names chosen by the caller, not schema fields.
bool is_map(std::string_view pattern)
{
    return pattern == "VirtualMachine.Devices.Scsi" || pattern == "VirtualMachine.Devices.Scsi.*.Attachments" ||
           pattern == "VirtualMachine.Devices.ComPorts" || pattern == "VirtualMachine.Devices.NetworkAdapters" ||
           pattern == "VirtualMachine.Devices.HvSocket.HvSocketConfig.ServiceTable";
}

void walk(const json::object& o, const std::string& concrete, const std::string& pattern, Version host,
          std::vector<FieldTooNew>& out)
{
    for (const auto& member : o) {
        const std::string key(member.key());
        const std::string c = concrete.empty() ? key : concrete + "." + key;
        const std::string p = pattern.empty() ? key : pattern + "." + key;
        const auto since = field_since(p);
        if (!since || host < *since) {
            out.push_back({c, since});
            continue;  // the host stops at the first field it does not know
        }
        if (!member.value().is_object()) continue;
        if (is_map(p)) {
            for (const auto& entry : member.value().get_object()) {
                if (entry.value().is_object())
                    walk(entry.value().get_object(), c + "." + std::string(entry.key()), p + ".*", host, out);
            }
        } else {
            walk(member.value().get_object(), c, p, host, out);
        }
    }
}

}  // namespace

const std::vector<FieldVersion>& field_versions()
{
    static const std::vector<FieldVersion> table{
        {"Owner", {2, 0}},
        {"SchemaVersion", {2, 0}},
        {"SchemaVersion.Major", {2, 0}},
        {"SchemaVersion.Minor", {2, 0}},
        {"ShouldTerminateOnLastHandleClosed", {2, 0}},
        {"VirtualMachine", {2, 0}},
        {"VirtualMachine.StopOnReset", {2, 0}},
        {"VirtualMachine.Chipset", {2, 0}},
        {"VirtualMachine.Chipset.Uefi", {2, 0}},
        {"VirtualMachine.Chipset.Uefi.ApplySecureBootTemplate", {2, 3}},
        {"VirtualMachine.Chipset.Uefi.BootThis", {2, 0}},
        {"VirtualMachine.Chipset.Uefi.BootThis.DeviceType", {2, 1}},
        {"VirtualMachine.Chipset.Uefi.BootThis.DevicePath", {2, 1}},
        {"VirtualMachine.Chipset.Uefi.BootThis.VmbFsRootPath", {2, 1}},
        {"VirtualMachine.Chipset.Uefi.BootThis.OptionalData", {2, 1}},
        {"VirtualMachine.Chipset.LinuxKernelDirect", {2, 2}},
        {"VirtualMachine.Chipset.LinuxKernelDirect.KernelFilePath", {2, 2}},
        {"VirtualMachine.Chipset.LinuxKernelDirect.InitRdPath", {2, 2}},
        {"VirtualMachine.Chipset.LinuxKernelDirect.KernelCmdLine", {2, 2}},
        {"VirtualMachine.ComputeTopology", {2, 0}},
        {"VirtualMachine.ComputeTopology.Memory", {2, 0}},
        {"VirtualMachine.ComputeTopology.Memory.SizeInMB", {2, 1}},
        {"VirtualMachine.ComputeTopology.Memory.AllowOvercommit", {2, 1}},
        {"VirtualMachine.ComputeTopology.Processor", {2, 0}},
        {"VirtualMachine.ComputeTopology.Processor.Count", {2, 0}},
        {"VirtualMachine.Devices", {2, 0}},
        {"VirtualMachine.Devices.Scsi", {2, 0}},
        {"VirtualMachine.Devices.Scsi.*.Attachments", {2, 0}},
        {"VirtualMachine.Devices.Scsi.*.Attachments.*.Type", {2, 0}},
        {"VirtualMachine.Devices.Scsi.*.Attachments.*.Path", {2, 0}},
        {"VirtualMachine.Devices.Scsi.*.Attachments.*.ReadOnly", {2, 0}},
        {"VirtualMachine.Devices.HvSocket", {2, 1}},
        {"VirtualMachine.Devices.HvSocket.HvSocketConfig", {2, 1}},
        {"VirtualMachine.Devices.HvSocket.HvSocketConfig.DefaultBindSecurityDescriptor", {2, 0}},
        {"VirtualMachine.Devices.HvSocket.HvSocketConfig.DefaultConnectSecurityDescriptor", {2, 0}},
        {"VirtualMachine.Devices.HvSocket.HvSocketConfig.ServiceTable", {2, 0}},
        {"VirtualMachine.Devices.HvSocket.HvSocketConfig.ServiceTable.*.BindSecurityDescriptor", {2, 0}},
        {"VirtualMachine.Devices.HvSocket.HvSocketConfig.ServiceTable.*.ConnectSecurityDescriptor", {2, 0}},
        {"VirtualMachine.Devices.HvSocket.HvSocketConfig.ServiceTable.*.AllowWildcardBinds", {2, 0}},
        {"VirtualMachine.Devices.Plan9", {2, 0}},
        {"VirtualMachine.Devices.ComPorts", {2, 1}},
        {"VirtualMachine.Devices.ComPorts.*.NamedPipe", {2, 1}},
        {"VirtualMachine.Devices.NetworkAdapters", {2, 0}},
        {"VirtualMachine.Devices.NetworkAdapters.*.EndpointId", {2, 0}},
        {"VirtualMachine.Devices.NetworkAdapters.*.MacAddress", {2, 0}},
    };
    return table;
}

std::optional<Version> field_since(std::string_view path)
{
    for (const auto& row : field_versions()) {
        if (path == row.path) return row.since;
    }
    return std::nullopt;
}

std::vector<FieldTooNew> fields_newer_than(const json::value& document, Version host)
{
    std::vector<FieldTooNew> out;
    if (document.is_object()) walk(document.get_object(), "", "", host, out);
    return out;
}

}  // namespace hvsup::hcs::schema
