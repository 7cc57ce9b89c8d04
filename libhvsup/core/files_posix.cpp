// POSIX system calls behind core/files.hpp.
#include "core/files.hpp"

#include "core/error.hpp"

#include <atomic>
#include <thread>
#include <cerrno>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace hvsup::files {
namespace {

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() { if (fd_ >= 0) ::close(fd_); }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    int release() { int fd = fd_; fd_ = -1; return fd; }

private:
    int fd_;
};

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

std::optional<std::string> read_if_exists(const std::filesystem::path& file, size_t max_bytes)
{
    const std::string name = to_utf8(file);
    Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        if (errno == ENOENT) return std::nullopt;
        throw system_error(errno, "open " + name);
    }
    std::string out;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
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
