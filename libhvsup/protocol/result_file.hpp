// SPDX-License-Identifier: MIT
// result.json: the guest's result payload (docs/protocol.md, "State files"). The guest writes
// snake_case keys (started_at, exited_at, exit_code); older host code and the peer tests
// write camelCase (startedAt, completedAt, exitCode). Both are accepted.
#pragma once

#include "protocol/types.hpp"

#include <filesystem>
#include <optional>
#include <string_view>

namespace hvsup::protocol {

inline constexpr size_t max_result_bytes = 16u << 20;  // 16 MiB, as the guest contract caps it

// Parses a payload into a RuntimeResult (identity/backend/resultPath left for the caller).
// Throws ErrorCode::invalid_argument when it is not a JSON object of the expected shape.
RuntimeResult decode_result_payload(std::string_view payload);

// Reads result.json; nullopt when it does not exist.
std::optional<RuntimeResult> read_result_file(const std::filesystem::path& file);

}  // namespace hvsup::protocol
