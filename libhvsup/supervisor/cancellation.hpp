// SPDX-License-Identifier: MIT
// One call's cancellation (docs/architecture.md, "Cancellation"): Supervisor::cancel() requests
// a stop on the source of every call in flight. The call's waits take its stop token, so an HCS
// exit wait ends as soon as the stop is requested, and say that they saw it.
#pragma once

#include "core/error.hpp"

#include <stop_token>
#include <string>

#include <fmt/format.h>

namespace hvsup::supervisor {

class Cancellation {
public:
    std::stop_token token() const noexcept { return source_.get_token(); }
    // From any thread.
    void request() noexcept { source_.request_stop(); }

    // Throws ErrorCode::cancelled ("cancelled by the caller while <what>") once a stop was
    // requested, noting that the call saw it. The call's own thread only.
    void throw_if_requested(const std::string& what)
    {
        if (!source_.stop_requested()) return;
        observed_ = true;
        throw Error(ErrorCode::cancelled, fmt::format("cancelled by the caller while {}", what));
    }
    // Whether a wait of the call ended on the request (the call's thread, after it returned).
    bool observed() const noexcept { return observed_; }

private:
    std::stop_source source_;
    bool observed_ = false;
};

}  // namespace hvsup::supervisor
