// SPDX-License-Identifier: MIT
// The compute-system document for one microagent runtime (microagent-protocol.md §7.3):
// pure code, no files touched, no host queried. The supervisor gathers the inputs (resolved
// network, HCN endpoint, the host's schema versions) and hands the result to HcsClient::create.
#pragma once

#include "hcs/schema/compute_system.hpp"
#include "protocol/types.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hvsup::hcs {

// LinuxKernelDirect (the reference) or UEFI booting an EFI-stub kernel from a VmbFs share of
// the kernel's directory, for hosts without kernel-direct boot (Server 2019, ARM64).
enum class BootMode { kernel_direct, uefi_vmbfs };

const char* to_string(BootMode mode);  // "kernel-direct" | "uefi-vmbfs"
// Parses "kernel-direct" / "uefi-vmbfs"; throws ErrorCode::invalid_argument otherwise.
BootMode parse_boot_mode(std::string_view text);

// The boot a host supports when the caller did not choose one (hyperv-host.md §2.4):
// LinuxKernelDirect is schema 2.2 (Windows 10 1903, build 18362; hcsshim requires ≥ 18286) and
// x64 only, so a host whose highest schema is below 2.2 (Server 2019 / 1809) or an ARM64 host
// boots UEFI/VmbFs. An unknown schema version keeps the reference's kernel-direct boot.
struct BootChoice {
    BootMode mode = BootMode::kernel_direct;
    std::string reason;  // one sentence for doctor and plan
};
inline constexpr int32_t kernel_direct_schema_minor = 2;  // schema 2.2
BootChoice choose_boot_mode(const std::optional<schema::Version>& host_highest, std::string_view architecture);

// Guest network values known at run time (after HCN gave the endpoint its address).
struct RuntimeNetwork {
    std::string ip;         // "192.168.127.2" or "192.168.127.2/24"
    int prefix_length = 0;  // used when `ip` has no "/n"; 0 = unknown (24 assumed)
    std::string gateway;
    std::vector<std::string> dns;
    std::vector<std::string> hosts;  // "name:ip" entries for microagent_net_hosts
};

struct DocumentInputs {
    // The normalised request config. When `network` is unset, the network values come from
    // config.network (ip, subnet prefix, gateway, dns): the resolved runtime network the
    // supervisor persisted.
    protocol::Config config;
    std::string runtime_id;   // identity.runtimeID = the compute-system id
    std::string endpoint_id;  // HCN endpoint GUID; empty = no NetworkAdapters
    // The endpoint's MAC as HCN reports it ("00-15-5D-xx-xx-xx"); sent as the adapter's
    // MacAddress as hcsshim and WSL do. Empty = left to HCS.
    std::string endpoint_mac;
    // The host's native machine at run time (core::native_machine: "amd64" | "arm64"); arm64
    // guests get the PL011 console ttyAMA0 instead of ttyS0.
    std::string architecture = "amd64";
    BootMode boot = BootMode::kernel_direct;
    std::optional<RuntimeNetwork> network;
    // The host's highest supported schema version (HcsClient::highest_schema_version); the
    // document's SchemaVersion is 2.1 capped at it, and it carries only fields this version
    // knows (schema/field_versions.hpp). Unset = assumed_host_schema_version.
    std::optional<schema::Version> host_schema_version;
    std::string owner = "microagent";
    // Overrides the detection of a result run (a vsock listener whose target is
    // <stateDir>/<runtimeID>/result.json); unset = detect.
    std::optional<bool> result_run;
};

inline constexpr schema::Version reference_schema_version{2, 1};
// What a host that does not answer the schema query is taken to know: choose_boot_mode boots
// it kernel-direct, so it is taken to be a LinuxKernelDirect (2.2) host.
inline constexpr schema::Version assumed_host_schema_version{2, kernel_direct_schema_minor};
inline constexpr const char* sddl_system_admins = "D:P(A;;FA;;;SY)(A;;FA;;;BA)";
inline constexpr const char* sddl_everyone = "D:P(A;;FA;;;WD)";

// `<port as 8 lowercase hex digits>-facb-11e6-bd58-64006a7986d3` (microagent-protocol.md §7.5).
std::string vsock_service_id(uint32_t port);

// `\\.\pipe\microagent-<runtimeID>-serial`
std::string serial_pipe_name(std::string_view runtime_id);


// The kernel command line alone, in the reference order (for `plan` and the document).
std::string kernel_command_line(const DocumentInputs& inputs);

// Every path the VM worker opens that HcsGrantVmAccess must cover: the kernel file
// (kernel-direct) or the VmbFs root folder the UEFI loader reads it from, then the rootfs VHD,
// then the data disks in request order.
std::vector<std::string> vm_access_paths(const protocol::Config& config, BootMode boot);

// The typed document. Throws ErrorCode::invalid_argument for a missing name, kernel or rootfs
// (`compute system name is required`, `kernel path is required`, `rootfs path is required`),
// and for a document the host's schema cannot express (`the host's HCS schema <v> does not
// know <field> (new in <v>)`, e.g. kernel-direct boot forced on a 2.1 host).
schema::ComputeSystem build_document(const DocumentInputs& inputs);

// build_document serialised as HCS receives it (compact JSON).
std::string document_json(const DocumentInputs& inputs);

}  // namespace hvsup::hcs
