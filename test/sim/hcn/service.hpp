// SPDX-License-Identifier: MIT
// What the simulated HNS does for each entry point, on the JSON level (the exports convert
// strings and handles). Every function runs under a Store (the cross-process lock) and throws
// Failure the way HCN fails.
#pragma once

#include "store.hpp"

#include <string>

namespace hvsup::sim::hcn {

// Query text (may be empty) -> JSON array of the matching ids.
std::string enumerate_networks(const Store& store, const std::string& query);
std::string enumerate_endpoints(const Store& store, const std::string& query);

// Strictly validated settings; requested_id empty (the zero GUID) lets HNS choose.
json::object create_network(Store& store, const std::string& requested_id, const std::string& settings);
json::object create_endpoint(Store& store, const std::string& network_id, const std::string& requested_id,
                             const std::string& settings);

// The query is validated (it decides the schema of the answer; only v2 is modelled).
void validate_query(const std::string& query);

void delete_network(Store& store, const std::string& id);
void delete_endpoint(Store& store, const std::string& id);

}  // namespace hvsup::sim::hcn
