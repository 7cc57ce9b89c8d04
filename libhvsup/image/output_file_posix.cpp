// POSIX implementation of image/output_file.hpp.
#include "image/output_file.hpp"

#include "core/error.hpp"
#include "core/files.hpp"

#include <fcntl.h>
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

class PosixOutput final : public OutputFile {
public:
    explicit PosixOutput(std::filesystem::path destination) : dest_(std::move(destination))
    {
        std::random_device rd;
        for (int attempt = 0; attempt < 16 && fd_ < 0; ++attempt) {
            temp_ = dest_;
            temp_ += fmt::format(".tmp-{:08x}", rd());
            fd_ = ::open(temp_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
            if (fd_ < 0 && errno != EEXIST) throw system_error(errno, "create " + files::to_utf8(temp_));
        }
        if (fd_ < 0) throw system_error(EEXIST, "create " + files::to_utf8(temp_));
    }
    ~PosixOutput() override
    {
        if (fd_ >= 0) ::close(fd_);
        if (!committed_) ::unlink(temp_.c_str());
    }

    // Small writes (headers, small files, metadata) are combined into one pwritev: a write
    // that continues the pending run, or starts at the next block boundary after it (the gap
    // is the tail of a block the run began, zero in the image), is appended instead of
    // issued. Copied writes go through a 1 MiB staging buffer; write_at_ref and stage add
    // their bytes without a copy.
    bool continues(uint64_t offset, size_t size) const
    {
        if (pending_len_ == 0) return true;
        const uint64_t end = pending_start_ + pending_len_;
        const uint64_t next_block = (end + 4095) / 4096 * 4096;
        return (offset == end || offset == next_block) && pending_len_ + (offset - end) + size <= max_pending &&
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
        if (size > stage_.size() / 2) return nullptr;
        if (!continues(offset, size) || stage_used_ + size > stage_.size()) flush();
        open_run(offset);
        uint8_t* at = stage_.data() + stage_used_;
        stage_used_ += size;
        append(at, size);
        return at;
    }

    void write_at(const void* data, size_t size, uint64_t offset) override
    {
        if (size > stage_.size() / 2) {
            flush();
            write_now(data, size, offset);
            return;
        }
        std::memcpy(stage(size, offset), data, size);
    }

    void write_at_ref(const void* data, size_t size, uint64_t offset) override
    {
        if (!continues(offset, size)) flush();
        if (size > max_pending) {
            write_now(data, size, offset);
            return;
        }
        open_run(offset);
        append(static_cast<const uint8_t*>(data), size);
    }

    void flush() override
    {
        if (pending_len_ == 0) return;
        // Whole pages: the rest of the last block is zero in the image (nothing is written
        // mid-block after a run's end), and full-page writes spare the kernel its partial-page
        // zeroing. Never past a size set_size() fixed (the VHD footer follows it).
        const uint64_t end = pending_start_ + pending_len_;
        const uint64_t padded = (end + 4095) / 4096 * 4096;
        if (padded != end && (!size_set_ || padded <= size_)) iov_.push_back({const_cast<uint8_t*>(zeros), static_cast<size_t>(padded - end)});
        uint64_t offset = pending_start_;
        size_t first = 0;
        pending_len_ = 0;
        stage_used_ = 0;
        while (first < iov_.size()) {
            ssize_t n = ::pwritev(fd_, iov_.data() + first, static_cast<int>(iov_.size() - first), static_cast<off_t>(offset));
            if (n < 0) {
                if (errno == EINTR) continue;
                iov_.clear();
                throw system_error(errno, "write " + files::to_utf8(temp_));
            }
            offset += static_cast<uint64_t>(n);
            wrote(static_cast<uint64_t>(n));
            auto left = static_cast<size_t>(n);
            while (first < iov_.size() && left >= iov_[first].iov_len) left -= iov_[first++].iov_len;
            if (left > 0) {  // a partial write inside one vector
                iov_[first].iov_base = static_cast<uint8_t*>(iov_[first].iov_base) + left;
                iov_[first].iov_len -= left;
            }
        }
        iov_.clear();
    }

    void mark_failed() override { failed_ = true; }

    void write_now(const void* data, size_t size, uint64_t offset)
    {
        auto p = static_cast<const char*>(data);
        while (size > 0) {
            ssize_t n = ::pwrite(fd_, p, size, static_cast<off_t>(offset));
            if (n < 0) {
                if (errno == EINTR) continue;
                throw system_error(errno, "write " + files::to_utf8(temp_));
            }
            p += n;
            size -= static_cast<size_t>(n);
            offset += static_cast<uint64_t>(n);
            wrote(static_cast<uint64_t>(n));
        }
    }

    // Starts writeback of what was written so far every `writeback_step` bytes, so the disk
    // works while the build goes on and the fsync in commit() finds little left to write.
    // SYNC_FILE_RANGE_WRITE only queues the dirty pages (it waits for nothing already under
    // writeback); it is a hint, so a failure is ignored here and fsync reports real errors.
    void wrote(uint64_t n)
    {
        unsynced_ += n;
        if (unsynced_ < writeback_step) return;
        unsynced_ = 0;
        (void)::sync_file_range(fd_, 0, 0, SYNC_FILE_RANGE_WRITE);
    }

    bool copy_from_file(int fd, uint64_t in_offset, uint64_t size, uint64_t out_offset) override
    {
        flush();
        bool copied_any = false;
        while (size > 0) {
            loff_t in = static_cast<loff_t>(in_offset), out = static_cast<loff_t>(out_offset);
            const size_t want = static_cast<size_t>(std::min<uint64_t>(size, 1u << 30));
            ssize_t n = ::copy_file_range(fd, &in, fd_, &out, want, 0);
            if (n < 0) {
                if (errno == EINTR) continue;
                if (!copied_any && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP ||
                                    errno == EBADF)) {
                    return false;  // e.g. a filesystem pair the kernel cannot copy between
                }
                throw system_error(errno, "copy into " + files::to_utf8(temp_));
            }
            if (n == 0) throw Error(ErrorCode::integrity, "copy into " + files::to_utf8(temp_) + ": the source ended early");
            copied_any = true;
            wrote(static_cast<uint64_t>(n));
            in_offset += static_cast<uint64_t>(n);
            out_offset += static_cast<uint64_t>(n);
            size -= static_cast<uint64_t>(n);
        }
        return true;
    }

