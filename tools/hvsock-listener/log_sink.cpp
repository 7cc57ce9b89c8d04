// SPDX-License-Identifier: MIT
#include "log_sink.hpp"

#include "core/repeat_filter.hpp"
#include "core/rotating_log.hpp"
#include "core/time.hpp"

#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <string>

#include <fmt/format.h>

namespace hvsock_listener {
namespace {

std::mutex mutex;
std::unique_ptr<hvsup::files::RotatingLog> file_log;  // guarded by mutex
hvsup::RepeatFilter repeats;                          // guarded by mutex

void write_stderr(const std::string& line)
{
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
}

}  // namespace

void open_log_file(const std::filesystem::path& file)
{
    const uint64_t cap = hvsup::files::byte_limit_from_env("HVSUP_HELPER_LOG_MAX_BYTES", default_helper_log_max_bytes);
    // Stray stderr output (a crash message) follows the log through rotations, so it is capped too.
    auto log = std::make_unique<hvsup::files::RotatingLog>(file, cap, hvsup::files::RotatingLog::Stderr::follow_log);
    std::lock_guard lock(mutex);
    file_log = std::move(log);
}

void log_line(std::string_view message)
{
    std::lock_guard lock(mutex);
    const std::string stamp = hvsup::format_rfc3339(hvsup::now());
    for (const std::string& text : repeats.admit(message, hvsup::RepeatFilter::clock::now())) {
        const std::string line = fmt::format("{} {}\n", stamp, text);
        if (!file_log) {
            write_stderr(line);
            continue;
        }
        try {
            file_log->append(line);
        } catch (const std::exception& e) {
            // A full disk must not stop the bridges; stderr is the supervisor's fallback sink.
            write_stderr(fmt::format("{} {} (hvsock-listener.log: {})\n", stamp, text, e.what()));
        }
    }
}

}  // namespace hvsock_listener
