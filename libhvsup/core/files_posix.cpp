// SPDX-License-Identifier: MIT
// POSIX system calls behind core/files.hpp.
#include "core/files.hpp"

#include "core/error.hpp"
#include "core/unique_handle.hpp"

#include <atomic>
#include <thread>
#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>
#include <vector>

#include <fmt/format.h>

namespace hvsup::files {
namespace {

// A file descriptor for UniqueHandle: negative means none.
struct FdTraits {
    using value_type = int;
    static constexpr int none() noexcept { return -1; }
    static bool valid(int fd) noexcept { return fd >= 0; }
    static void close(int fd) noexcept { ::close(fd); }
};

using Fd = UniqueHandle<FdTraits>;

void write_all(int fd, std::string_view data, const std::string& what)
{
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            throw system_error(errno, "write " + what);
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
}

void sync_parent_dir(const std::filesystem::path& file)
{
    // Makes the rename itself durable; best effort (some filesystems refuse fsync on dirs).
    int dfd = ::open(file.parent_path().empty() ? "." : file.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

}  // namespace

void ensure_private_dir(const std::filesystem::path& dir)
{
    if (dir.empty()) return;
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            throw Error(ErrorCode::io, fmt::format("create directory {}: not a directory", to_utf8(dir)));
        }
        return;
    }
    if (dir.has_parent_path() && dir.parent_path() != dir) ensure_private_dir(dir.parent_path());
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        throw system_error(errno, "create directory " + to_utf8(dir));
    }
}

void touch_private_file(const std::filesystem::path& file)
{
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) throw system_error(errno, "create " + to_utf8(file));
    ::close(fd);
}

std::FILE* open_append_no_follow(const std::filesystem::path& file)
{
    Fd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600));
    if (fd.get() < 0 && errno == ELOOP) {
        throw Error(ErrorCode::integrity, to_utf8(file) + " is a symbolic link; hvsup does not write through links");
    }
    if (fd.get() < 0) throw system_error(errno, "open " + to_utf8(file));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw system_error(errno, "stat " + to_utf8(file));
    if (!S_ISREG(st.st_mode)) throw Error(ErrorCode::integrity, to_utf8(file) + " is not a regular file");
    std::FILE* f = ::fdopen(fd.get(), "ab");
    if (f == nullptr) throw system_error(errno, "open " + to_utf8(file));
    fd.release();
    return f;
}

void redirect_stderr(std::FILE* file, const std::filesystem::path& path)
{
    std::fflush(stderr);
    if (::dup2(::fileno(file), STDERR_FILENO) < 0) throw system_error(errno, "point stderr at " + to_utf8(path));
}

void write_atomic(const std::filesystem::path& file, std::string_view data)
{
    static std::atomic<unsigned> counter{0};
    const std::string target = to_utf8(file);
    std::filesystem::path tmp = file;
    tmp += fmt::format(".{}.{}.tmp", ::getpid(), counter.fetch_add(1));
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (fd.get() < 0) throw system_error(errno, "create temporary file for " + target);
    try {
        write_all(fd.get(), data, target);
        if (::fsync(fd.get()) != 0) throw system_error(errno, "flush " + target);
        if (::close(fd.release()) != 0) throw system_error(errno, "close " + target);
        if (::rename(tmp.c_str(), file.c_str()) != 0) throw system_error(errno, "replace " + target);
    } catch (...) {
        ::unlink(tmp.c_str());
        throw;
    }
    sync_parent_dir(file);
}

namespace {

std::string read_all(int fd, const std::string& name, size_t max_bytes)
{
    std::string out;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw system_error(errno, "read " + name);
        }
        if (n == 0) break;
        if (out.size() + static_cast<size_t>(n) > max_bytes) {
            throw Error(ErrorCode::too_large, fmt::format("read {}: file exceeds {} bytes", name, max_bytes));
        }
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

[[noreturn]] void refuse_foreign(const std::string& name, std::string_view what)
{
    throw Error(ErrorCode::integrity,
                fmt::format("state file {} is {}, not a regular file; hvsup never reads through links or other file "
                            "types in a state directory: remove it",
                            name, what));
}

std::string_view describe_type(mode_t mode)
{
    if (S_ISREG(mode)) return "a regular file";
    if (S_ISLNK(mode)) return "a symbolic link";
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISSOCK(mode)) return "a socket";
    if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
    return "a special file";
}

