// SPDX-License-Identifier: MIT
#include "protocol/result_file.hpp"

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/json.hpp"

#include <fmt/format.h>

#include <limits>

namespace hvsup::protocol {
namespace {

// The value of the first key present, preferring the guest's snake_case spelling.
std::string text(const json::object& o, std::string_view snake, std::string_view camel)
{
    if (json::find(o, snake)) return json::read_string(o, snake, snake);
    return json::read_string(o, camel, camel);
}

std::optional<Timestamp> time_of(const json::object& o, std::string_view snake, std::string_view camel)
{
    std::string t = text(o, snake, camel);
    if (t.empty()) return std::nullopt;
    auto parsed = parse_rfc3339(t);
    if (!parsed) {
        throw Error(ErrorCode::invalid_argument, fmt::format("{}: {} is not an RFC 3339 timestamp", snake, json::quote(t)));
    }
    return parsed;
}

}  // namespace

RuntimeResult decode_result_payload(std::string_view payload)
{
    json::value v = json::parse(payload, "guest result");
    const json::object& o = json::as_object(v, "guest result");
    RuntimeResult r;
    r.started_at = time_of(o, "started_at", "startedAt");
    r.completed_at = time_of(o, "exited_at", "completedAt");
    constexpr auto lo = std::numeric_limits<int64_t>::min();
    constexpr auto hi = std::numeric_limits<int64_t>::max();
    r.exit_code = json::find(o, "exit_code") ? json::read_int(o, "exit_code", "exit_code", lo, hi)
                                             : json::read_int(o, "exitCode", "exitCode", lo, hi);
    r.stdout_text = json::read_string(o, "stdout", "stdout");
    r.stderr_text = json::read_string(o, "stderr", "stderr");
    r.error = json::read_string(o, "error", "error");
    return r;
}

std::optional<RuntimeResult> read_result_file(const std::filesystem::path& file)
{
    auto content = files::read_state_file(file, max_result_bytes);
    if (!content) return std::nullopt;
    return decode_result_payload(*content);
}

}  // namespace hvsup::protocol
