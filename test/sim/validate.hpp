// SPDX-License-Identifier: MIT
// Strict validation of compute-system documents the way HCS rejects them: an unknown field,
// a field of the wrong type or an impossible value is HCS_E_INVALID_JSON; a missing kernel or
// VHD is ERROR_FILE_NOT_FOUND; a VHD without a valid fixed-VHD footer is ERROR_FILE_CORRUPT.
#pragma once

#include "core/json.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hvsup::sim {

struct Rejection {
    int32_t hresult;
    std::string message;
};

struct HostLimits {
    int32_t max_schema_major = 2;
    int32_t max_schema_minor = 5;
    int64_t processors = 16;
    std::string architecture = "amd64";  // "arm64": no LinuxKernelDirect (Hyper-V on ARM64)
};

// Parses and checks `text`. On success `document` holds it.
std::optional<Rejection> validate_document(std::string_view text, const HostLimits& limits, json::value& document);

// The SCSI VirtualDisk paths of a valid document (what start requires grants for).
std::vector<std::string> attached_disks(const json::value& document);

// What the VM worker reads to boot, which start also requires grants for: the kernel (and
// initrd) of LinuxKernelDirect, or the VmbFsRootPath folder a UEFI VmbFs boot reads from.
std::vector<std::string> boot_files(const json::value& document);

// The kernel command line (LinuxKernelDirect.KernelCmdLine or Uefi.BootThis.OptionalData).
std::string kernel_command_line(const json::value& document);

// Checks the last 512 bytes: "conectix", fixed disk type, checksum, current size.
std::optional<std::string> check_fixed_vhd(const std::string& path);

// {"Error": hr, "ErrorMessage": ..., "ErrorEvents": [{"Message": ...}]}
std::string result_document(int32_t hresult, const std::string& message);

}  // namespace hvsup::sim
