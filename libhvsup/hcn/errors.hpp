// SPDX-License-Identifier: MIT
// HCN HRESULTs (docs/hcn.md, "Endpoints") and the errors the binding raises for them.
#pragma once

#include "core/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace hvsup::hcn {

namespace hresult {
inline constexpr int32_t network_not_found = static_cast<int32_t>(0x803b0001u);
inline constexpr int32_t endpoint_not_found = static_cast<int32_t>(0x803b0002u);
inline constexpr int32_t subnet_not_found = static_cast<int32_t>(0x803b0005u);
inline constexpr int32_t invalid_network = static_cast<int32_t>(0x803b000au);
inline constexpr int32_t invalid_network_type = static_cast<int32_t>(0x803b000bu);
inline constexpr int32_t invalid_endpoint = static_cast<int32_t>(0x803b000cu);
inline constexpr int32_t invalid_policy = static_cast<int32_t>(0x803b000du);
inline constexpr int32_t network_already_exists = static_cast<int32_t>(0x803b0010u);
inline constexpr int32_t port_already_exists = static_cast<int32_t>(0x803b0013u);
inline constexpr int32_t endpoint_already_attached = static_cast<int32_t>(0x803b0014u);
inline constexpr int32_t request_unsupported = static_cast<int32_t>(0x803b0015u);
inline constexpr int32_t invalid_json = static_cast<int32_t>(0x803b001bu);
inline constexpr int32_t invalid_ip = static_cast<int32_t>(0x803b001eu);
inline constexpr int32_t manager_stopped = static_cast<int32_t>(0x803b0020u);
inline constexpr int32_t ics_disabled = static_cast<int32_t>(0x803b002au);
inline constexpr int32_t entity_has_references = static_cast<int32_t>(0x803b002cu);
inline constexpr int32_t addr_invalid_or_reserved = static_cast<int32_t>(0x803b002fu);
inline constexpr int32_t invalid_prefix = static_cast<int32_t>(0x803b0030u);
inline constexpr int32_t invalid_subnet = static_cast<int32_t>(0x803b0032u);
inline constexpr int32_t endpoint_not_attached = static_cast<int32_t>(0x803b0034u);
// HRESULT_FROM_WIN32(ERROR_DUP_NAME): what HNS returns when a new NAT prefix overlaps an
// existing network (a misleading "duplicate name" message).
inline constexpr int32_t dup_name = static_cast<int32_t>(0x80070034u);
inline constexpr int32_t e_pointer = static_cast<int32_t>(0x80004003u);
inline constexpr int32_t e_invalidarg = static_cast<int32_t>(0x80070057u);
inline constexpr int32_t e_handle = static_cast<int32_t>(0x80070006u);
inline constexpr int32_t e_fail = static_cast<int32_t>(0x80004005u);
inline constexpr int32_t e_accessdenied = static_cast<int32_t>(0x80070005u);
}  // namespace hresult

// "HCN_E_NETWORK_NOT_FOUND" for a known code, "" otherwise.
const char* hresult_name(int32_t hr) noexcept;

bool is_not_found(int32_t hr) noexcept;

// The error for a failed HCN call: ErrorCode::not_found for the not-found codes, conflict
// for "already exists", host otherwise; the HRESULT kept; operation = the entry point name.
// Message: "<function>: <NAME> (0x803b0001): <description>[: <error record text>]".
// `error_record` is the raw ErrorRecord string (an HNS {"Error": ...} document or text).
Error hcn_error(std::string_view function, int32_t hr, std::string_view error_record);

}  // namespace hvsup::hcn
