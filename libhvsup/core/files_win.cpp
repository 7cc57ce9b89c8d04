// SPDX-License-Identifier: MIT
// Windows system calls behind core/files.hpp.
//
// Windows differs from POSIX in one way that matters here: a file another process holds open
// without FILE_SHARE_DELETE (an editor, a virus scanner, a reader of our own on another
// thread) cannot be replaced, and a file that is being replaced cannot be opened for a
// moment. Both are short-lived, so replacing and reading retry for a bounded time on
// sharing violations before reporting the error.
#include "core/files.hpp"

#include "core/error.hpp"
#include "core/owner_rule_win.hpp"
#include "core/win32.hpp"

#include <atomic>
#include <cstdio>
#include <fcntl.h>
#include <io.h>
#include <chrono>
#include <thread>
#include <vector>

#include <fmt/format.h>

namespace hvsup::files {
namespace {

using win32::Handle;

// Replacing waits longer than reading: a reader is expected to finish its read, a writer
// that gives up loses an update.
constexpr auto replace_retry_budget = std::chrono::milliseconds(5000);
constexpr auto read_retry_budget = std::chrono::milliseconds(2000);

bool is_sharing_error(DWORD err)
{
    // ERROR_ACCESS_DENIED is what a rename over a file that is open (or pending deletion)
    // reports; ERROR_SHARING_VIOLATION / ERROR_LOCK_VIOLATION what opening one reports.
    return err == ERROR_SHARING_VIOLATION || err == ERROR_LOCK_VIOLATION || err == ERROR_ACCESS_DENIED;
}

// Calls `attempt` (returns 0 on success or a Win32 error) until it succeeds, fails with an
// error that is not a sharing error, or `budget` is spent. Returns the last error.
template <typename Attempt>
DWORD retry_while_shared(std::chrono::milliseconds budget, Attempt attempt)
{
    const auto deadline = std::chrono::steady_clock::now() + budget;
    auto pause = std::chrono::milliseconds(1);
    for (;;) {
        DWORD err = attempt();
        if (err == 0 || !is_sharing_error(err) || std::chrono::steady_clock::now() >= deadline) return err;
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(50));
    }
}

void write_all(HANDLE h, std::string_view data, const std::string& what)
{
    while (!data.empty()) {
        const DWORD chunk = static_cast<DWORD>(std::min<size_t>(data.size(), 1u << 30));
        DWORD written = 0;
        if (!::WriteFile(h, data.data(), chunk, &written, nullptr)) {
            const DWORD last = ::GetLastError();  // before building the message
            throw win32::error(last, "write " + what);
        }
        data.remove_prefix(written);
    }
}

// The path a handle is open on, as the system resolves it ("\\?\C:\…"); empty when it
// cannot say.
std::wstring final_path(HANDLE h)
{
    std::wstring out(MAX_PATH, L'\0');
    for (;;) {
        const DWORD n = ::GetFinalPathNameByHandleW(h, out.data(), static_cast<DWORD>(out.size()), FILE_NAME_NORMALIZED);
        if (n == 0) return {};
        if (n < out.size()) {
            out.resize(n);
            return out;
        }
        out.resize(n + 1);
    }
}

// `path` made absolute, without "." / ".." / a trailing separator.
std::filesystem::path normalized(const std::filesystem::path& path)
{
    std::filesystem::path p = std::filesystem::absolute(path).lexically_normal();
    return p.has_filename() ? p : p.parent_path();
}

// The final path of the directory holding `path` (links above it resolved as the system does).
std::wstring parent_final_path(const std::filesystem::path& path)
{
    const std::filesystem::path parent = normalized(path).parent_path();
    Handle h(::CreateFileW(parent.c_str(), FILE_READ_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                           nullptr, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, nullptr));
    return h ? final_path(h.get()) : std::wstring();
}

// Whether handle `h`, opened on `path` with FILE_FLAG_OPEN_REPARSE_POINT, is open on that entry
// itself and not on what a link there names. Windows opens a reparse point as itself; Wine 8
// follows a Unix symbolic link anyway (and reports no reparse point on the handle), so the
// handle's final path must be the parent's final path plus the entry's own name.
bool opened_itself(HANDLE h, const std::filesystem::path& path, const std::wstring& parent_final)
{
    const std::wstring self = final_path(h);
    if (self.empty() || parent_final.empty()) return true;  // nothing to compare: trust the handle's attributes
    std::wstring expected = parent_final;
    if (expected.back() != L'\\') expected += L'\\';
    expected += normalized(path).filename().wstring();
    return ::CompareStringOrdinal(self.c_str(), static_cast<int>(self.size()), expected.c_str(),
                                  static_cast<int>(expected.size()), TRUE) == CSTR_EQUAL;
}

// Opens `file` without following a final reparse point (the counterpart of O_NOFOLLOW).
Handle open_no_follow(const std::filesystem::path& file, DWORD access, DWORD share, DWORD disposition,
                      SECURITY_ATTRIBUTES* security, DWORD& err)
{
    Handle h(::CreateFileW(file.c_str(), access, share, security, disposition,
                           FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT, nullptr));
    err = h ? 0 : ::GetLastError();
    if (h) {
        BY_HANDLE_FILE_INFORMATION info{};
        if ((::GetFileInformationByHandle(h.get(), &info) && (info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0) ||
            !opened_itself(h.get(), file, parent_final_path(file))) {
            h.reset();
            err = ERROR_CANT_ACCESS_FILE;
        }
    }
    return h;
}

}  // namespace

void ensure_private_dir(const std::filesystem::path& dir)
{
    if (dir.empty()) return;
    const DWORD attributes = ::GetFileAttributesW(dir.c_str());
    if (attributes != INVALID_FILE_ATTRIBUTES) {
        if ((attributes & FILE_ATTRIBUTE_DIRECTORY) == 0) {
            throw Error(ErrorCode::io, fmt::format("create directory {}: not a directory", to_utf8(dir)));
        }
        return;
    }
    // A root ("C:\", "\\server\share\") has itself as parent and always exists.
    if (dir.has_parent_path() && dir.parent_path() != dir && dir.has_relative_path()) ensure_private_dir(dir.parent_path());
    if (!::CreateDirectoryW(dir.c_str(), win32::PrivateSecurity::attributes())) {
        const DWORD err = ::GetLastError();
        if (err != ERROR_ALREADY_EXISTS) throw win32::error(err, "create directory " + to_utf8(dir));
    }
}

void touch_private_file(const std::filesystem::path& file)
{
    DWORD err = 0;
    const DWORD share = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
    Handle h = open_no_follow(file, FILE_APPEND_DATA, share, OPEN_ALWAYS, win32::PrivateSecurity::attributes(), err);
    if (!h) throw win32::error(err, "create " + to_utf8(file));
}

std::FILE* open_append_no_follow(const std::filesystem::path& file)
{
    DWORD err = 0;
    // FILE_SHARE_DELETE: the log can be renamed aside (rotated) while a reader has it open.
    const DWORD share = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
    Handle h = open_no_follow(file, FILE_APPEND_DATA, share, OPEN_ALWAYS, win32::PrivateSecurity::attributes(), err);
    if (!h) throw win32::error(err, "open " + to_utf8(file));
    if (::GetFileType(h.get()) != FILE_TYPE_DISK) {
        throw Error(ErrorCode::integrity, to_utf8(file) + " is not a regular file");
    }
    const int fd = ::_open_osfhandle(reinterpret_cast<intptr_t>(h.get()), _O_APPEND | _O_WRONLY | _O_BINARY);
    if (fd < 0) throw Error(ErrorCode::io, "open " + to_utf8(file));
    h.release();  // owned by fd now
    std::FILE* f = ::_fdopen(fd, "ab");
    if (f == nullptr) {
        ::_close(fd);
        throw Error(ErrorCode::io, "open " + to_utf8(file));
    }
    return f;
}

void redirect_stderr(std::FILE* file, const std::filesystem::path& path)
{
    std::fflush(stderr);
    // The CRT descriptor for fprintf(stderr) and the Win32 handle for WriteFile(GetStdHandle()).
    if (::_dup2(::_fileno(file), 2) != 0) throw Error(ErrorCode::io, "point stderr at " + to_utf8(path));
    const auto handle = reinterpret_cast<HANDLE>(::_get_osfhandle(2));
    if (handle == INVALID_HANDLE_VALUE || !::SetStdHandle(STD_ERROR_HANDLE, handle)) {
        throw win32::error(::GetLastError(), "point stderr at " + to_utf8(path));
    }
}

void write_atomic(const std::filesystem::path& file, std::string_view data)
{
    static std::atomic<unsigned> counter{0};
    const std::string target = to_utf8(file);
    std::filesystem::path tmp = file;
    tmp += fmt::format(".{}.{}.tmp", ::GetCurrentProcessId(), counter.fetch_add(1));
    DWORD err = 0;
    Handle h = open_no_follow(tmp, GENERIC_WRITE, 0, CREATE_NEW, win32::PrivateSecurity::attributes(), err);
    if (!h) throw win32::error(err, "create temporary file for " + target);
    try {
        write_all(h.get(), data, target);
        if (!::FlushFileBuffers(h.get())) {
            const DWORD last = ::GetLastError();  // before building the message
            throw win32::error(last, "flush " + target);
        }
        h.reset();
        err = retry_while_shared(replace_retry_budget, [&]() -> DWORD {
            return ::MoveFileExW(tmp.c_str(), file.c_str(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)
                       ? 0
                       : ::GetLastError();
        });
        if (err != 0) throw win32::error(err, "replace " + target);
    } catch (...) {
        h.reset();
        ::DeleteFileW(tmp.c_str());
        throw;
    }
}

namespace {

bool is_missing(DWORD err) { return err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND; }

[[noreturn]] void refuse_foreign(const std::string& name, std::string_view what)
{
    throw Error(ErrorCode::integrity,
                fmt::format("state file {} is {}, not a regular file; hvsup never reads through links or other file "
                            "types in a state directory: remove it",
                            name, what));
}

// `no_follow`: a reparse point or a directory at `file` is refused (read_state_file).
std::optional<std::string> read_file(const std::filesystem::path& file, size_t max_bytes, bool no_follow)
{
    const std::string name = to_utf8(file);
    Handle h;
    const DWORD flags = FILE_ATTRIBUTE_NORMAL | (no_follow ? FILE_FLAG_OPEN_REPARSE_POINT : 0);
    const DWORD err = retry_while_shared(read_retry_budget, [&]() -> DWORD {
        // Readers share everything, so they never stand in the way of a replacement.
        h.reset(::CreateFileW(file.c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                              nullptr, OPEN_EXISTING, flags, nullptr));
        if (h) return DWORD{0};
        const DWORD last = ::GetLastError();
        // A directory is "access denied" too, and no retry changes that.
        const DWORD attributes = last == ERROR_ACCESS_DENIED ? ::GetFileAttributesW(file.c_str()) : INVALID_FILE_ATTRIBUTES;
        if (attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY) != 0) return DWORD{ERROR_DIRECTORY};
        return last;
    });
    if (is_missing(err)) return std::nullopt;
    if (no_follow && err == ERROR_DIRECTORY) {
        const DWORD attributes = ::GetFileAttributesW(file.c_str());
        const bool link = attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0;
        refuse_foreign(name, link ? "a reparse point (symbolic link or junction)" : "a directory");
    }
    if (err != 0) throw win32::error(err, "open " + name);
    if (no_follow) {
        BY_HANDLE_FILE_INFORMATION info{};
        if (!::GetFileInformationByHandle(h.get(), &info)) {
            const DWORD last = ::GetLastError();
            throw win32::error(last, "stat " + name);
        }
        if ((info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0) {
            refuse_foreign(name, "a reparse point (symbolic link or junction)");
        }
        if ((info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0) refuse_foreign(name, "a directory");
        if (::GetFileType(h.get()) != FILE_TYPE_DISK) refuse_foreign(name, "a device or pipe");
        if (!opened_itself(h.get(), file, parent_final_path(file))) refuse_foreign(name, "a symbolic link");
    }
    std::string out;
    char buf[65536];
    for (;;) {
        DWORD n = 0;
        if (!::ReadFile(h.get(), buf, sizeof buf, &n, nullptr)) {
            const DWORD last = ::GetLastError();  // before building the message
            throw win32::error(last, "read " + name);
        }
        if (n == 0) break;
        if (out.size() + n > max_bytes) {
            throw Error(ErrorCode::too_large, fmt::format("read {}: file exceeds {} bytes", name, max_bytes));
        }
        out.append(buf, n);
    }
    return out;
}

// The names in the directory open at `h`, without "." and "..".
std::vector<std::wstring> list_directory(HANDLE h, const std::string& shown)
{
    std::vector<std::wstring> out;
    alignas(8) static thread_local unsigned char buffer[64 * 1024];
    FILE_INFO_BY_HANDLE_CLASS kind = FileIdBothDirectoryRestartInfo;
    while (::GetFileInformationByHandleEx(h, kind, buffer, sizeof buffer)) {
        kind = FileIdBothDirectoryInfo;
        for (size_t offset = 0;;) {
            const auto* entry = reinterpret_cast<const FILE_ID_BOTH_DIR_INFO*>(buffer + offset);
            std::wstring name(entry->FileName, entry->FileNameLength / sizeof(wchar_t));
            if (name != L"." && name != L"..") out.push_back(std::move(name));
            if (entry->NextEntryOffset == 0) break;
            offset += entry->NextEntryOffset;
        }
    }
    const DWORD err = ::GetLastError();
    if (err != ERROR_NO_MORE_FILES && !is_missing(err)) throw win32::error(err, "list " + shown);
    return out;
}

// Marks the entry open at `h` for deletion (it goes when the last handle closes); clears a
// read-only attribute first, which would refuse it.
void delete_by_handle(HANDLE h, DWORD attributes, const std::string& shown)
{
    if ((attributes & FILE_ATTRIBUTE_READONLY) != 0) {
        FILE_BASIC_INFO basic{};  // zero times: unchanged
        basic.FileAttributes = attributes & ~FILE_ATTRIBUTE_READONLY;
        if (basic.FileAttributes == 0) basic.FileAttributes = FILE_ATTRIBUTE_NORMAL;
        ::SetFileInformationByHandle(h, FileBasicInfo, &basic, sizeof basic);
    }
    FILE_DISPOSITION_INFO disposition{TRUE};
    if (!::SetFileInformationByHandle(h, FileDispositionInfo, &disposition, sizeof disposition)) {
        const DWORD err = ::GetLastError();
        if (!is_missing(err)) throw win32::error(err, "remove " + shown);
    }
}

// Removes `path`, which is in the directory whose final path is `parent_final`. Everything is
// decided on a handle opened with FILE_FLAG_OPEN_REPARSE_POINT: a link (symbolic link,
// junction, mount point) is deleted through that handle as itself and never descended into;
// an entry the system would only open through its link target is refused, never touched.
void remove_entry(const std::filesystem::path& path, const std::wstring& parent_final)
{
    const std::string shown = to_utf8(path);
    // FILE_LIST_DIRECTORY (FILE_READ_DATA on a file): a directory is listed through this handle,
    // the one that is checked (a second open without FILE_SHARE_DELETE, as FindFirstFileW
    // does, would also be a sharing violation against it).
    Handle h(::CreateFileW(path.c_str(), DELETE | FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES | FILE_LIST_DIRECTORY,
                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                           FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, nullptr));
    if (!h) {
        const DWORD err = ::GetLastError();
        if (is_missing(err)) return;
        throw win32::error(err, "remove " + shown);
    }
    BY_HANDLE_FILE_INFORMATION info{};
    if (!::GetFileInformationByHandle(h.get(), &info)) {
        const DWORD err = ::GetLastError();  // before building the message
        throw win32::error(err, "stat " + shown);
    }
    const DWORD attributes = info.dwFileAttributes;
    if ((attributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0) {
        delete_by_handle(h.get(), attributes, shown);  // the link itself
        return;
    }
    if (!opened_itself(h.get(), path, parent_final)) {
        throw Error(ErrorCode::integrity,
                    fmt::format("remove {}: it is a link that this system cannot open as itself (Wine follows Unix "
                                "symbolic links); remove the link by hand (what it points to is not touched)",
                                shown));
    }
    if ((attributes & FILE_ATTRIBUTE_DIRECTORY) != 0) {
        const std::wstring self = final_path(h.get());
        for (const auto& child : list_directory(h.get(), shown)) remove_entry(path / child, self);
    }
    delete_by_handle(h.get(), attributes, shown);
}

void remove_entry(const std::filesystem::path& path) { remove_entry(path, parent_final_path(path)); }

}  // namespace

std::optional<std::string> read_if_exists(const std::filesystem::path& file, size_t max_bytes)
{
    return read_file(file, max_bytes, /*no_follow=*/false);
}

std::optional<std::string> read_state_file(const std::filesystem::path& file, size_t max_bytes)
{
    return read_file(file, max_bytes, /*no_follow=*/true);
}

void remove_tree(const std::filesystem::path& dir) { remove_entry(dir); }

bool remove_if_not_regular(const std::filesystem::path& file)
{
    const DWORD attributes = ::GetFileAttributesW(file.c_str());
    if (attributes == INVALID_FILE_ATTRIBUTES) return false;
    if ((attributes & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT | FILE_ATTRIBUTE_DEVICE)) == 0) return false;
    remove_entry(file);
    return true;
}

bool is_regular_file_no_follow(const std::filesystem::path& file)
{
    const DWORD attributes = ::GetFileAttributesW(file.c_str());
    return attributes != INVALID_FILE_ATTRIBUTES &&
           (attributes & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT | FILE_ATTRIBUTE_DEVICE)) == 0;
}

void require_trusted_dir(const std::filesystem::path& dir, DirTrust trust)
{
    // The owner must be the caller (owner_rule_win.hpp). DACLs are not compared here
    // (docs/security.md, "Not verified here"): the directories hvsup creates get a protected
    // owner-only DACL, and a reparse point is what would redirect its writes and deletes elsewhere.
    const std::string kind = trust == DirTrust::state_dir ? "state directory" : "runtime directory";
    const std::string name = to_utf8(dir);
    const DWORD attributes = ::GetFileAttributesW(dir.c_str());
    if (attributes == INVALID_FILE_ATTRIBUTES) {
        const DWORD err = ::GetLastError();
        if (is_missing(err)) return;
        throw win32::error(err, "stat " + kind + " " + name);
    }
    if (trust == DirTrust::runtime_dir && (attributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0) {
        throw Error(ErrorCode::integrity,
                    fmt::format("{} {} is a reparse point (symbolic link or junction): hvsup never follows links inside "
                                "a state directory; remove the link (what it points to is not touched)",
                                kind, name));
    }
    if ((attributes & FILE_ATTRIBUTE_DIRECTORY) == 0) {
        throw Error(ErrorCode::integrity, fmt::format("{} {} is not a directory", kind, name));
    }
    owner_rule::require_owned_by_caller(dir, kind);
}

FileLock::FileLock(const std::filesystem::path& lock_file) : handle_(-1)
{
    DWORD err = 0;
    const DWORD share = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
    Handle h = open_no_follow(lock_file, GENERIC_READ | GENERIC_WRITE, share, OPEN_ALWAYS,
                              win32::PrivateSecurity::attributes(), err);
    if (!h) throw win32::error(err, "open lock " + to_utf8(lock_file));
    OVERLAPPED at{};  // the lock covers the whole range from offset 0
    if (!::LockFileEx(h.get(), LOCKFILE_EXCLUSIVE_LOCK, 0, MAXDWORD, MAXDWORD, &at)) {
        const DWORD last = ::GetLastError();  // before building the message
        throw win32::error(last, "lock " + to_utf8(lock_file));
    }
    handle_ = reinterpret_cast<intptr_t>(h.release());
}

std::optional<FileLock> FileLock::try_acquire(const std::filesystem::path& lock_file, std::chrono::milliseconds wait)
{
    const auto deadline = std::chrono::steady_clock::now() + wait;
    DWORD err = 0;
    const DWORD share = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
    Handle h = open_no_follow(lock_file, GENERIC_READ | GENERIC_WRITE, share, OPEN_ALWAYS,
                              win32::PrivateSecurity::attributes(), err);
    if (!h) {
        if (err == ERROR_PATH_NOT_FOUND) {
            throw Error(ErrorCode::not_found, fmt::format("open lock {}: directory does not exist", to_utf8(lock_file)));
        }
        throw win32::error(err, "open lock " + to_utf8(lock_file));
    }
    for (;;) {
        OVERLAPPED at{};
        if (::LockFileEx(h.get(), LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, MAXDWORD, MAXDWORD, &at)) {
            return FileLock(reinterpret_cast<intptr_t>(h.release()));
        }
        const DWORD last = ::GetLastError();
        if (last != ERROR_LOCK_VIOLATION && last != ERROR_IO_PENDING) throw win32::error(last, "lock " + to_utf8(lock_file));
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

FileLock::~FileLock()
{
    // Closing the handle releases the lock.
    if (handle_ != -1) ::CloseHandle(reinterpret_cast<HANDLE>(handle_));
}

FileLock::FileLock(FileLock&& other) noexcept : handle_(other.handle_) { other.handle_ = -1; }

}  // namespace hvsup::files
