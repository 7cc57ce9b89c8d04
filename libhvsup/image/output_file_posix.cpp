// SPDX-License-Identifier: MIT
// POSIX implementation of image/output_file.hpp.
#include "image/output_file.hpp"

#include "core/error.hpp"
#include "core/files.hpp"
#include "image/write_queue_posix.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>
#include <random>

#include <fmt/format.h>

namespace hvsup::image {
namespace {

// Refuses an existing destination that is not a regular file: replacing a device node, FIFO or
// symlink (as root, `-o /dev/null`) with an image is never what was meant.
void check_destination(const std::filesystem::path& dest)
{
    struct stat st {};
    if (::lstat(dest.c_str(), &st) != 0) {
        if (errno == ENOENT) return;
        throw system_error(errno, "output " + files::to_utf8(dest));
    }
    if (S_ISREG(st.st_mode)) return;
    const char* what = S_ISLNK(st.st_mode)    ? "a symlink"
                       : S_ISDIR(st.st_mode)  ? "a directory"
                       : S_ISFIFO(st.st_mode) ? "a FIFO"
                       : S_ISCHR(st.st_mode)  ? "a character device"
                       : S_ISBLK(st.st_mode)  ? "a block device"
                       : S_ISSOCK(st.st_mode) ? "a socket"
                                              : "not a regular file";
    throw Error(ErrorCode::invalid_argument,
                fmt::format("output {}: exists and is {}; only a regular file is replaced", files::to_utf8(dest), what));
}

std::filesystem::path directory_of(const std::filesystem::path& dest)
{
    return dest.has_parent_path() ? dest.parent_path() : std::filesystem::path(".");
}

// Blocks the signals that end a build (INT, TERM, HUP, PIPE) in this thread while the
// finished image is linked and renamed into place, so no temporary name is left between the
// two steps; the previous mask is restored on scope exit.
class SignalsHeld {
public:
    SignalsHeld()
    {
        sigset_t set;
        sigemptyset(&set);
        for (int s : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) sigaddset(&set, s);
        held_ = ::pthread_sigmask(SIG_BLOCK, &set, &old_) == 0;
    }
    ~SignalsHeld()
    {
        if (held_) ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    }
    SignalsHeld(const SignalsHeld&) = delete;
    SignalsHeld& operator=(const SignalsHeld&) = delete;

private:
    sigset_t old_;
    bool held_ = false;
};

// The image is written to an unnamed file (O_TMPFILE) in the destination's directory and gets
// a name only in commit(), once it is complete and on disk: a build that fails, is cancelled or
// is killed by any signal leaves nothing, as the kernel frees an unnamed file with its last
// descriptor. Where the filesystem has no O_TMPFILE, a named temporary beside the destination
// is used instead and removed on failure (a SIGKILL there can leave it).
class PosixOutput final : public OutputFile {
public:
    explicit PosixOutput(std::filesystem::path destination) : dest_(std::move(destination))
    {
        check_destination(dest_);
        const std::filesystem::path dir = directory_of(dest_);
#ifdef O_TMPFILE
        fd_ = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
        if (fd_ >= 0) {
            start_queue();
            return;
        }
        if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL && errno != ENOENT) {
            throw system_error(errno, "create the output in " + files::to_utf8(dir));
        }
#endif
        fd_ = open_named_temp(temp_);
        named_ = true;
        start_queue();
    }
    ~PosixOutput() override
    {
        queue_.reset();  // stops its threads before the descriptor goes
        if (fd_ >= 0) ::close(fd_);
        if (named_ && !committed_) ::unlink(temp_.c_str());
    }

    // Small writes (headers, small files, metadata) are combined into one pwritev: a write
    // that continues the pending run, or starts at the next block boundary after it (the gap
    // is the tail of a block the run began, zero in the image), is appended instead of
    // issued. Bytes are copied into the current 512 KiB buffer (stage() lets the caller fill it
    // directly); a full run is handed to the write queue's thread, and the building thread
    // goes on with the next buffer.
    bool continues(uint64_t offset, size_t size) const
    {
        if (pending_len_ == 0) return true;
        const uint64_t end = pending_start_ + pending_len_;
        const uint64_t next_block = (end + 4095) / 4096 * 4096;
        return (offset == end || offset == next_block) && stage_used_ + size <= WriteQueue::buffer_size &&
               iov_.size() + 3 <= max_iov;  // gap, data, final padding
    }

    // Appends the zero gap before `offset` and returns; the caller appends the bytes.
    void open_run(uint64_t offset)
    {
        if (pending_len_ == 0) {
            pending_start_ = offset;
            return;
        }
        const uint64_t gap = offset - (pending_start_ + pending_len_);
        if (gap > 0) {
            iov_.push_back({const_cast<uint8_t*>(zeros), static_cast<size_t>(gap)});
            pending_len_ += static_cast<size_t>(gap);
        }
    }

