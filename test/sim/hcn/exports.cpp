// SPDX-License-Identifier: MIT
// computenetwork.dll's entry points, as the simulator library exports them (hcn/api.hpp has
// the signatures). Strings returned are malloc'd UTF-16 and freed by this library's own
// CoTaskMemFree export, which the binding looks up in the provider before falling back to
// ole32's.
#include "hcn/api.hpp"
#include "hcn/errors.hpp"
#include "hcn/guid.hpp"
#include "core/utf.hpp"
#include "service.hpp"

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>

#if defined(_WIN32)
#define HVSUP_SIM_HCN_EXPORT extern "C" __declspec(dllexport)
#else
#define HVSUP_SIM_HCN_EXPORT extern "C" __attribute__((visibility("default")))
#endif

namespace {

namespace api = hvsup::hcn::api;
namespace hr = hvsup::hcn::hresult;
namespace sim = hvsup::sim::hcn;
namespace json = hvsup::json;

struct SimHandle {
    bool endpoint;
    std::string id;
};

std::mutex handles_mutex;
std::set<SimHandle*> handles;

void* new_handle(bool endpoint, std::string id)
{
    auto* h = new SimHandle{endpoint, std::move(id)};
    std::lock_guard lock(handles_mutex);
    handles.insert(h);
    return h;
}

// The id behind a live handle of the right kind, or nullopt.
std::optional<std::string> handle_id(void* raw, bool endpoint)
{
    std::lock_guard lock(handles_mutex);
    auto* h = static_cast<SimHandle*>(raw);
    if (!handles.count(h) || h->endpoint != endpoint) return std::nullopt;
    return h->id;
}

bool close_handle(void* raw, bool endpoint)
{
    std::lock_guard lock(handles_mutex);
    auto* h = static_cast<SimHandle*>(raw);
    if (!handles.count(h) || h->endpoint != endpoint) return false;
    handles.erase(h);
    delete h;
    return true;
}

api::PWSTR host_string(const std::string& utf8)
{
    const auto wide = hvsup::utf::to_utf16(utf8);
    auto* p = static_cast<char16_t*>(std::malloc((wide.size() + 1) * sizeof(char16_t)));
    if (p == nullptr) throw std::bad_alloc();
    std::memcpy(p, wide.data(), wide.size() * sizeof(char16_t));
    p[wide.size()] = 0;
    return p;
}

void put(api::PWSTR* out, const std::string& text)
{
    if (out != nullptr) *out = host_string(text);
}

std::string text_of(api::PCWSTR s)
{
    return hvsup::utf::from_host(s);
}

std::string id_of(const api::GUID* g)
{
    if (g == nullptr) throw sim::Failure{hr::e_pointer, "id is NULL"};
    static const auto zero = hvsup::hcn::zero_guid();
    if (std::memcmp(g, &zero, sizeof zero) == 0) return {};
    return hvsup::hcn::format_guid(*g);
}

// Runs an entry point: Failure -> its HRESULT and an HNS error record; anything else -> E_FAIL.
template <typename Body>
api::HRESULT guarded(api::PWSTR* error_record, Body&& body) noexcept
{
    if (error_record != nullptr) *error_record = nullptr;
    sim::Failure failure{0, {}};
    try {
        return body();
    } catch (const sim::Failure& f) {
        failure = f;
    } catch (const std::exception& e) {
        failure = sim::Failure{hr::e_fail, e.what()};
    } catch (...) {
        failure = sim::Failure{hr::e_fail, "unknown simulator failure"};
    }
    try {
        put(error_record,
            json::compact(json::object{
                {"Success", false}, {"Error", failure.message}, {"ErrorCode", static_cast<uint32_t>(failure.hr)}}));
    } catch (...) {
    }
    return failure.hr;
}

}  // namespace

HVSUP_SIM_HCN_EXPORT void HVSUP_HCN_CALL CoTaskMemFree(void* p)
{
    std::free(p);
}

HVSUP_SIM_HCN_EXPORT api::HRESULT HVSUP_HCN_CALL HcnEnumerateNetworks(api::PCWSTR query, api::PWSTR* networks,
                                                                      api::PWSTR* error_record)
{
    return guarded(error_record, [&] {
        if (networks == nullptr) throw sim::Failure{hr::e_pointer, "Networks is NULL"};
        *networks = nullptr;
        sim::Store store("HcnEnumerateNetworks");
        const auto ids = sim::enumerate_networks(store, text_of(query));
        put(networks, store.injected_result().value_or(ids));
        return 0;
    });
}

HVSUP_SIM_HCN_EXPORT api::HRESULT HVSUP_HCN_CALL HcnCreateNetwork(const api::GUID* id, api::PCWSTR settings,
                                                                  api::HCN_NETWORK* network, api::PWSTR* error_record)
{
    return guarded(error_record, [&] {
        if (network == nullptr || settings == nullptr) throw sim::Failure{hr::e_pointer, "NULL argument"};
        *network = nullptr;
        sim::Store store("HcnCreateNetwork");
        const auto props = sim::create_network(store, id_of(id), text_of(settings));
        *network = new_handle(false, std::string(props.at("ID").as_string()));
        return 0;
    });
}

HVSUP_SIM_HCN_EXPORT api::HRESULT HVSUP_HCN_CALL HcnOpenNetwork(const api::GUID* id, api::HCN_NETWORK* network,
                                                                api::PWSTR* error_record)
{
    return guarded(error_record, [&] {
        if (network == nullptr) throw sim::Failure{hr::e_pointer, "Network is NULL"};
        *network = nullptr;
        sim::Store store("HcnOpenNetwork");
        const auto key = id_of(id);
        if (key.empty() || !store.network(key))
            throw sim::Failure{hr::network_not_found, "network " + key + " not found"};
        *network = new_handle(false, key);
        return 0;
    });
}

