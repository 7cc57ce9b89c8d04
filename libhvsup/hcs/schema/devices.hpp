// SPDX-License-Identifier: MIT
// Schema-v2 Devices: SCSI disks, COM ports, Hyper-V socket service table, NICs, Plan9.
// Map keys follow HCS: SCSI controller name, LUN and COM port index as decimal strings,
// service GUIDs in lowercase 8-4-4-4-12 form. std::map keeps Go's sorted key order.
#pragma once

#include <map>
#include <optional>
#include <string>

namespace hvsup::hcs::schema {

enum class AttachmentType { virtual_disk, iso, pass_thru };

// Devices.Scsi.<controller>.Attachments.<lun>
struct Attachment {
    AttachmentType type = AttachmentType::virtual_disk;  // Type
    std::string path;                                    // Path
    bool read_only = false;                              // ReadOnly (always written)
};

struct Scsi {
    std::map<std::string, Attachment> attachments;  // Attachments
};

// Devices.ComPorts.<index>; "0" is COM1.
struct ComPort {
    std::string named_pipe;  // NamedPipe
};

// Devices.HvSocket.HvSocketConfig.ServiceTable.<service GUID>
struct HvSocketServiceConfig {
    std::string bind_security_descriptor;     // BindSecurityDescriptor
    std::string connect_security_descriptor;  // ConnectSecurityDescriptor
    bool allow_wildcard_binds = false;        // AllowWildcardBinds
};

struct HvSocketSystemConfig {
    std::string default_bind_security_descriptor;                // DefaultBindSecurityDescriptor
    std::string default_connect_security_descriptor;             // DefaultConnectSecurityDescriptor
    std::map<std::string, HvSocketServiceConfig> service_table;  // ServiceTable (omitted when empty)
};

struct HvSocket {
    HvSocketSystemConfig hv_socket_config;  // HvSocketConfig
};

// Devices.NetworkAdapters.<name>
struct NetworkAdapter {
    std::string endpoint_id;                 // EndpointId (HCN endpoint GUID)
    std::optional<std::string> mac_address;  // MacAddress
};

// Devices.Plan9: always the empty object here (no shares).
struct Plan9 {};

struct Devices {
    std::map<std::string, Scsi> scsi;                        // Scsi
    std::optional<HvSocket> hv_socket;                       // HvSocket
    std::optional<Plan9> plan9;                              // Plan9
    std::map<std::string, ComPort> com_ports;                // ComPorts (omitted when empty)
    std::map<std::string, NetworkAdapter> network_adapters;  // NetworkAdapters (omitted when empty)
};

}  // namespace hvsup::hcs::schema
