// SPDX-License-Identifier: MIT
// Schema-v2 ComputeSystem: the document HcsCreateComputeSystem takes (docs/hcs.md,
// "The document"). Typed structs up to the final serialise (schema/json.hpp).
#pragma once

#include "hcs/schema/chipset.hpp"
#include "hcs/schema/devices.hpp"
#include "hcs/schema/topology.hpp"
#include "hcs/schema/version.hpp"

#include <optional>
#include <string>

namespace hvsup::hcs::schema {

struct VirtualMachine {
    bool stop_on_reset = false;                // StopOnReset (written when true)
    std::optional<Chipset> chipset;            // Chipset
    std::optional<Topology> compute_topology;  // ComputeTopology
    std::optional<Devices> devices;            // Devices
};

struct ComputeSystem {
    std::optional<std::string> owner;                     // Owner
    std::optional<Version> schema_version;                // SchemaVersion
    bool should_terminate_on_last_handle_closed = false;  // ShouldTerminateOnLastHandleClosed (always written)
    std::optional<VirtualMachine> virtual_machine;        // VirtualMachine
};

}  // namespace hvsup::hcs::schema
