// SPDX-License-Identifier: MIT
// The compute-system document for one VM (docs/hcs.md, "The document"): pure code, no files touched, no host
// queried. The supervisor gathers the facts (supervisor/compute_document.hpp: paths, command
// line, HCN endpoint, the host's schema versions) and hands the result to HcsClient::create.
#pragma once

#include "hcs/schema/compute_system.hpp"
#include "core/guest_nic.hpp"

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

// The boot a host supports when the caller did not choose one (docs/hcs.md, "The document"):
// LinuxKernelDirect is schema 2.2 (Windows 10 1903, build 18362; hcsshim requires ≥ 18286) and
// x64 only, so a host whose highest schema is below 2.2 (Server 2019 / 1809) or an ARM64 host
// boots UEFI/VmbFs. An unknown schema version keeps the reference's kernel-direct boot.
struct BootChoice {
    BootMode mode = BootMode::kernel_direct;
    std::string reason;  // one sentence for doctor and plan
};
inline constexpr int32_t kernel_direct_schema_minor = 2;  // schema 2.2
BootChoice choose_boot_mode(const std::optional<schema::Version>& host_highest, std::string_view architecture);

// What the compute-system document is made of, as plain facts about the VM: the supervisor
// translates a request into these (supervisor/compute_document.hpp); nothing here knows the
// request protocol.
struct VmFacts {
    std::string id;                   // the compute-system id (identity.runtimeID)
    std::string owner = "microagent";
    BootMode boot = BootMode::kernel_direct;
    std::string kernel_path;          // kernel-direct: the kernel file; UEFI: the EFI-stub kernel
    std::string kernel_command_line;  // verbatim: KernelCmdLine or the UEFI entry's OptionalData
    std::string rootfs_path;          // SCSI 0:0
    struct Disk {
        std::string path;
        bool read_only = false;
    };
    std::vector<Disk> disks;          // SCSI 0:1.. in this order
    int64_t memory_mib = 0;           // rounded up to 2 MiB
    int64_t cpu_count = 0;
    // Hyper-V socket services by vsock port: guest-to-host (the guest connects: listeners)
    // and host-to-guest (the host connects: forwards, shell, exec). A port in both lists is
    // host-to-guest.
    std::vector<uint32_t> guest_to_host_ports;
    std::vector<uint32_t> host_to_guest_ports;
    std::string serial_pipe;          // COM1 named pipe, verbatim; empty = no ComPorts
    // The network adapter: its endpoint (and MAC when HCN reported one). Unset or an empty
    // endpoint id = no NetworkAdapters. The addressing fields are the command line's business.
    std::optional<GuestNic> nic;
    // The host's highest supported schema version (HcsClient::highest_schema_version); the
    // document's SchemaVersion is 2.1 capped at it, and it carries only fields this version
    // knows (schema/field_versions.hpp). Unset = assumed_host_schema_version.
    std::optional<schema::Version> host_schema_version;
};

inline constexpr schema::Version reference_schema_version{2, 1};
// What a host that does not answer the schema query is taken to know: choose_boot_mode boots
// it kernel-direct, so it is taken to be a LinuxKernelDirect (2.2) host.
inline constexpr schema::Version assumed_host_schema_version{2, kernel_direct_schema_minor};
inline constexpr const char* sddl_system_admins = "D:P(A;;FA;;;SY)(A;;FA;;;BA)";
inline constexpr const char* sddl_everyone = "D:P(A;;FA;;;WD)";

// `<port as 8 lowercase hex digits>-facb-11e6-bd58-64006a7986d3`: the Hyper-V socket service
// of a Linux guest's AF_VSOCK port (docs/hvsock.md).
std::string vsock_service_id(uint32_t port);

// Every path the VM worker opens that HcsGrantVmAccess must cover: the kernel file
// (kernel-direct) or the VmbFs root folder the UEFI loader reads it from, then the rootfs VHD,
// then the data disks in order.
std::vector<std::string> vm_access_paths(const VmFacts& facts);

// The typed document. Throws ErrorCode::invalid_argument for a missing name, kernel or rootfs
// (`compute system name is required`, `kernel path is required`, `rootfs path is required`),
// and for a document the host's schema cannot express (`the host's HCS schema <v> does not
// know <field> (new in <v>)`, e.g. kernel-direct boot forced on a 2.1 host).
schema::ComputeSystem build_document(const VmFacts& facts);

// build_document serialised as HCS receives it (compact JSON).
std::string document_json(const VmFacts& facts);

}  // namespace hvsup::hcs
