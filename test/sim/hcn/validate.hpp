// SPDX-License-Identifier: MIT
// Strict validation of the documents the simulated HNS receives: unknown fields (exact,
// case-sensitive names) and wrong types are HCN_E_INVALID_JSON; semantic problems get the
// HRESULT HNS uses. Every check throws Failure.
#pragma once

#include "store.hpp"

#include "hcn/cidr.hpp"

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace hvsup::sim::hcn {

using KeySet = std::set<std::string>;

[[noreturn]] void fail(int32_t code, std::string message);

json::value parse_document(const std::string& text, const char* what);
const json::object& require_object(const json::value& v, const std::string& path);
const json::array& require_array(const json::value& v, const std::string& path);
std::string require_string(const json::value& v, const std::string& path);
void require_number(const json::value& v, const std::string& path);
void only_keys(const json::object& o, const KeySet& allowed, const std::string& path);
// The string member `key` ("" when absent); a non-string is an error.
std::string string_field(const json::object& o, const char* key, const std::string& path);

void check_schema_version(const json::object& o, const std::string& path);
void check_strings(const json::value& v, const std::string& path);
void check_dns(const json::value& v, const std::string& path);
void check_routes(const json::value& v, const std::string& path);
void check_policies(const json::value& v, const std::string& path);

struct SubnetInfo {
    hvsup::hcn::Ipv4Prefix prefix;
    std::string text;
    std::vector<std::pair<std::string, std::string>> routes;  // (next hop, destination)
};

// Validates network settings (hyperv-host.md §3.3) and returns the IPAM subnets.
std::vector<SubnetInfo> check_network_settings(const json::object& settings);

// The filter of a HostComputeQuery ({} for none); the query itself is validated.
json::object query_filter(const std::string& query);

}  // namespace hvsup::sim::hcn
