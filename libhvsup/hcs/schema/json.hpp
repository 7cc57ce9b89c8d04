// SPDX-License-Identifier: MIT
// Serialisers of the schema structs: exact HCS field names, optional fields omitted, enums
// through tables. Field order follows docs/hcs.md, "The document", so documents compare as text.
#pragma once

#include "core/json.hpp"
#include "hcs/schema/compute_system.hpp"

#include <string>

namespace hvsup::hcs::schema {

json::value encode(const Version& v);
json::value encode(const LinuxKernelDirect& v);
json::value encode(const UefiBootEntry& v);
json::value encode(const Uefi& v);
json::value encode(const Chipset& v);
json::value encode(const Memory& v);
json::value encode(const Processor& v);
json::value encode(const Topology& v);
json::value encode(const Attachment& v);
json::value encode(const Scsi& v);
json::value encode(const ComPort& v);
json::value encode(const HvSocketServiceConfig& v);
json::value encode(const HvSocketSystemConfig& v);
json::value encode(const HvSocket& v);
json::value encode(const NetworkAdapter& v);
json::value encode(const Plan9& v);
json::value encode(const Devices& v);
json::value encode(const VirtualMachine& v);
json::value encode(const ComputeSystem& v);

const char* to_string(AttachmentType type);
const char* to_string(UefiDeviceType type);
const char* to_string(UefiSecureBootTemplate value);

// The document as HCS receives it: compact JSON, like Go's json.Marshal.
std::string serialize(const ComputeSystem& document);

}  // namespace hvsup::hcs::schema
