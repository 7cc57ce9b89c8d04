// SPDX-License-Identifier: MIT
// Schema-v2 Chipset: how the VM boots (docs/hcs.md, "The document").
#pragma once

#include <optional>
#include <string>

namespace hvsup::hcs::schema {

// Chipset.LinuxKernelDirect (schema 2.2 in the docs; accepted with 2.1 in practice).
struct LinuxKernelDirect {
    std::string kernel_file_path;             // KernelFilePath
    std::optional<std::string> init_rd_path;  // InitRdPath
    std::string kernel_cmd_line;              // KernelCmdLine
};

enum class UefiDeviceType { scsi_drive, vmb_fs, network, file };

// Chipset.Uefi.BootThis
struct UefiBootEntry {
    UefiDeviceType device_type = UefiDeviceType::vmb_fs;  // DeviceType
    std::string device_path;                              // DevicePath, "\\<file>" for VmbFs
    std::optional<std::string> vmb_fs_root_path;          // VmbFsRootPath
    std::optional<std::string> optional_data;             // OptionalData: the kernel command line
};

enum class UefiSecureBootTemplate { skip, apply };

// Chipset.Uefi
struct Uefi {
    std::optional<UefiSecureBootTemplate> apply_secure_boot_template;  // ApplySecureBootTemplate
    std::optional<UefiBootEntry> boot_this;                            // BootThis
};

struct Chipset {
    std::optional<Uefi> uefi;                              // Uefi
    std::optional<LinuxKernelDirect> linux_kernel_direct;  // LinuxKernelDirect
};

}  // namespace hvsup::hcs::schema
