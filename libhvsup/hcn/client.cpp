// SPDX-License-Identifier: MIT
#include "hcn/client.hpp"

#include "core/error.hpp"
#include "core/utf.hpp"
#include "hcn/errors.hpp"
#include "hcn/guid.hpp"

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
    return utf::to_utf16(json::compact(to_json(q)));
}

json::value parse_properties(const char* function, const HostString& props)
{
    if (props.empty()) throw Error(ErrorCode::host, std::string(function) + " returned no properties");
    return json::parse(props.text(), std::string(function) + " properties");
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
    HostString ids(*api_), record(*api_);
    const auto q = query_text(query);
    const auto hr = api_->enumerate_networks(q.c_str(), ids.out(), record.out());
    check(api::enumerate_networks_name, hr, record);
    return parse_ids(api::enumerate_networks_name, ids.text());
}

std::vector<std::string> Client::enumerate_endpoints(const Query& query) const
{
    HostString ids(*api_), record(*api_);
    const auto q = query_text(query);
    const auto hr = api_->enumerate_endpoints(q.c_str(), ids.out(), record.out());
    check(api::enumerate_endpoints_name, hr, record);
    return parse_ids(api::enumerate_endpoints_name, ids.text());
}

NetworkHandle Client::create_network(const Network& settings) const
{
    HostString record(*api_);
    const auto id = zero_guid();
    const auto text = utf::to_utf16(json::compact(to_json(settings)));
    api::HCN_NETWORK raw = nullptr;
    const auto hr = api_->create_network(&id, text.c_str(), &raw, record.out());
    NetworkHandle handle(api_, raw);
    check(api::create_network_name, hr, record);
    if (!handle) throw Error(ErrorCode::host, "HcnCreateNetwork returned no handle");
    return handle;
}

NetworkHandle Client::open_network(const std::string& id) const
{
    HostString record(*api_);
    const auto g = guid_of(id);
    api::HCN_NETWORK raw = nullptr;
    const auto hr = api_->open_network(&g, &raw, record.out());
    NetworkHandle handle(api_, raw);
    check(api::open_network_name, hr, record);
    if (!handle) throw Error(ErrorCode::host, "HcnOpenNetwork returned no handle");
    return handle;
}

json::value Client::network_properties(const NetworkHandle& network) const
{
    HostString props(*api_), record(*api_);
    const auto q = query_text(query_all());
    const auto hr = api_->query_network_properties(network.get(), q.c_str(), props.out(), record.out());
    check(api::query_network_properties_name, hr, record);
    return parse_properties(api::query_network_properties_name, props);
}

void Client::delete_network(const std::string& id) const
{
    HostString record(*api_);
    const auto g = guid_of(id);
    const auto hr = api_->delete_network(&g, record.out());
    check(api::delete_network_name, hr, record);
}

EndpointHandle Client::create_endpoint(const NetworkHandle& network, const Endpoint& settings) const
{
    HostString record(*api_);
    const auto id = zero_guid();
    const auto text = utf::to_utf16(json::compact(to_json(settings)));
    api::HCN_ENDPOINT raw = nullptr;
    const auto hr = api_->create_endpoint(network.get(), &id, text.c_str(), &raw, record.out());
    EndpointHandle handle(api_, raw);
    check(api::create_endpoint_name, hr, record);
    if (!handle) throw Error(ErrorCode::host, "HcnCreateEndpoint returned no handle");
    return handle;
}

EndpointHandle Client::open_endpoint(const std::string& id) const
{
    HostString record(*api_);
    const auto g = guid_of(id);
    api::HCN_ENDPOINT raw = nullptr;
    const auto hr = api_->open_endpoint(&g, &raw, record.out());
    EndpointHandle handle(api_, raw);
    check(api::open_endpoint_name, hr, record);
    if (!handle) throw Error(ErrorCode::host, "HcnOpenEndpoint returned no handle");
    return handle;
}

json::value Client::endpoint_properties(const EndpointHandle& endpoint) const
{
    HostString props(*api_), record(*api_);
    const auto q = query_text(query_all());
    const auto hr = api_->query_endpoint_properties(endpoint.get(), q.c_str(), props.out(), record.out());
    check(api::query_endpoint_properties_name, hr, record);
    return parse_properties(api::query_endpoint_properties_name, props);
}

void Client::delete_endpoint(const std::string& id) const
{
    HostString record(*api_);
    const auto g = guid_of(id);
    const auto hr = api_->delete_endpoint(&g, record.out());
    check(api::delete_endpoint_name, hr, record);
}

}  // namespace hvsup::hcn
