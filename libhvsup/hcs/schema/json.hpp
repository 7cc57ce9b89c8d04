// SPDX-License-Identifier: MIT
// Serialisers of the schema structs: exact HCS field names, optional fields omitted, enums
// through tables. Field order follows docs/hcs.md, "The document", so documents compare as text.
#pragma once

#include "core/json.hpp"
#include "hcs/schema/compute_system.hpp"

#include <string>

namespace hvsup::hcs::schema {

json::value to_json(const Version& v);
json::value to_json(const LinuxKernelDirect& v);
json::value to_json(const UefiBootEntry& v);
json::value to_json(const Uefi& v);
json::value to_json(const Chipset& v);
json::value to_json(const Memory& v);
json::value to_json(const Processor& v);
json::value to_json(const Topology& v);
json::value to_json(const Attachment& v);
json::value to_json(const Scsi& v);
json::value to_json(const ComPort& v);
json::value to_json(const HvSocketServiceConfig& v);
json::value to_json(const HvSocketSystemConfig& v);
json::value to_json(const HvSocket& v);
json::value to_json(const NetworkAdapter& v);
json::value to_json(const Plan9& v);
json::value to_json(const Devices& v);
json::value to_json(const VirtualMachine& v);
json::value to_json(const ComputeSystem& v);

const char* to_string(AttachmentType type);
const char* to_string(UefiDeviceType type);
const char* to_string(UefiSecureBootTemplate value);

// The document as HCS receives it: compact JSON, like Go's json.Marshal.
std::string serialize(const ComputeSystem& document);

}  // namespace hvsup::hcs::schema