    void append(const uint8_t* p, size_t size)
    {
        if (!iov_.empty() && static_cast<const uint8_t*>(iov_.back().iov_base) + iov_.back().iov_len == p &&
            iov_.back().iov_base != zeros) {
            iov_.back().iov_len += size;  // contiguous in memory too
        } else {
            iov_.push_back({const_cast<uint8_t*>(p), size});
        }
        pending_len_ += size;
    }

    uint8_t* stage(size_t size, uint64_t offset) override
    {
        if (size > WriteQueue::buffer_size / 2) return nullptr;
        if (!continues(offset, size)) flush();
        if (buffer_ == nullptr) buffer_ = queue_->take_buffer();
        open_run(offset);
        uint8_t* at = buffer_ + stage_used_;
        stage_used_ += size;
        append(at, size);
        return at;
    }

    void unstage(size_t size) override
    {
        if (size == 0) return;
        stage_used_ -= size;
        pending_len_ -= size;
        iov_.back().iov_len -= size;  // the staged bytes are the last vector's end
        if (iov_.back().iov_len == 0) iov_.pop_back();
    }

    void write_at(const void* data, size_t size, uint64_t offset) override
    {
        // Large writes are cut into pieces the buffers take: one copy more, but the building
        // thread never waits for the disk.
        auto p = static_cast<const uint8_t*>(data);
        constexpr size_t piece = WriteQueue::buffer_size / 2;
        while (size > 0) {
            const size_t n = std::min(size, piece);
            std::memcpy(stage(n, offset), p, n);
            p += n;
            size -= n;
            offset += n;
        }
    }

    void flush() override
    {
        if (pending_len_ == 0) {
            queue_->check();
            return;
        }
        // Whole pages: the rest of the last block is zero in the image (nothing is written
        // mid-block after a run's end), and full-page writes spare the kernel its partial-page
        // zeroing. Never past a size set_size() fixed (the VHD footer follows it).
        const uint64_t end = pending_start_ + pending_len_;
        const uint64_t padded = (end + 4095) / 4096 * 4096;
        if (padded != end && (!size_set_ || padded <= size_)) iov_.push_back({const_cast<uint8_t*>(zeros), static_cast<size_t>(padded - end)});
        std::vector<iovec> iov;
        iov.swap(iov_);
        iov_.reserve(iov.capacity());
        uint8_t* buffer = buffer_;
        buffer_ = nullptr;
        pending_len_ = 0;
        stage_used_ = 0;
        queue_->submit_write(std::move(iov), pending_start_, buffer);
    }

    void mark_failed() override { failed_ = true; }

    // The copy runs on the queue's thread, from a duplicate of `fd` (the caller may close its
    // own at once); a copy the kernel refuses (files on different filesystems) is done there
    // through a buffer, and a source that ends early fails the build at the next call.
    bool copy_from_file(int fd, uint64_t in_offset, uint64_t size, uint64_t out_offset) override
    {
        flush();
        if (size == 0) return true;
        const int dup = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
        if (dup < 0) throw system_error(errno, "copy into " + files::to_utf8(dest_));
        queue_->submit_copy(dup, in_offset, size, out_offset);
        return true;
    }

    // Queued like the writes, so it is ordered with them (a write queued earlier to the same
    // range cannot land after the hole).
    void discard(uint64_t offset, uint64_t size) override
    {
        flush();
        if (size == 0) return;
        queue_->submit_discard(offset, size);
    }

    void set_size(uint64_t size) override
    {
        flush();
        queue_->drain();
        if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) throw system_error(errno, "resize " + files::to_utf8(dest_));
        size_set_ = true;
        size_ = size;
    }

    void commit() override
    {
        if (failed_) throw Error(ErrorCode::io, "write " + files::to_utf8(dest_) + ": an earlier write failed");
        flush();
        queue_->drain();
        if (const int err = queue_->stop_syncer(); err != 0) throw system_error(err, "flush " + files::to_utf8(dest_));
        if (::fsync(fd_) != 0) throw system_error(errno, "flush " + files::to_utf8(dest_));
        queue_.reset();
        check_destination(dest_);  // again: it may have changed during the build
        {
            SignalsHeld held;
            if (!named_) link_unnamed();
            if (::rename(temp_.c_str(), dest_.c_str()) != 0) {
                const int err = errno;
                ::unlink(temp_.c_str());
                throw system_error(err, "commit " + files::to_utf8(dest_));
            }
            committed_ = true;
        }
        const int err = ::close(fd_) != 0 ? errno : 0;
        fd_ = -1;
        if (err != 0) throw system_error(err, "close " + files::to_utf8(dest_));
        sync_directory();
    }

private:
    void start_queue()
    {
        try {
            queue_ = std::make_unique<WriteQueue>(fd_, files::to_utf8(dest_));
        } catch (const std::system_error& e) {  // no thread could be started
            ::close(fd_);
            fd_ = -1;
            if (named_) ::unlink(temp_.c_str());
            throw system_error(e.code().value(), "start the writer of " + files::to_utf8(dest_));
        }
    }

