// SPDX-License-Identifier: MIT
// The computenetwork.dll binding: a function table filled at run time (docs/hcn.md, "Loading and strings")
// and a thin typed client over it. Strings cross as UTF-16; strings HCN returns are freed with
// CoTaskMemFree — ole32's on Windows, or a `CoTaskMemFree` the provider library exports itself
// (the simulator does; a POSIX provider must, since there is no ole32).
#pragma once

#include "core/json.hpp"
#include "core/shared_library.hpp"
#include "hcn/api.hpp"
#include "hcn/schema.hpp"

#include <memory>
#include <string>
#include <vector>

namespace hvsup::hcn {

class Api {
public:
    // provider_path empty: computenetwork.dll from System32 (Windows only). Otherwise the
    // library at that path. Failure: ErrorCode::unsupported, "load HCN API: <reason>"; on
    // POSIX without a provider the reason is "HCN networking is only available on windows".
    static std::shared_ptr<const Api> load(const std::string& provider_path);

    // "computenetwork.dll" or the provider path.
    const std::string& provider() const noexcept { return library_.name(); }

    api::EnumerateFn enumerate_networks = nullptr;
    api::CreateNetworkFn create_network = nullptr;
    api::OpenNetworkFn open_network = nullptr;
    api::QueryNetworkPropertiesFn query_network_properties = nullptr;
    api::DeleteNetworkFn delete_network = nullptr;
    api::CloseNetworkFn close_network = nullptr;
    api::EnumerateFn enumerate_endpoints = nullptr;
    api::CreateEndpointFn create_endpoint = nullptr;
    api::OpenEndpointFn open_endpoint = nullptr;
    api::QueryEndpointPropertiesFn query_endpoint_properties = nullptr;
    api::DeleteEndpointFn delete_endpoint = nullptr;
    api::CloseEndpointFn close_endpoint = nullptr;
    api::FreeStringFn free_string = nullptr;

private:
    SharedLibrary library_;
    SharedLibrary allocator_library_;  // ole32.dll when the provider has no CoTaskMemFree
};

// A move-only owner of an HCN_NETWORK / HCN_ENDPOINT handle; closes it on destruction.
template <typename Tag>
class Handle {
public:
    Handle() noexcept = default;
    Handle(std::shared_ptr<const Api> api, void* raw) noexcept : api_(std::move(api)), raw_(raw) {}
    ~Handle() { reset(); }
    Handle(Handle&& other) noexcept : api_(std::move(other.api_)), raw_(std::exchange(other.raw_, nullptr)) {}
    Handle& operator=(Handle&& other) noexcept
    {
        if (this != &other) {
            reset();
            api_ = std::move(other.api_);
            raw_ = std::exchange(other.raw_, nullptr);
        }
        return *this;
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;

    void* get() const noexcept { return raw_; }
    explicit operator bool() const noexcept { return raw_ != nullptr; }
    void reset() noexcept
    {
        if (raw_ != nullptr && api_) Tag::close(*api_, raw_);
        raw_ = nullptr;
    }

private:
    std::shared_ptr<const Api> api_;
    void* raw_ = nullptr;
};

struct NetworkTag {
    static void close(const Api& api, void* h) noexcept { api.close_network(h); }
};
struct EndpointTag {
    static void close(const Api& api, void* h) noexcept { api.close_endpoint(h); }
};
using NetworkHandle = Handle<NetworkTag>;
using EndpointHandle = Handle<EndpointTag>;

// Typed calls. Every failure is hcn_error(<entry point>, HRESULT, ErrorRecord); a non-empty
// ErrorRecord with S_OK is a failure too (as hcsshim treats it). Ids are GUID text; an id that
// is not a GUID is ErrorCode::invalid_argument. Thread-safe (HCN is; the client has no state).
class Client {
public:
    explicit Client(std::shared_ptr<const Api> api) : api_(std::move(api)) {}

    const Api& api() const { return *api_; }

    std::vector<std::string> enumerate_networks(const Query& query) const;
    std::vector<std::string> enumerate_endpoints(const Query& query) const;

    // Creates with the all-zero GUID: HCN picks the id (read it from the properties).
    NetworkHandle create_network(const Network& settings) const;
    NetworkHandle open_network(const std::string& id) const;
    json::value network_properties(const NetworkHandle& network) const;
    void delete_network(const std::string& id) const;

    EndpointHandle create_endpoint(const NetworkHandle& network, const Endpoint& settings) const;
    EndpointHandle open_endpoint(const std::string& id) const;
    json::value endpoint_properties(const EndpointHandle& endpoint) const;
    void delete_endpoint(const std::string& id) const;

private:
    std::shared_ptr<const Api> api_;
};

}  // namespace hvsup::hcn
