// SPDX-License-Identifier: MIT
// The raw entry points of computenetwork.dll (docs/hcn.md, "Loading and strings") as function-pointer types.
// Strings are UTF-16: char16_t has the size and encoding of Windows' wchar_t, so the same table
// works against the real DLL and against the simulator on Linux. Shared with test/sim/hcn,
// which implements these signatures.
#pragma once

#include <cstdint>

#if defined(_WIN32)
#define HVSUP_HCN_CALL __stdcall
#else
#define HVSUP_HCN_CALL
#endif

namespace hvsup::hcn::api {

using HRESULT = int32_t;
using PCWSTR = const char16_t*;
using PWSTR = char16_t*;
using HCN_NETWORK = void*;
using HCN_ENDPOINT = void*;

// Windows' GUID layout; HCN takes ids as REFGUID (a pointer to this).
struct GUID {
    uint32_t Data1;
    uint16_t Data2;
    uint16_t Data3;
    uint8_t Data4[8];
};
static_assert(sizeof(GUID) == 16);

extern "C" {
using EnumerateFn = HRESULT(HVSUP_HCN_CALL*)(PCWSTR query, PWSTR* ids, PWSTR* error_record);

using CreateNetworkFn = HRESULT(HVSUP_HCN_CALL*)(const GUID* id, PCWSTR settings, HCN_NETWORK* network,
                                                 PWSTR* error_record);
using OpenNetworkFn = HRESULT(HVSUP_HCN_CALL*)(const GUID* id, HCN_NETWORK* network, PWSTR* error_record);
using QueryNetworkPropertiesFn = HRESULT(HVSUP_HCN_CALL*)(HCN_NETWORK network, PCWSTR query, PWSTR* properties,
                                                          PWSTR* error_record);
using DeleteNetworkFn = HRESULT(HVSUP_HCN_CALL*)(const GUID* id, PWSTR* error_record);
using CloseNetworkFn = HRESULT(HVSUP_HCN_CALL*)(HCN_NETWORK network);

using CreateEndpointFn = HRESULT(HVSUP_HCN_CALL*)(HCN_NETWORK network, const GUID* id, PCWSTR settings,
                                                  HCN_ENDPOINT* endpoint, PWSTR* error_record);
using OpenEndpointFn = HRESULT(HVSUP_HCN_CALL*)(const GUID* id, HCN_ENDPOINT* endpoint, PWSTR* error_record);
using QueryEndpointPropertiesFn = HRESULT(HVSUP_HCN_CALL*)(HCN_ENDPOINT endpoint, PCWSTR query, PWSTR* properties,
                                                           PWSTR* error_record);
using DeleteEndpointFn = HRESULT(HVSUP_HCN_CALL*)(const GUID* id, PWSTR* error_record);
using CloseEndpointFn = HRESULT(HVSUP_HCN_CALL*)(HCN_ENDPOINT endpoint);

// ole32!CoTaskMemFree, or the provider's own export of that name (the simulator's).
using FreeStringFn = void(HVSUP_HCN_CALL*)(void* p);
}

// The export names, for the binding and the simulator alike.
inline constexpr const char* enumerate_networks_name = "HcnEnumerateNetworks";
inline constexpr const char* create_network_name = "HcnCreateNetwork";
inline constexpr const char* open_network_name = "HcnOpenNetwork";
inline constexpr const char* query_network_properties_name = "HcnQueryNetworkProperties";
inline constexpr const char* delete_network_name = "HcnDeleteNetwork";
inline constexpr const char* close_network_name = "HcnCloseNetwork";
inline constexpr const char* enumerate_endpoints_name = "HcnEnumerateEndpoints";
inline constexpr const char* create_endpoint_name = "HcnCreateEndpoint";
inline constexpr const char* open_endpoint_name = "HcnOpenEndpoint";
inline constexpr const char* query_endpoint_properties_name = "HcnQueryEndpointProperties";
inline constexpr const char* delete_endpoint_name = "HcnDeleteEndpoint";
inline constexpr const char* close_endpoint_name = "HcnCloseEndpoint";
inline constexpr const char* free_string_name = "CoTaskMemFree";

}  // namespace hvsup::hcn::api
