// SPDX-License-Identifier: MIT
// The kernel command line as hvsup-guestinit reads it (docs/guest.md "Kernel command line"):
// the microagent_* keys the host writes (microagent-protocol.md §7.3, §10), the data disks and
// the emulation transport keys. Pure: parses text, touches nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hvsup::guestinit {

// Thrown for a malformed key; the message names the key and the value at fault.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A disk to mount: the device (/dev/sdb...), an absolute mountpoint and ro (read-only, noload)
// or rw.
struct DataDisk {
    std::string device;
    std::string mountpoint;
    bool read_only = false;
};

struct StaticNetwork {
    std::string interface_name;      // microagent_net_if
    std::string ip_cidr;             // microagent_net_ip, "a.b.c.d/n"
    std::string gateway;             // microagent_net_gw
    std::vector<std::string> dns;    // microagent_net_dns, comma separated
    std::vector<std::string> hosts;  // microagent_net_hosts, "name:ip" comma separated
};

struct KernelConfig {
    uint16_t shell_port = 0;    // microagent_shell_port
    uint16_t exec_port = 0;     // microagent_exec_port
    uint16_t secrets_port = 0;  // microagent_secrets_port
    // microagent_result_port overrides run.json "port" (0 in the key disables the result).
    std::optional<uint16_t> result_port;
    std::optional<StaticNetwork> network;  // all of microagent_net_if/ip/gw, or none
    bool dhcp = false;                     // ip=dhcp|on|any
    std::vector<DataDisk> disks;           // microagent_disk=DEV:MOUNTPOINT:MODE, in order
    // The emulation transport (docs/hvsock.md): microagent_vsock_emulation_dir=DIR together with
    // microagent_vm_id=GUID. Absent: AF_VSOCK.
    std::string vsock_emulation_dir;
    std::string vm_id;
    // microagent_vsock_emulation_netns=PATH (with the emulation only): the network namespace
    // its sockets are made in, when the guest's own is another (vsock.hpp).
    std::string vsock_emulation_netns;
};

// Splits like the kernel does: on spaces and tabs, double quotes group (and are dropped).
std::vector<std::string> split_kernel_cmdline(std::string_view text);

// Parses /proc/cmdline text. Keys that do not start with microagent_ (and are not ip=) are
// ignored; a microagent_* key that is unknown is ignored too (newer hosts may add keys), but a
// known key with a bad value throws ConfigError.
KernelConfig parse_kernel_cmdline(std::string_view text);

// Dotted-quad IPv4 ("10.0.0.2"), each part 0-255.
bool is_ipv4(std::string_view text);

// "ro" or "rw" into read_only; anything else throws "mount <mountpoint> mode must be ro or rw".
bool parse_mount_mode(std::string_view mountpoint, std::string_view mode);

}  // namespace hvsup::guestinit
