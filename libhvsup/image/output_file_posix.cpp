// POSIX implementation of image/output_file.hpp.
#include "image/output_file.hpp"

#include "core/error.hpp"
#include "core/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
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

    // Small writes (headers, small files, metadata) are combined: a write that continues
    // the pending one, or starts at the next block boundary after it (the gap is the tail of
    // a block the pending write began, zero in the image), is appended instead of issued.
    void write_at(const void* data, size_t size, uint64_t offset) override
    {
        if (pending_len_ > 0) {
            const uint64_t end = pending_start_ + pending_len_;
            const uint64_t next_block = (end + 4095) / 4096 * 4096;
            if ((offset == end || offset == next_block) && (offset - end) + size <= pending_.size() - pending_len_) {
                std::memset(pending_.data() + pending_len_, 0, offset - end);
                std::memcpy(pending_.data() + pending_len_ + (offset - end), data, size);
                pending_len_ += static_cast<size_t>(offset - end) + size;
                return;
            }
            flush();
        }
        if (size >= pending_.size() / 2) {
            write_now(data, size, offset);
            return;
        }
        std::memcpy(pending_.data(), data, size);
        pending_start_ = offset;
        pending_len_ = size;
    }

    void flush()
    {
        if (pending_len_ == 0) return;
        const size_t n = pending_len_;
        pending_len_ = 0;
        write_now(pending_.data(), n, pending_start_);
    }

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
        }
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
    }

    void commit() override
    {
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
    std::vector<uint8_t> pending_ = std::vector<uint8_t>(1u << 20);
    uint64_t pending_start_ = 0;
    size_t pending_len_ = 0;
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
