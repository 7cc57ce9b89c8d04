// SPDX-License-Identifier: MIT
// HRESULTs the simulator returns (HCS_E_* v2 forms; the v1 exports convert to 0xC037xxxx).
#pragma once

#include "host.hpp"
#include "validate.hpp"

#include <cstdint>
#include <string>

namespace hvsup::sim {

inline constexpr int32_t s_ok = 0;
inline constexpr int32_t e_invalidarg = static_cast<int32_t>(0x80070057u);
inline constexpr int32_t e_accessdenied = static_cast<int32_t>(0x80070005u);
inline constexpr int32_t e_file_not_found = static_cast<int32_t>(0x80070002u);
inline constexpr int32_t hcs_terminated_during_start = static_cast<int32_t>(0x80370100u);
inline constexpr int32_t hcs_invalid_state = static_cast<int32_t>(0x80370105u);
inline constexpr int32_t hcs_invalid_json = static_cast<int32_t>(0x8037010Du);
inline constexpr int32_t hcs_not_found = static_cast<int32_t>(0x8037010Eu);
inline constexpr int32_t hcs_already_exists = static_cast<int32_t>(0x8037010Fu);
inline constexpr int32_t hcs_already_stopped = static_cast<int32_t>(0x80370110u);
inline constexpr int32_t hcs_service_disconnect = static_cast<int32_t>(0x8037011Eu);

// A failed outcome with its result document.
inline Outcome fail(int32_t hr, const std::string& message)
{
    return Outcome{hr, result_document(hr, message)};
}

}  // namespace hvsup::sim