    void set_size(uint64_t size) override
    {
        flush();
        if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) throw system_error(errno, "resize " + files::to_utf8(temp_));
        size_set_ = true;
        size_ = size;
    }

    void commit() override
    {
        if (failed_) throw Error(ErrorCode::io, "write " + files::to_utf8(temp_) + ": an earlier write failed");
        flush();
        if (::fsync(fd_) != 0) throw system_error(errno, "flush " + files::to_utf8(temp_));
        if (::close(fd_) != 0) {
            fd_ = -1;
            throw system_error(errno, "close " + files::to_utf8(temp_));
        }
        fd_ = -1;
        if (::rename(temp_.c_str(), dest_.c_str()) != 0) throw system_error(errno, "commit " + files::to_utf8(dest_));
        committed_ = true;
    }

private:
    std::filesystem::path dest_, temp_;
    int fd_ = -1;
    bool committed_ = false;
    static constexpr size_t max_pending = 4u << 20;
    static constexpr size_t max_iov = 1024;  // IOV_MAX on Linux
    static constexpr uint8_t zeros[4096] = {};
    std::vector<uint8_t> stage_ = std::vector<uint8_t>(1u << 20);
    size_t stage_used_ = 0;
    std::vector<iovec> iov_;
    uint64_t pending_start_ = 0;
    size_t pending_len_ = 0;
    bool failed_ = false;
    bool size_set_ = false;
    uint64_t size_ = 0;
    static constexpr uint64_t writeback_step = 16u << 20;
    uint64_t unsynced_ = 0;
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
