// SPDX-License-Identifier: MIT
// JSON (de)serialisers for the protocol types. Decoding follows Go's encoding/json as the
// peer uses it (case-insensitive keys, unknown keys ignored, null = unset); encoding uses the
// reference's exact keys, order and omission rules.
#pragma once

#include "core/json.hpp"
#include "protocol/types.hpp"

#include <string_view>

namespace hvsup::protocol {

// What one request may cost: its text, and the JSON values in it (a value costs ~10 times
// its text in the parsed tree, so the count bounds the memory where the byte cap does not;
// the largest sensible request holds a few thousand). Nesting is capped at 64 levels.
inline constexpr size_t max_request_bytes = 16u << 20;
inline constexpr size_t max_request_values = 100000;

// Decodes a request as Go's encoding/json decodes the reference's Request: keys match fields
// ignoring ASCII case and the last of several spellings wins (objects merge), unknown keys
// are ignored, invalid UTF-8 becomes U+FFFD. Throws ErrorCode::invalid_argument: "request
// exceeds 16777216 bytes", or "decode request: ..." on malformed JSON, a request over the
// value or depth cap, or a field of the wrong type.
Request decode_request(std::string_view text);

Identity decode_identity(const json::object& obj, std::string_view path);
Config decode_config(const json::object& obj, std::string_view path);
Event decode_event(const json::object& obj, std::string_view path);
RuntimeReadiness decode_readiness(const json::object& obj, std::string_view path);

enum class TimePrecision { seconds, nanoseconds };

json::value encode(const Identity& identity);
json::value encode(const Config& config);
json::value encode(const NetworkConfig& network);
json::value encode(const Event& event, TimePrecision precision);
json::value encode(const ReadinessSignal& signal);
json::value encode(const RuntimeReadiness& readiness);
json::value encode(const RuntimeResult& result);
json::value encode(const HostSupport& host);
json::value encode(const KernelSupport& kernel);
json::value encode(const Response& response);

// The response as hvsup-cli prints it: 2-space indented JSON and a newline.
std::string encode_response_text(const Response& response);

}  // namespace hvsup::protocol
