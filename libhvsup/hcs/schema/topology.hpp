// SPDX-License-Identifier: MIT
// Schema-v2 ComputeTopology: memory and processors.
#pragma once

#include <cstdint>
#include <optional>

namespace hvsup::hcs::schema {

// ComputeTopology.Memory ("Memory2"): SizeInMB must be a multiple of 2.
struct Memory {
    uint64_t size_in_mb = 0;               // SizeInMB
    std::optional<bool> allow_overcommit;  // AllowOvercommit
};

// ComputeTopology.Processor ("Processor2")
struct Processor {
    uint32_t count = 0;  // Count
};

struct Topology {
    std::optional<Memory> memory;        // Memory
    std::optional<Processor> processor;  // Processor
};

}  // namespace hvsup::hcs::schema
