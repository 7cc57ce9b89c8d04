// SPDX-License-Identifier: MIT
// Diagnostics go to a sink the embedding program chooses (the C ABI's log callback).
// The library never prints on its own.
#pragma once

#include <functional>
#include <string_view>

#include <fmt/format.h>

namespace hvsup {

enum class LogLevel : int { debug = 0, info = 1, warning = 2, error = 3 };

class Logger {
public:
    using Sink = std::function<void(LogLevel, std::string_view)>;

    Logger() = default;
    explicit Logger(Sink sink) : sink_(std::move(sink)) {}

    template <typename... Args>
    void log(LogLevel level, fmt::format_string<Args...> format, Args&&... args) const
    {
        if (sink_) sink_(level, fmt::format(format, std::forward<Args>(args)...));
    }

private:
    Sink sink_;
};

}  // namespace hvsup
