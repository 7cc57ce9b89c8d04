// Files the library writes: private permissions, atomic replacement, cross-process locks.
// Paths cross the API as UTF-8; from_utf8/to_utf8 are the only conversions.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace hvsup::files {

std::filesystem::path from_utf8(std::string_view text);
std::string to_utf8(const std::filesystem::path& path);

// True when `name` (after trimming white space) is one path component: not empty, not "."
// or "..", and free of '/', '\\' and NUL. Runtime IDs must pass this before they touch disk.
bool is_safe_basename(std::string_view name);

// mkdir -p; directories this call creates are private to the owner (0700 on POSIX).
void ensure_private_dir(const std::filesystem::path& dir);

// Creates an empty file private to the owner (0600) unless it exists; never truncates.
void touch_private_file(const std::filesystem::path& file);

// Replaces `file` with `data` atomically: a temporary beside it is written, flushed to disk
// and renamed over the target. On any failure the previous file is untouched and the
// temporary is removed.
void write_atomic(const std::filesystem::path& file, std::string_view data);

// The whole file, or nullopt when it does not exist. A file over max_bytes is
// ErrorCode::too_large; other failures are ErrorCode::io naming the path.
std::optional<std::string> read_if_exists(const std::filesystem::path& file, size_t max_bytes);

// Removes a directory tree; a missing tree is not an error.
void remove_tree(const std::filesystem::path& dir);

// An exclusive advisory lock on `lock_file` (created if needed), held until destruction.
// Blocks until the lock is granted; works across processes.
class FileLock {
public:
    explicit FileLock(const std::filesystem::path& lock_file);
    ~FileLock();

    // Tries to take the lock for up to `wait` (zero: one attempt); nullopt while another holder
    // keeps it. Does not create missing directories: a missing parent is ErrorCode::not_found.
    // On POSIX a lock file that was unlinked or replaced while waiting is reopened, so a holder
    // that removes the directory (delete) never leaves a second holder on a stale file.
    static std::optional<FileLock> try_acquire(const std::filesystem::path& lock_file, std::chrono::milliseconds wait);
    FileLock(FileLock&& other) noexcept;
    FileLock& operator=(FileLock&&) = delete;
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

private:
    explicit FileLock(intptr_t handle) : handle_(handle) {}
    intptr_t handle_;
};

}  // namespace hvsup::files