HVSUP_SIM_HCN_EXPORT api::HRESULT HVSUP_HCN_CALL HcnQueryNetworkProperties(api::HCN_NETWORK network, api::PCWSTR query,
                                                                           api::PWSTR* properties,
                                                                           api::PWSTR* error_record)
{
    return guarded(error_record, [&] {
        if (properties == nullptr) throw sim::Failure{hr::e_pointer, "Properties is NULL"};
        *properties = nullptr;
        const auto id = handle_id(network, false);
        if (!id) throw sim::Failure{hr::e_handle, "invalid network handle"};
        sim::Store store("HcnQueryNetworkProperties");
        sim::validate_query(text_of(query));
        const auto props = store.network(*id);
        if (!props) throw sim::Failure{hr::network_not_found, "network " + *id + " not found"};
        put(properties, json::compact(*props));
        return 0;
    });
}

HVSUP_SIM_HCN_EXPORT api::HRESULT HVSUP_HCN_CALL HcnDeleteNetwork(const api::GUID* id, api::PWSTR* error_record)
{
    return guarded(error_record, [&] {
        sim::Store store("HcnDeleteNetwork");
        sim::delete_network(store, id_of(id));
        return 0;
    });
}

HVSUP_SIM_HCN_EXPORT api::HRESULT HVSUP_HCN_CALL HcnCloseNetwork(api::HCN_NETWORK network)
{
    return close_handle(network, false) ? 0 : hr::e_handle;
}

HVSUP_SIM_HCN_EXPORT api::HRESULT HVSUP_HCN_CALL HcnEnumerateEndpoints(api::PCWSTR query, api::PWSTR* endpoints,
                                                                       api::PWSTR* error_record)
{
    return guarded(error_record, [&] {
        if (endpoints == nullptr) throw sim::Failure{hr::e_pointer, "Endpoints is NULL"};
        *endpoints = nullptr;
        sim::Store store("HcnEnumerateEndpoints");
        const auto ids = sim::enumerate_endpoints(store, text_of(query));
        put(endpoints, store.injected_result().value_or(ids));
        return 0;
    });
}

HVSUP_SIM_HCN_EXPORT api::HRESULT HVSUP_HCN_CALL HcnCreateEndpoint(api::HCN_NETWORK network, const api::GUID* id,
                                                                   api::PCWSTR settings, api::HCN_ENDPOINT* endpoint,
                                                                   api::PWSTR* error_record)
{
    return guarded(error_record, [&] {
        if (endpoint == nullptr || settings == nullptr) throw sim::Failure{hr::e_pointer, "NULL argument"};
        *endpoint = nullptr;
        const auto network_id = handle_id(network, false);
        if (!network_id) throw sim::Failure{hr::e_handle, "invalid network handle"};
        sim::Store store("HcnCreateEndpoint");
        const auto props = sim::create_endpoint(store, *network_id, id_of(id), text_of(settings));
        *endpoint = new_handle(true, std::string(props.at("ID").as_string()));
        return 0;
    });
}

HVSUP_SIM_HCN_EXPORT api::HRESULT HVSUP_HCN_CALL HcnOpenEndpoint(const api::GUID* id, api::HCN_ENDPOINT* endpoint,
                                                                 api::PWSTR* error_record)
{
    return guarded(error_record, [&] {
        if (endpoint == nullptr) throw sim::Failure{hr::e_pointer, "Endpoint is NULL"};
        *endpoint = nullptr;
        sim::Store store("HcnOpenEndpoint");
        const auto key = id_of(id);
        if (key.empty() || !store.endpoint(key))
            throw sim::Failure{hr::endpoint_not_found, "endpoint " + key + " not found"};
        *endpoint = new_handle(true, key);
        return 0;
    });
}

HVSUP_SIM_HCN_EXPORT api::HRESULT HVSUP_HCN_CALL HcnQueryEndpointProperties(api::HCN_ENDPOINT endpoint,
                                                                            api::PCWSTR query, api::PWSTR* properties,
                                                                            api::PWSTR* error_record)
{
    return guarded(error_record, [&] {
        if (properties == nullptr) throw sim::Failure{hr::e_pointer, "Properties is NULL"};
        *properties = nullptr;
        const auto id = handle_id(endpoint, true);
        if (!id) throw sim::Failure{hr::e_handle, "invalid endpoint handle"};
        sim::Store store("HcnQueryEndpointProperties");
        sim::validate_query(text_of(query));
        const auto props = store.endpoint(*id);
        if (!props) throw sim::Failure{hr::endpoint_not_found, "endpoint " + *id + " not found"};
        put(properties, json::compact(*props));
        return 0;
    });
}

HVSUP_SIM_HCN_EXPORT api::HRESULT HVSUP_HCN_CALL HcnDeleteEndpoint(const api::GUID* id, api::PWSTR* error_record)
{
    return guarded(error_record, [&] {
        sim::Store store("HcnDeleteEndpoint");
        sim::delete_endpoint(store, id_of(id));
        return 0;
    });
}

HVSUP_SIM_HCN_EXPORT api::HRESULT HVSUP_HCN_CALL HcnCloseEndpoint(api::HCN_ENDPOINT endpoint)
{
    return close_handle(endpoint, true) ? 0 : hr::e_handle;
}
