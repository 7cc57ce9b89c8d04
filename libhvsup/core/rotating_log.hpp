// SPDX-License-Identifier: MIT
// An append-only log file with a byte cap (docs/security.md, "Resource bounds"): a guest that
// floods COM1, or a client that loops connect/close against a helper listener, must not fill
// the state file system. When an append would take the file past the cap, the file is renamed
// to "<name>.1" (replacing an older one) and a new file is started, so at most twice the cap is
// ever on disk. Files are opened private (0600) and never through a link.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string_view>

namespace hvsup::files {

class RotatingLog {
public:
    // What happens to the process's own stderr. `follow_log`: stderr is pointed at the current
    // file after every open and rotation, so output that bypasses append() (a crash message, a
    // library's diagnostics) lands in the capped file, not in a rotated-away ".1" that would
    // grow without bound; such output counts against the cap at the next append().
    enum class Stderr { keep, follow_log };

    // Opens (creating when missing, never truncating) `file`. `max_bytes` must be > 0.
    // Throws Error naming the file when it is a link or cannot be opened.
    RotatingLog(const std::filesystem::path& file, uint64_t max_bytes, Stderr stderr_mode = Stderr::keep);
    ~RotatingLog();
    RotatingLog(const RotatingLog&) = delete;
    RotatingLog& operator=(const RotatingLog&) = delete;

    // Appends and flushes (a reader sees the text as it arrives). A chunk larger than what is
    // left is split across a rotation; a chunk larger than the cap keeps only its newest bytes
    // that fit. Throws Error naming the file on a write or rotation failure.
    void append(std::string_view data);

    const std::filesystem::path& path() const { return path_; }
    static std::filesystem::path rotated_path(const std::filesystem::path& file);

private:
    void open();
    void rotate();
    void measure();

    std::filesystem::path path_;
    uint64_t max_bytes_;
    Stderr stderr_mode_;
    uint64_t size_ = 0;
    std::FILE* file_ = nullptr;
};

// A byte count from the environment variable `name` ("8388608", or with a K/M/G suffix for
// KiB/MiB/GiB), else `fallback`. Throws ErrorCode::invalid_argument naming the variable for
// anything else, zero, or more than 1 TiB.
uint64_t byte_limit_from_env(const char* name, uint64_t fallback);

}  // namespace hvsup::files
