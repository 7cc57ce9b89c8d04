// SPDX-License-Identifier: MIT
#include "hcn/errors.hpp"

#include "core/json.hpp"

#include <fmt/format.h>

namespace hvsup::hcn {

namespace {

struct Known {
    int32_t hr;
    const char* name;
    const char* description;
};

constexpr Known known[] = {
    {hresult::network_not_found, "HCN_E_NETWORK_NOT_FOUND", "the network was not found"},
    {hresult::endpoint_not_found, "HCN_E_ENDPOINT_NOT_FOUND", "the endpoint was not found"},
    {hresult::subnet_not_found, "HCN_E_SUBNET_NOT_FOUND", "the subnet was not found"},
    {hresult::invalid_network, "HCN_E_INVALID_NETWORK", "invalid or missing network parameters"},
    {hresult::invalid_network_type, "HCN_E_INVALID_NETWORK_TYPE", "invalid network type"},
    {hresult::invalid_endpoint, "HCN_E_INVALID_ENDPOINT", "invalid endpoint parameters"},
    {hresult::invalid_policy, "HCN_E_INVALID_POLICY", "invalid policy"},
    {hresult::network_already_exists, "HCN_E_NETWORK_ALREADY_EXISTS", "a network with this name already exists"},
    {hresult::port_already_exists, "HCN_E_PORT_ALREADY_EXISTS", "the port already exists"},
    {hresult::endpoint_already_attached, "HCN_E_ENDPOINT_ALREADY_ATTACHED", "the endpoint is already attached"},
    {hresult::request_unsupported, "HCN_E_REQUEST_UNSUPPORTED", "the request is not supported"},
    {hresult::invalid_json, "HCN_E_INVALID_JSON", "the settings document is not valid JSON for HCN"},
    {hresult::invalid_ip, "HCN_E_INVALID_IP", "invalid IP address"},
    {hresult::manager_stopped, "HCN_E_MANAGER_STOPPED", "the Host Network Service is stopped"},
    {hresult::ics_disabled, "HCN_E_ICS_DISABLED", "Internet Connection Sharing (SharedAccess) is disabled"},
    {hresult::entity_has_references, "HCN_E_ENTITY_HAS_REFERENCES", "the object is still referenced"},
    {hresult::addr_invalid_or_reserved, "HCN_E_ADDR_INVALID_OR_RESERVED", "the address is invalid or reserved"},
    {hresult::invalid_prefix, "HCN_E_INVALID_PREFIX", "invalid prefix"},
    {hresult::invalid_subnet, "HCN_E_INVALID_SUBNET", "invalid subnet"},
    {hresult::endpoint_not_attached, "HCN_E_ENDPOINT_NOT_ATTACHED", "the endpoint is not attached"},
    {hresult::dup_name, "ERROR_DUP_NAME",
     "a duplicate name exists on the network (HNS reports this when the new network's prefix overlaps an "
     "existing network)"},
    {hresult::e_pointer, "E_POINTER", "invalid pointer"},
    {hresult::e_invalidarg, "E_INVALIDARG", "invalid argument"},
    {hresult::e_handle, "E_HANDLE", "invalid handle"},
    {hresult::e_fail, "E_FAIL", "unspecified failure"},
    {hresult::e_accessdenied, "E_ACCESSDENIED", "access is denied (HCN needs an elevated host)"},
};

const Known* lookup(int32_t hr) noexcept
{
    for (const auto& k : known) {
        if (k.hr == hr) return &k;
    }
    return nullptr;
}

// The human text of an ErrorRecord: the "Error" member of an HNS document, else the text.
std::string record_text(std::string_view record)
{
    std::string_view trimmed = record;
    while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\n')) trimmed.remove_prefix(1);
    if (trimmed.empty()) return {};
    if (trimmed.front() == '{') {
        try {
            const auto v = json::parse(trimmed, "HCN error record");
            if (const auto* obj = v.if_object()) {
                for (const char* key : {"Error", "ErrorMessage", "Message"}) {
                    if (const auto* m = json::find(*obj, key); m != nullptr && m->is_string()) {
                        return json::escape_control(std::string(m->as_string()));
                    }
                }
            }
        } catch (const Error&) {
        }
    }
    return json::escape_control(trimmed);
}

}  // namespace

const char* hresult_name(int32_t hr) noexcept
{
    const auto* k = lookup(hr);
    return k != nullptr ? k->name : "";
}

bool is_not_found(int32_t hr) noexcept
{
    return hr == hresult::network_not_found || hr == hresult::endpoint_not_found;
}

Error hcn_error(std::string_view function, int32_t hr, std::string_view error_record)
{
    std::string message(function);
    message += ": ";
    if (const auto* k = lookup(hr)) {
        message += fmt::format("{} (0x{:08x}): {}", k->name, static_cast<uint32_t>(hr), k->description);
    } else {
        message += fmt::format("HRESULT 0x{:08x}", static_cast<uint32_t>(hr));
    }
    const auto text = record_text(error_record);
    if (!text.empty()) message += ": " + text;
    ErrorCode code = ErrorCode::host;
    if (is_not_found(hr)) code = ErrorCode::not_found;
    if (hr == hresult::network_already_exists) code = ErrorCode::conflict;
    return Error(code, message).with_hresult(hr).with_operation(std::string(function));
}

}  // namespace hvsup::hcn
