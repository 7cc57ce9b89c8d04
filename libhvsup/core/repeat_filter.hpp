// SPDX-License-Identifier: MIT
// Collapses a burst of identical log lines (docs/security.md, "Resource bounds"): a client
// looping connect/close against a listener makes the same diagnostic over and over. The first
// `burst` copies within `window` are written; further copies are counted and reported as one
// "last message repeated N times" line before the next different message (or the first copy
// after the window), so the log keeps the evidence without its volume.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace hvsup {

class RepeatFilter {
public:
    using clock = std::chrono::steady_clock;

    explicit RepeatFilter(int burst = 3, clock::duration window = std::chrono::seconds(1))
        : burst_(burst), window_(window)
    {
    }

    // The lines to write now for `message` (none while a burst is being suppressed).
    std::vector<std::string> admit(std::string_view message, clock::time_point now)
    {
        std::vector<std::string> out;
        if (have_last_ && message == last_ && now - window_start_ < window_) {
            if (++count_ > burst_) {
                ++suppressed_;
                return out;
            }
            out.emplace_back(message);
            return out;
        }
        if (suppressed_ > 0) out.push_back(fmt::format("last message repeated {} times", suppressed_));
        suppressed_ = 0;
        last_ = std::string(message);
        have_last_ = true;
        window_start_ = now;
        count_ = 1;
        out.emplace_back(message);
        return out;
    }

private:
    int burst_;
    clock::duration window_;
    std::string last_;
    bool have_last_ = false;
    clock::time_point window_start_{};
    int count_ = 0;
    uint64_t suppressed_ = 0;
};

}  // namespace hvsup