void remove_at(int parent_fd, const std::string& name, const std::string& shown)
{
    struct stat st {};
    if (::fstatat(parent_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) return;
        throw system_error(errno, "remove " + shown);
    }
    if (!S_ISDIR(st.st_mode)) {
        if (::unlinkat(parent_fd, name.c_str(), 0) != 0 && errno != ENOENT) throw system_error(errno, "remove " + shown);
        return;
    }
    // O_NOFOLLOW: an entry swapped for a link after the fstatat is not descended into.
    Fd dir(::openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (dir.get() < 0) {
        if (errno == ENOENT) return;
        throw system_error(errno, "open " + shown);
    }
    std::vector<std::string> names;
    {
        const int listing = ::dup(dir.get());
        DIR* d = listing >= 0 ? ::fdopendir(listing) : nullptr;
        if (d == nullptr) {
            const int err = errno;
            if (listing >= 0) ::close(listing);
            throw system_error(err, "list " + shown);
        }
        while (const dirent* e = ::readdir(d)) {
            const std::string entry = e->d_name;
            if (entry != "." && entry != "..") names.push_back(entry);
        }
        ::closedir(d);
    }
    for (const auto& entry : names) remove_at(dir.get(), entry, shown + "/" + entry);
    if (::unlinkat(parent_fd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
        throw system_error(errno, "remove " + shown);
    }
}

// The parent directory and last component of `path`, ignoring a trailing separator.
std::pair<std::filesystem::path, std::string> split_last(const std::filesystem::path& path)
{
    std::filesystem::path p = path.lexically_normal();
    if (!p.has_filename() && p.has_parent_path()) p = p.parent_path();
    std::filesystem::path parent = p.parent_path();
    return {parent.empty() ? std::filesystem::path(".") : parent, p.filename().string()};
}

}  // namespace

std::optional<std::string> read_if_exists(const std::filesystem::path& file, size_t max_bytes)
{
    const std::string name = to_utf8(file);
    Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        if (errno == ENOENT) return std::nullopt;
        throw system_error(errno, "open " + name);
    }
    return read_all(fd.get(), name, max_bytes);
}

