// SPDX-License-Identifier: MIT
// Seeding and inspecting the HCN simulator's state from C++ tests (the same files hcnsim.py
// reads from pytest; README.md describes them). Header-only; test code only.
#pragma once

#include "core/files.hpp"
#include "core/json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace hvsup::sim::hcn::testing {

inline std::filesystem::path state_root(const std::filesystem::path& sim_dir)
{
    return sim_dir / "hcn";
}

inline std::string new_id()
{
    static std::mt19937_64 rng{std::random_device{}()};
    const uint64_t a = rng(), b = rng();
    return fmt::format("{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}", uint32_t(a >> 32), uint16_t(a >> 16),
                       uint16_t(a & 0xfff), uint16_t(0x8000 | ((b >> 48) & 0x3fff)), b & 0xffffffffffffULL);
}

// Writes a network as HNS would report it and returns its id. `prefix` empty = no IPAM (an
// external switch); ipam_type "Dhcp" = addresses the guest must get by DHCP (ICS Default Switch).
inline std::string seed_network(const std::filesystem::path& sim_dir, const std::string& name, const std::string& type,
                                const std::string& prefix = {}, const std::string& gateway = {},
                                const std::string& ipam_type = "Static", const std::vector<std::string>& dns = {})
{
    const std::string id = new_id();
    json::object n{{"ID", id}, {"Name", name}, {"Type", type}};
    if (!prefix.empty()) {
        json::object subnet{{"IpAddressPrefix", prefix}};
        if (!gateway.empty()) {
            subnet["Routes"] = json::array{json::object{{"NextHop", gateway}, {"DestinationPrefix", "0.0.0.0/0"}}};
        }
        n["Ipams"] = json::array{json::object{{"Type", ipam_type}, {"Subnets", json::array{subnet}}}};
    }
    if (!dns.empty()) {
        json::array list;
        for (const auto& d : dns) list.emplace_back(d);
        n["Dns"] = json::object{{"ServerList", list}};
    }
    n["SchemaVersion"] = json::object{{"Major", 2}, {"Minor", 0}};
    files::ensure_private_dir(state_root(sim_dir) / "networks");
    files::write_atomic(state_root(sim_dir) / "networks" / (id + ".json"), json::pretty(n));
    return id;
}

inline std::vector<json::object> read_dir(const std::filesystem::path& dir)
{
    std::vector<json::object> out;
    if (!std::filesystem::exists(dir)) return out;
    std::vector<std::filesystem::path> paths;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        if (e.path().extension() == ".json") paths.push_back(e.path());
    }
    std::sort(paths.begin(), paths.end());
    for (const auto& p : paths) {
        auto text = files::read_if_exists(p, 1 << 20);
        if (text) out.push_back(json::parse(*text, p.string()).as_object());
    }
    return out;
}

// Live endpoints / networks (their HCN properties), sorted by id.
inline std::vector<json::object> list_endpoints(const std::filesystem::path& sim_dir)
{
    return read_dir(state_root(sim_dir) / "endpoints");
}
inline std::vector<json::object> list_networks(const std::filesystem::path& sim_dir)
{
    return read_dir(state_root(sim_dir) / "networks");
}

// Makes the next `count` calls of `function` fail with `hresult` (count 0: every call), after
// letting the first `skip` calls pass.
inline void inject_fault(const std::filesystem::path& sim_dir, const std::string& function, uint32_t hresult,
                         int count = 1, const std::string& message = "injected failure", int skip = 0)
{
    const auto file = state_root(sim_dir) / "faults.json";
    json::object all;
    if (auto text = files::read_if_exists(file, 1 << 20)) all = json::parse(*text, "faults.json").as_object();
    json::object fault{{"hresult", fmt::format("0x{:08x}", hresult)}, {"message", message}};
    if (count > 0) fault["count"] = count;
    if (skip > 0) fault["skip"] = skip;
    all[function] = fault;
    files::ensure_private_dir(state_root(sim_dir));
    files::write_atomic(file, json::pretty(all));
}

// Makes the next `count` calls of an enumerate entry point succeed with `result` (e.g. "[]").
inline void inject_result(const std::filesystem::path& sim_dir, const std::string& function, const std::string& result,
                          int count = 1)
{
    const auto file = state_root(sim_dir) / "faults.json";
    json::object all;
    if (auto text = files::read_if_exists(file, 1 << 20)) all = json::parse(*text, "faults.json").as_object();
    json::object fault{{"result", result}};
    if (count > 0) fault["count"] = count;
    all[function] = fault;
    files::ensure_private_dir(state_root(sim_dir));
    files::write_atomic(file, json::pretty(all));
}

// The entry points called so far, in order.
inline std::vector<std::string> calls(const std::filesystem::path& sim_dir)
{
    std::vector<std::string> out;
    std::ifstream in(state_root(sim_dir) / "calls.log");
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

}  // namespace hvsup::sim::hcn::testing
