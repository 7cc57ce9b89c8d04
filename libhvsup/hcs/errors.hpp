// SPDX-License-Identifier: MIT
// HCS HRESULTs, their normalisation and the error text (docs/hcs.md, "The binding and the API choice"):
// `windows-hyperv HCS <operation>: <err>[: <result document>]`.
#pragma once

#include "core/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace hvsup::hcs {

namespace hr {
inline constexpr int32_t ok = 0;
inline constexpr int32_t v1_operation_pending = static_cast<int32_t>(0xC0370103u);
inline constexpr int32_t v1_invalid_state = static_cast<int32_t>(0xC0370105u);
inline constexpr int32_t v1_unexpected_exit = static_cast<int32_t>(0xC0370106u);
inline constexpr int32_t v1_invalid_json = static_cast<int32_t>(0xC037010Du);
inline constexpr int32_t v1_system_not_found = static_cast<int32_t>(0xC037010Eu);
inline constexpr int32_t v1_system_already_exists = static_cast<int32_t>(0xC037010Fu);
inline constexpr int32_t v1_system_already_stopped = static_cast<int32_t>(0xC0370110u);
inline constexpr int32_t invalid_state = static_cast<int32_t>(0x80370105u);
inline constexpr int32_t unexpected_exit = static_cast<int32_t>(0x80370106u);
inline constexpr int32_t invalid_json = static_cast<int32_t>(0x8037010Du);
inline constexpr int32_t system_not_found = static_cast<int32_t>(0x8037010Eu);
inline constexpr int32_t system_already_exists = static_cast<int32_t>(0x8037010Fu);
inline constexpr int32_t system_already_stopped = static_cast<int32_t>(0x80370110u);
inline constexpr int32_t operation_not_started = static_cast<int32_t>(0x80370115u);
inline constexpr int32_t operation_pending = static_cast<int32_t>(0x80370117u);
inline constexpr int32_t operation_timeout = static_cast<int32_t>(0x80370118u);
inline constexpr int32_t callback_already_set = static_cast<int32_t>(0x80370119u);
inline constexpr int32_t access_denied_hcs = static_cast<int32_t>(0x8037011Bu);
inline constexpr int32_t service_disconnect = static_cast<int32_t>(0x8037011Eu);
inline constexpr int32_t e_accessdenied = static_cast<int32_t>(0x80070005u);
inline constexpr int32_t e_invalidarg = static_cast<int32_t>(0x80070057u);
inline constexpr int32_t e_file_not_found = static_cast<int32_t>(0x80070002u);
inline constexpr int32_t e_invalid_data = static_cast<int32_t>(0x8007000Du);
inline constexpr int32_t e_pointer = static_cast<int32_t>(0x80004003u);
inline constexpr int32_t e_handle = static_cast<int32_t>(0x80070006u);
}  // namespace hr

// True for the v1 and v2 forms of the same HCS code (they share the low word).
bool same_hcs_code(int32_t a, int32_t b) noexcept;

// The reference's normalisation: a FACILITY_WIN32 HRESULT becomes its Win32 code (low 16
// bits); anything else is kept.
int32_t normalize(int32_t hresult) noexcept;

// The text of a (normalised) code: a known message plus the code, e.g.
// "A virtual machine or container with the specified identifier does not exist (0xC037010E)".
std::string describe(int32_t hresult);

// Error(ErrorCode::host|not_found|conflict, "windows-hyperv HCS <operation>: <err>[: <doc>]")
// carrying the original HRESULT and the operation.
Error make_error(std::string_view operation, int32_t hresult, std::string_view result_document = {});

// An error without an HRESULT of its own (a timeout, an unexpected notification):
// "windows-hyperv HCS <operation>: <message>".
Error make_error(std::string_view operation, std::string_view message, int32_t hresult);

// docs/protocol.md, "Control commands": text containing "compute system"+"does not exist" or
// "virtual machine or container"+"does not exist" (case-insensitive), or a not-found HRESULT.
bool is_missing_compute_system(const Error& error);
bool is_missing_compute_system_text(std::string_view text);

}  // namespace hvsup::hcs
