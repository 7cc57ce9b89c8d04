// SPDX-License-Identifier: MIT
#include "hcn/client.hpp"

#include "core/error.hpp"
#include "core/utf.hpp"
#include "hcn/errors.hpp"
#include "hcn/guid.hpp"
#include "hcn/library.hpp"

#include <utility>

namespace hvsup::hcn {

namespace {

// A string HCN returned, freed with the provider's allocator.
class HostString {
public:
    explicit HostString(const Api& api) : api_(api) {}
    ~HostString()
    {
        if (raw_ != nullptr) api_.free_string(raw_);
    }
    HostString(const HostString&) = delete;
    HostString& operator=(const HostString&) = delete;

    api::PWSTR* out() { return &raw_; }
    std::string text() const { return utf::from_host(raw_); }
    bool empty() const { return raw_ == nullptr || raw_[0] == 0; }

private:
    const Api& api_;
    api::PWSTR raw_ = nullptr;
};

void check(const char* function, api::HRESULT hr, const HostString& record)
{
    if (hr < 0) throw hcn_error(function, hr, record.text());
    if (!record.empty()) throw hcn_error(function, hresult::e_fail, record.text());
}

api::GUID guid_of(const std::string& id)
{
    const auto g = parse_guid(id);
    if (!g) throw Error(ErrorCode::invalid_argument, "invalid HCN id " + json::quote(id) + ": not a GUID");
    return *g;
}

std::vector<std::string> parse_ids(const char* function, const std::string& text)
{
    std::vector<std::string> ids;
    if (text.empty()) return ids;
    const auto v = json::parse(text, std::string(function) + " result");
    if (v.is_null()) return ids;
    const auto* arr = v.if_array();
    if (arr == nullptr) throw Error(ErrorCode::host, std::string(function) + " returned a result that is not an array");
    for (const auto& item : *arr) {
        if (!item.is_string()) throw Error(ErrorCode::host, std::string(function) + " returned a non-string id");
        ids.emplace_back(item.as_string());
    }
    return ids;
}

std::u16string query_text(const Query& q)
{
    return utf::to_utf16(json::compact(encode(q)));
}

json::value parse_properties(const char* function, const HostString& props)
{
    if (props.empty()) throw Error(ErrorCode::host, std::string(function) + " returned no properties");
    return json::parse(props.text(), std::string(function) + " properties");
}

// The ids an enumerate entry point (HcnEnumerateNetworks, HcnEnumerateEndpoints) finds for `query`.
std::vector<std::string> enumerate_ids(const Api& api, api::EnumerateFn enumerate, const char* function,
                                       const Query& query)
{
    HostString ids(api), record(api);
    const auto q = query_text(query);
    const auto hr = enumerate(q.c_str(), ids.out(), record.out());
    check(function, hr, record);
    return parse_ids(function, ids.text());
}

// Takes ownership of the handle a create or open entry point returned, then checks the call:
// a failure closes the handle, and success without a handle is a host error.
template <typename OwnedHandle>
OwnedHandle adopt_handle(const std::shared_ptr<const Api>& api, const char* function, api::HRESULT hr, void* raw,
                         const HostString& record)
{
    OwnedHandle handle(api, raw);
    check(function, hr, record);
    if (!handle) throw Error(ErrorCode::host, std::string(function) + " returned no handle");
    return handle;
}

// HcnCreateNetwork / HcnCreateEndpoint with `settings` and the all-zero GUID, so HCN picks the id.
template <typename OwnedHandle, typename CreateFn, typename Settings>
OwnedHandle create_with_settings(const std::shared_ptr<const Api>& api, CreateFn create, const char* function,
                                 const Settings& settings)
{
    HostString record(*api);
    const auto id = zero_guid();
    const auto text = utf::to_utf16(json::compact(encode(settings)));
    void* raw = nullptr;
    const auto hr = create(&id, text.c_str(), &raw, record.out());
    return adopt_handle<OwnedHandle>(api, function, hr, raw, record);
}

// HcnOpenNetwork / HcnOpenEndpoint of the object with GUID text `id`.
template <typename OwnedHandle, typename OpenFn>
OwnedHandle open_by_id(const std::shared_ptr<const Api>& api, OpenFn open, const char* function, const std::string& id)
{
    HostString record(*api);
    const auto g = guid_of(id);
    void* raw = nullptr;
    const auto hr = open(&g, &raw, record.out());
    return adopt_handle<OwnedHandle>(api, function, hr, raw, record);
}

// HcnQueryNetworkProperties / HcnQueryEndpointProperties with the query for everything.
template <typename QueryFn>
json::value query_all_properties(const Api& api, QueryFn query, const char* function, void* handle)
{
    HostString props(api), record(api);
    const auto q = query_text(query_all());
    const auto hr = query(handle, q.c_str(), props.out(), record.out());
    check(function, hr, record);
    return parse_properties(function, props);
}

// HcnDeleteNetwork / HcnDeleteEndpoint of the object with GUID text `id`.
template <typename DeleteFn>
void delete_by_id(const Api& api, DeleteFn remove, const char* function, const std::string& id)
{
    HostString record(api);
    const auto g = guid_of(id);
    const auto hr = remove(&g, record.out());
    check(function, hr, record);
}

}  // namespace

std::shared_ptr<const Api> Api::load(const std::string& provider_path)
{
    auto a = std::make_shared<Api>();
    try {
        if (provider_path.empty()) {
            a->library_ = detail::open_system_provider();
        } else {
            a->library_ = SharedLibrary::open_path(provider_path);
        }
        const auto& lib = a->library_;
        a->enumerate_networks = lib.require_function<api::EnumerateFn>(api::enumerate_networks_name);
        a->create_network = lib.require_function<api::CreateNetworkFn>(api::create_network_name);
        a->open_network = lib.require_function<api::OpenNetworkFn>(api::open_network_name);
        a->query_network_properties =
            lib.require_function<api::QueryNetworkPropertiesFn>(api::query_network_properties_name);
        a->delete_network = lib.require_function<api::DeleteNetworkFn>(api::delete_network_name);
        a->close_network = lib.require_function<api::CloseNetworkFn>(api::close_network_name);
        a->enumerate_endpoints = lib.require_function<api::EnumerateFn>(api::enumerate_endpoints_name);
        a->create_endpoint = lib.require_function<api::CreateEndpointFn>(api::create_endpoint_name);
        a->open_endpoint = lib.require_function<api::OpenEndpointFn>(api::open_endpoint_name);
        a->query_endpoint_properties =
            lib.require_function<api::QueryEndpointPropertiesFn>(api::query_endpoint_properties_name);
        a->delete_endpoint = lib.require_function<api::DeleteEndpointFn>(api::delete_endpoint_name);
        a->close_endpoint = lib.require_function<api::CloseEndpointFn>(api::close_endpoint_name);
        a->free_string = lib.find_function<api::FreeStringFn>(api::free_string_name);
        if (a->free_string == nullptr) {
            a->allocator_library_ = detail::open_system_allocator(lib);
            a->free_string = a->allocator_library_.require_function<api::FreeStringFn>(api::free_string_name);
        }
    } catch (const Error& e) {
        throw with_context(e, "load HCN API");
    }
    return a;
}

std::vector<std::string> Client::enumerate_networks(const Query& query) const
{
    return enumerate_ids(*api_, api_->enumerate_networks, api::enumerate_networks_name, query);
}

std::vector<std::string> Client::enumerate_endpoints(const Query& query) const
{
    return enumerate_ids(*api_, api_->enumerate_endpoints, api::enumerate_endpoints_name, query);
}

NetworkHandle Client::create_network(const Network& settings) const
{
    return create_with_settings<NetworkHandle>(api_, api_->create_network, api::create_network_name, settings);
}

NetworkHandle Client::open_network(const std::string& id) const
{
    return open_by_id<NetworkHandle>(api_, api_->open_network, api::open_network_name, id);
}

json::value Client::network_properties(const NetworkHandle& network) const
{
    return query_all_properties(*api_, api_->query_network_properties, api::query_network_properties_name,
                                network.get());
}

void Client::delete_network(const std::string& id) const
{
    delete_by_id(*api_, api_->delete_network, api::delete_network_name, id);
}

EndpointHandle Client::create_endpoint(const NetworkHandle& network, const Endpoint& settings) const
{
    auto create_in_network = [&](const api::GUID* id, api::PCWSTR text, api::HCN_ENDPOINT* raw, api::PWSTR* record) {
        return api_->create_endpoint(network.get(), id, text, raw, record);
    };
    return create_with_settings<EndpointHandle>(api_, create_in_network, api::create_endpoint_name, settings);
}

EndpointHandle Client::open_endpoint(const std::string& id) const
{
    return open_by_id<EndpointHandle>(api_, api_->open_endpoint, api::open_endpoint_name, id);
}

json::value Client::endpoint_properties(const EndpointHandle& endpoint) const
{
    return query_all_properties(*api_, api_->query_endpoint_properties, api::query_endpoint_properties_name,
                                endpoint.get());
}

void Client::delete_endpoint(const std::string& id) const
{
    delete_by_id(*api_, api_->delete_endpoint, api::delete_endpoint_name, id);
}

}  // namespace hvsup::hcn
