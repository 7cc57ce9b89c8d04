// SPDX-License-Identifier: MIT
// Property documents HCS returns: compute-system properties (HcsGetComputeSystemProperties),
// service properties (HcsGetServiceProperties), the exit status of SystemExited and the
// result/error document of a failed call.
#pragma once

#include "hcs/schema/version.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hvsup::hcs::schema {

struct Properties {
    std::string id;           // Id
    std::string system_type;  // SystemType
    std::string owner;        // Owner
    std::string runtime_id;   // RuntimeId (the hvsock VM id)
    std::string state;        // State ("Created", "Running", "Paused", "Stopped", ...)
    bool stopped = false;     // Stopped
    std::string exit_type;    // ExitType
};

// SystemExitStatus, the EventData of SystemExited.
struct SystemExitStatus {
    int32_t status = 0;     // Status (HRESULT)
    std::string exit_type;  // ExitType: "GracefulExit" | "ForcedExit" | "UnexpectedExit" | ...
};

// ResultError: what a failed call returns as its result document.
struct ResultError {
    int32_t error = 0;                        // Error
    std::string error_message;                // ErrorMessage
    std::vector<std::string> event_messages;  // ErrorEvents[].Message
};

// Decoders are lenient as Go's encoding/json is: unknown keys ignored, keys case-insensitive.
// A document that is not JSON or not an object throws ErrorCode::host naming `what`.
Properties decode_properties(std::string_view text);
SystemExitStatus decode_exit_status(std::string_view text);
ResultError decode_result_error(std::string_view text);

// The SupportedSchemaVersions of a {"PropertyTypes":["Basic"]} service query.
std::vector<Version> decode_supported_schema_versions(std::string_view text);

// The LogicalProcessorCount of a {"PropertyTypes":["ProcessorTopology"]} service query
// (hcsshim's ProcessorTopology); 0 when the host did not report one.
uint32_t decode_logical_processor_count(std::string_view text);

// The query documents (compact JSON).
std::string basic_service_query();
std::string processor_topology_service_query();

}  // namespace hvsup::hcs::schema
