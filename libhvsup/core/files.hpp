// SPDX-License-Identifier: MIT
// Files the library writes: private permissions, atomic replacement, cross-process locks.
// Paths cross the API as UTF-8; from_utf8/to_utf8 are the only conversions.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
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

// Opens `file` for appending, creating it private (0600) when missing, never truncating and
// never through a link (a symbolic link or reparse point there is refused with an error naming
// the path). The caller fcloses the stream.
std::FILE* open_append_no_follow(const std::filesystem::path& file);

// Points the process's stderr (descriptor 2; on Windows also the STD_ERROR_HANDLE) at `file`, an
// open log; `path` names it in errors. The stream's own buffering is unaffected.
void redirect_stderr(std::FILE* file, const std::filesystem::path& path);

// Replaces `file` with `data` atomically: a temporary beside it is written, flushed to disk
// and renamed over the target. On any failure the previous file is untouched and the
// temporary is removed.
void write_atomic(const std::filesystem::path& file, std::string_view data);

// The whole file, or nullopt when it does not exist. A file over max_bytes is
// ErrorCode::too_large; other failures are ErrorCode::io naming the path.
std::optional<std::string> read_if_exists(const std::filesystem::path& file, size_t max_bytes);

// Like read_if_exists, for state files hvsup wrote itself: a symbolic link (a reparse point on
// Windows) or anything but a regular file at `file` is refused with ErrorCode::integrity naming
// the path, never read through.
std::optional<std::string> read_state_file(const std::filesystem::path& file, size_t max_bytes);

// Removes a tree without ever following a link: a symbolic link (or Windows reparse point)
// inside it, or at `dir` itself, is removed as a link, its target untouched. A missing tree is
// not an error.
void remove_tree(const std::filesystem::path& dir);

// What a directory that holds state must be (docs/security.md, "State directory trust").
enum class DirTrust {
    state_dir,    // may be reached through a link the caller owns
    runtime_dir,  // must not be a link at all
};

// Throws ErrorCode::integrity naming `dir` and the fix unless `dir` is a directory owned by the
// caller and writable by nobody else (POSIX: no group/other write bit; Windows: owner is the
// caller, or Administrators for an elevated caller, and not a reparse point). A missing `dir`
// passes: hvsup creates it private. Parents of a state_dir are checked too: each must be owned
// by the caller or root (Windows: not checked) and, when others may write to it, sticky (so
// nobody else can rename the entries below it), as /tmp is.
void require_trusted_dir(const std::filesystem::path& dir, DirTrust trust);

// Removes whatever non-regular entry (link, directory, device) sits at `file`; a regular file
// or nothing is left alone. Returns true when something was removed.
bool remove_if_not_regular(const std::filesystem::path& file);

// True when `file` exists as a regular file (a link to one does not count).
bool is_regular_file_no_follow(const std::filesystem::path& file);

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
