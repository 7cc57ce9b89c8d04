// SPDX-License-Identifier: MIT
// Guest networking for the supervisor (docs/hcn.md, "Modes", "Endpoints"): the managed NAT network,
// bridged networks, endpoints named after the runtime, and their release. This is the API the
// supervisor calls from run/start (prepare_network) and from every terminal control and
// failure path (release_endpoint); doctor calls probe().
#pragma once

#include "core/json.hpp"
#include "core/log.hpp"
#include "hcn/client.hpp"
#include "hcn/runtime_network.hpp"
#include "hcn/schema.hpp"

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace hvsup::hcn {

// What prepare_network produced. For `isolated` both ids are empty, `runtime` is the input and
// `nic` is empty (no NetworkAdapters entry, no network items on the kernel command line).
struct NetworkAttachment {
    std::string network_id;        // runtime.json networkID
    std::string endpoint_id;       // runtime.json networkEndpointID; NetworkAdapters["0"].EndpointId
    GuestNetwork runtime;          // runtime.json config.network (the supervisor copies it there)
    std::optional<GuestNic> nic;   // the guest NIC: static address or DHCP

    bool has_endpoint() const { return !endpoint_id.empty(); }
};

// Thread-safe: calls may run concurrently (the binding loads once under a lock; HCN serialises).
// The supervisor's NetworkHost port (supervisor/hcn_network_host.hpp) sits over it.
class Networking final {
public:
    // provider_path: an explicit computenetwork.dll-compatible library (the simulator in tests);
    // empty means computenetwork.dll from System32 (on POSIX every HCN use then fails with
    // ErrorCode::unsupported). Nothing is loaded until the first call that needs HCN.
    explicit Networking(std::string provider_path = {}, Logger logger = {});

    // Attaches a runtime to its network (docs/hcn.md, "Modes"): `config.mode` trimmed, empty = "user".
    //  isolated  -> no HCN call at all.
    //  user, nat -> ensure "microagent-nat" (created only when absent, first free /24), delete
    //               any endpoint named microagent-<runtimeID>, create it, read it back; runtime
    //               mode "nat".
    //  bridged   -> the HCN network named by config.interface; nothing is created unless it
    //               resolves. Errors: `bridged network requires network.interface`,
    //               `resolve bridged HNS network "<name>": …`.
    //  other     -> `unsupported windows-hyperv network mode "<mode>"`.
    // Other errors: `find HNS NAT network "microagent-nat": …`, `create HNS NAT network
    // "microagent-nat": …`, `no free /24 for the managed NAT network; existing HNS subnets: …`,
    // `find stale HNS endpoint "<name>": …`, `delete stale HNS endpoint "<name>": …`,
    // `create HNS endpoint "<name>": …`, `query HNS endpoint "<name>": …` (the new endpoint is
    // deleted before this one is thrown). On any failure no endpoint is left behind.
    NetworkAttachment prepare_network(const GuestNetwork& config, std::string_view runtime_id);

    // Deletes an endpoint by id (docs/hcn.md, "Endpoints"): an empty id is a no-op; not found (on lookup or on
    // delete) is success, and so is an id that is not a GUID (no HCN object can have it). Errors: `find HNS endpoint
    // "<id>": …`, `delete HNS endpoint "<id>": …`. Never deletes a network.
    void release_endpoint(std::string_view endpoint_id);

    // Doctor's HCN check: loads the API and lists networks. Error `probe HCN/HNS access: …`.
    void probe();

    // --- primitives (the hvsup_hcn_* C ABI) ---

    // The managed NAT network's properties, creating it if absent (the steps of prepare_network).
    json::value ensure_nat_network();
    // The properties of the network named `name`, or nullopt.
    std::optional<json::value> find_network(std::string_view name);
    // Creates an endpoint on network `network_id` and returns its properties. With
    // replace_stale, endpoints already named `name` are deleted first.
    json::value create_endpoint(const std::string& network_id, const std::string& name, bool replace_stale);
    // An endpoint's properties; ErrorCode::not_found when it does not exist.
    json::value endpoint_properties(const std::string& endpoint_id);
    // Ids of endpoints named `name` (all endpoints when `name` is empty).
    std::vector<std::string> endpoint_ids(std::string_view name);

    // The binding, loading it on first use. Throws `load HCN API: …`.
    const Client& client();

private:
    Endpoint attach(const Network& network, const std::string& name);
    void delete_stale_endpoints(const std::string& name);
    std::optional<json::value> find_network_properties(std::string_view name);
    std::vector<std::string> existing_subnets();

    std::string provider_path_;
    Logger logger_;
    std::mutex load_mutex_;
    std::unique_ptr<Client> client_;
};

}  // namespace hvsup::hcn
