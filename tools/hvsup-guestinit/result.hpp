// SPDX-License-Identifier: MIT
// The result the guest sends to the host's result service (microagent-protocol.md §6.4): one
// snake_case JSON object and "\n", at most 16 MiB in all (the host refuses more and keeps
// nothing), so the init trims the output to fit and says so.
#pragma once

#include <cstddef>
#include <string>

namespace hvsup::guestinit {

// The host's cap on one result delivery (docs/hvsock.md "Result sink").
inline constexpr size_t max_result_bytes = 16u * 1024u * 1024u;

struct Result {
    std::string started_at;  // RFC 3339 UTC with nanoseconds, trailing zeros trimmed
    std::string exited_at;
    int exit_code = 0;
    std::string stdout_data;
    std::string stderr_data;
    std::string error;  // why the run failed (init failure, timeout); empty on a normal exit
    bool stdout_truncated = false;
    bool stderr_truncated = false;
};

// The current UTC time as Go's RFC3339Nano ("2026-05-02T00:00:07.2Z").
std::string now_rfc3339();

// Replaces each invalid UTF-8 sequence by U+FFFD, so the JSON stays valid whatever the
// workload printed.
std::string valid_utf8(std::string_view bytes);

// The payload: JSON + "\n", never more than `limit` bytes. stdout/stderr are made valid UTF-8
// and, when the whole does not fit, cut (the longer first, at a character boundary, keeping the
// beginning) with the matching *_truncated flag set. stdout, stderr and error are omitted when
// empty, the *_truncated flags when false.
std::string encode_result(Result result, size_t limit = max_result_bytes);

}  // namespace hvsup::guestinit