std::optional<std::string> read_state_file(const std::filesystem::path& file, size_t max_bytes)
{
    const std::string name = to_utf8(file);
    // O_NONBLOCK: opening a planted FIFO must not hang; it is refused below like any non-file.
    Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    if (fd.get() < 0) {
        if (errno == ENOENT) return std::nullopt;
        if (errno == ELOOP) refuse_foreign(name, "a symbolic link");
        throw system_error(errno, "open " + name);
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw system_error(errno, "stat " + name);
    if (!S_ISREG(st.st_mode)) refuse_foreign(name, describe_type(st.st_mode));
    return read_all(fd.get(), name, max_bytes);
}

void remove_tree(const std::filesystem::path& dir)
{
    const auto [parent, name] = split_last(dir);
    if (name.empty() || name == "." || name == "..") {
        throw Error(ErrorCode::invalid_argument, fmt::format("remove {}: not a removable directory", to_utf8(dir)));
    }
    Fd parent_fd(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (parent_fd.get() < 0) {
        if (errno == ENOENT) return;
        throw system_error(errno, "open " + to_utf8(parent));
    }
    remove_at(parent_fd.get(), name, to_utf8(dir));
}

bool remove_if_not_regular(const std::filesystem::path& file)
{
    struct stat st {};
    if (::lstat(file.c_str(), &st) != 0) {
        if (errno == ENOENT) return false;
        throw system_error(errno, "stat " + to_utf8(file));
    }
    if (S_ISREG(st.st_mode)) return false;
    remove_tree(file);
    return true;
}

bool is_regular_file_no_follow(const std::filesystem::path& file)
{
    struct stat st {};
    return ::lstat(file.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

namespace {

std::string dir_kind(DirTrust trust) { return trust == DirTrust::state_dir ? "state directory" : "runtime directory"; }

void require_private_mode(const std::string& kind, const std::string& name, const struct stat& st)
{
    const uid_t me = ::geteuid();
    if (st.st_uid != me) {
        throw Error(ErrorCode::integrity,
                    fmt::format("{} {} is owned by uid {}, not by the caller (uid {}): its owner could forge the state "
                                "hvsup acts on; use a directory you own (chown it, or choose another stateDir)",
                                kind, name, st.st_uid, me));
    }
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        throw Error(ErrorCode::integrity,
                    fmt::format("{} {} is writable by others (mode {:04o}): anyone who can write there could forge the "
                                "state hvsup acts on; run chmod go-w {}",
                                kind, name, st.st_mode & 07777, name));
    }
}

// Nobody but the caller and root may rename the entries on the way to a state directory.
void require_trusted_parents(const std::filesystem::path& dir, const std::string& shown)
{
    std::error_code ec;
    std::filesystem::path p = std::filesystem::weakly_canonical(std::filesystem::absolute(dir), ec);
    if (ec) return;  // reported by the operation itself
    const uid_t me = ::geteuid();
    for (p = p.parent_path();; p = p.parent_path()) {
        struct stat st {};
        if (::stat(p.c_str(), &st) == 0) {
            const std::string name = to_utf8(p);
            if (st.st_uid != me && st.st_uid != 0) {
                throw Error(ErrorCode::integrity,
                            fmt::format("parent directory {} of state directory {} is owned by uid {}: its owner could "
                                        "swap the state directory; choose a stateDir below directories owned by you or "
                                        "root",
                                        name, shown, st.st_uid));
            }
            if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0) {
                throw Error(ErrorCode::integrity,
                            fmt::format("parent directory {} of state directory {} is writable by others and not sticky "
                                        "(mode {:04o}): they could swap the state directory; run chmod go-w {} (or "
                                        "chmod +t), or choose another stateDir",
                                        name, shown, st.st_mode & 07777, name));
            }
        }
        if (p == p.parent_path() || p.empty()) break;
    }
}

}  // namespace

void require_trusted_dir(const std::filesystem::path& dir, DirTrust trust)
{
    const std::string kind = dir_kind(trust);
    const std::string name = to_utf8(dir);
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0) {
        if (errno != ENOENT) throw system_error(errno, "stat " + kind + " " + name);
        if (trust == DirTrust::state_dir) require_trusted_parents(dir, name);
        return;
    }
    if (S_ISLNK(st.st_mode)) {
        if (trust == DirTrust::runtime_dir) {
            throw Error(ErrorCode::integrity,
                        fmt::format("{} {} is a symbolic link: hvsup never follows links inside a state directory; "
                                    "remove the link (what it points to is not touched)",
                                    kind, name));
        }
        if (st.st_uid != ::geteuid() && st.st_uid != 0) {
            throw Error(ErrorCode::integrity,
                        fmt::format("{} {} is a symbolic link owned by uid {}: its owner could redirect the state; "
                                    "use the directory itself or a link you own",
                                    kind, name, st.st_uid));
        }
        if (::stat(dir.c_str(), &st) != 0) {
            if (errno == ENOENT) {
                throw Error(ErrorCode::integrity, fmt::format("{} {} is a dangling symbolic link", kind, name));
            }
            throw system_error(errno, "stat " + kind + " " + name);
        }
    }
    if (!S_ISDIR(st.st_mode)) {
        throw Error(ErrorCode::integrity, fmt::format("{} {} is {}, not a directory", kind, name, describe_type(st.st_mode)));
    }
    require_private_mode(kind, name, st);
    if (trust == DirTrust::state_dir) require_trusted_parents(dir, name);
}

FileLock::FileLock(const std::filesystem::path& lock_file) : handle_(-1)
{
    int fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) throw system_error(errno, "open lock " + to_utf8(lock_file));
    while (::flock(fd, LOCK_EX) != 0) {
        if (errno == EINTR) continue;
        int err = errno;
        ::close(fd);
        throw system_error(err, "lock " + to_utf8(lock_file));
    }
    handle_ = fd;
}

std::optional<FileLock> FileLock::try_acquire(const std::filesystem::path& lock_file, std::chrono::milliseconds wait)
{
    const auto deadline = std::chrono::steady_clock::now() + wait;
    const std::string name = to_utf8(lock_file);
    for (;;) {
        Fd fd(::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
        if (fd.get() < 0) {
            if (errno == ENOENT) throw Error(ErrorCode::not_found, fmt::format("open lock {}: directory does not exist", name));
            throw system_error(errno, "open lock " + name);
        }
        for (;;) {
            if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) {
                // The holder before us may have removed the file (delete removes the runtime
                // directory under the lock): a lock on an unlinked inode guards nothing.
                struct stat held {}, current {};
                if (::fstat(fd.get(), &held) == 0 && ::stat(lock_file.c_str(), &current) == 0 &&
                    held.st_dev == current.st_dev && held.st_ino == current.st_ino) {
                    return FileLock(static_cast<intptr_t>(fd.release()));
                }
                break;  // reopen by path
            }
            if (errno == EINTR) continue;
            if (errno != EWOULDBLOCK) throw system_error(errno, "lock " + name);
            if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
}

FileLock::~FileLock()
{
    if (handle_ >= 0) ::close(static_cast<int>(handle_));  // closing releases the flock
}

FileLock::FileLock(FileLock&& other) noexcept : handle_(other.handle_) { other.handle_ = -1; }

}  // namespace hvsup::files