    // A fresh name beside the destination for a new file, opened exclusively.
    int open_named_temp(std::filesystem::path& name) const
    {
        std::random_device rd;
        for (int attempt = 0; attempt < 16; ++attempt) {
            name = dest_;
            name += fmt::format(".tmp-{:08x}", rd());
            int fd = ::open(name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
            if (fd >= 0) return fd;
            if (errno != EEXIST) throw system_error(errno, "create " + files::to_utf8(name));
        }
        throw system_error(EEXIST, "create " + files::to_utf8(name));
    }

    // Gives the unnamed file a temporary name beside the destination (linkat through
    // /proc/self/fd, which needs no privilege, unlike AT_EMPTY_PATH), to be renamed over it:
    // an existing destination is replaced in one step and stays intact until then.
    void link_unnamed()
    {
        const std::string proc = fmt::format("/proc/self/fd/{}", fd_);
        std::random_device rd;
        for (int attempt = 0; attempt < 16; ++attempt) {
            temp_ = dest_;
            temp_ += fmt::format(".tmp-{:08x}", rd());
            if (::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, temp_.c_str(), AT_SYMLINK_FOLLOW) == 0) return;
            if (errno != EEXIST) break;
        }
        const int err = errno;
        if (::linkat(fd_, "", AT_FDCWD, temp_.c_str(), AT_EMPTY_PATH) == 0) return;  // no /proc, privileged
        throw system_error(err, "commit " + files::to_utf8(dest_));
    }

    // Makes the new name durable too (the data already is).
    void sync_directory() const
    {
        const int dfd = ::open(directory_of(dest_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0) return;
        (void)::fsync(dfd);
        ::close(dfd);
    }

    std::filesystem::path dest_, temp_;
    int fd_ = -1;
    bool named_ = false;  // no O_TMPFILE here: temp_ exists from the start
    bool committed_ = false;
    static constexpr size_t max_iov = 1024;  // IOV_MAX on Linux
    static constexpr uint8_t zeros[4096] = {};
    std::unique_ptr<WriteQueue> queue_;
    uint8_t* buffer_ = nullptr;  // the queue's buffer being filled, or none yet
    size_t stage_used_ = 0;
    std::vector<iovec> iov_;
    uint64_t pending_start_ = 0;
    size_t pending_len_ = 0;
    bool failed_ = false;
    bool size_set_ = false;
    uint64_t size_ = 0;
};

class PosixInput final : public InputFile {
public:
    explicit PosixInput(const std::filesystem::path& path) : path_(path)
    {
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) throw system_error(errno, "open " + files::to_utf8(path));
        struct stat st {};
        if (::fstat(fd_, &st) != 0) throw system_error(errno, "stat " + files::to_utf8(path));
        size_ = static_cast<uint64_t>(st.st_size);
    }
    ~PosixInput() override { ::close(fd_); }

    void read_at(void* data, size_t size, uint64_t offset) const override
    {
        auto p = static_cast<char*>(data);
        while (size > 0) {
            ssize_t n = ::pread(fd_, p, size, static_cast<off_t>(offset));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw system_error(errno, "read " + files::to_utf8(path_));
            if (n == 0) throw Error(ErrorCode::integrity, "read " + files::to_utf8(path_) + ": unexpected end of file");
            p += n;
            size -= static_cast<size_t>(n);
            offset += static_cast<uint64_t>(n);
        }
    }
    uint64_t size() const override { return size_; }

private:
    std::filesystem::path path_;
    int fd_ = -1;
    uint64_t size_ = 0;
};

}  // namespace

std::unique_ptr<OutputFile> OutputFile::create(const std::filesystem::path& destination)
{
    return std::make_unique<PosixOutput>(destination);
}

int duplicate_stdin()
{
    int fd = ::dup(0);
    if (fd < 0) throw system_error(errno, "read standard input");
    return fd;
}

std::unique_ptr<InputFile> InputFile::open(const std::filesystem::path& path) { return std::make_unique<PosixInput>(path); }

}  // namespace hvsup::image
