// SPDX-License-Identifier: MIT
// open_stream on POSIX: an uncompressed regular file is read with pread through a read-ahead
// buffer and its large members copied into the image with copy_file_range; gzip input and
// pipes go through zlib, zstd files through libzstd.
#include "image/byte_stream.hpp"

#include "core/error.hpp"
#include "core/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace hvsup::image {
namespace {

// Headers and small members are read with pread through a 256 KiB read-ahead buffer; reads of
// 64 KiB or more go straight to the caller's buffer, and members of 256 KiB or more are copied
// in the kernel (copy_file_range) when they line up with the image's pages. A mapping of the
// file was tried before: its page faults cost more than the copies pread makes (docs/image.md,
// "Benchmark").
class PlainFileStream final : public ByteStream {
public:
    PlainFileStream(int fd, std::string name, uint64_t size) : fd_(fd), name_(std::move(name)), size_(size) {}
    ~PlainFileStream() override { ::close(fd_); }

    size_t read(uint8_t* buf, size_t max) override
    {
        if (ahead_pos_ == ahead_len_) {
            if (max >= direct_read) {
                const size_t n = pread_at(buf, max, pos_);
                pos_ += n;
                return n;
            }
            ahead_pos_ = 0;
            ahead_len_ = pread_at(ahead_.data(), ahead_.size(), pos_);
            if (ahead_len_ == 0) return 0;
        }
        const size_t n = std::min(max, ahead_len_ - ahead_pos_);
        std::memcpy(buf, ahead_.data() + ahead_pos_, n);
        ahead_pos_ += n;
        pos_ += n;
        return n;
    }
    bool copy_to(OutputFile& out, uint64_t out_offset, uint64_t size) override
    {
        // A member running past the end takes the read path, which reports the truncation.
        if (size < (256u << 10) || pos_ + size > size_) return false;
        // A tar's data sits at 512-byte boundaries, the image's at 4 KiB ones. Where they are not
        // the same distance into a page, the kernel's copy (on the writer thread) writes every
        // page of the image in two partial pieces; such a member is read here instead and written
        // as whole pages (issue 15: minbase 11-14% faster from a tar, the large tree 18%;
        // docs/image.md, "Tar members that do not line up with the image's pages").
        static const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
        if (pos_ % page != out_offset % page) return false;
        if (!out.copy_from_file(fd_, pos_, size, out_offset)) return false;
        // What the read-ahead buffer holds of the member is skipped.
        const uint64_t buffered = ahead_len_ - ahead_pos_;
        ahead_pos_ += static_cast<size_t>(std::min<uint64_t>(buffered, size));
        pos_ += size;
        return true;
    }
    uint64_t position() const override { return pos_; }

private:
    static constexpr size_t direct_read = 64u << 10;

    size_t pread_at(uint8_t* buf, size_t max, uint64_t offset)
    {
        const size_t want = static_cast<size_t>(std::min<uint64_t>(max, size_ - std::min(offset, size_)));
        if (want == 0) return 0;
        while (true) {
            const ssize_t got = ::pread(fd_, buf, want, static_cast<off_t>(offset));
            if (got < 0 && errno == EINTR) continue;
            if (got < 0) throw system_error(errno, "read " + name_);
            return static_cast<size_t>(got);
        }
    }

    int fd_;
    std::string name_;
    uint64_t size_;
    uint64_t pos_ = 0;
    std::vector<uint8_t> ahead_ = std::vector<uint8_t>(256u << 10);
    size_t ahead_pos_ = 0, ahead_len_ = 0;
};

}  // namespace

std::unique_ptr<ByteStream> open_stream(const std::filesystem::path& path)
{
    const std::string text = files::to_utf8(path);
    if (text == "-") return open_gzip_stream(duplicate_stdin(), "standard input");
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw system_error(errno, "open " + text);
    struct stat st {};
    uint8_t magic[4] = {0, 0, 0, 0};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        const ssize_t n = ::pread(fd, magic, 4, 0);
        if (n == 4 && std::memcmp(magic, zstd_magic, 4) == 0) return open_zstd_stream(fd, text);  // takes the descriptor
        if (n >= 2 && !(magic[0] == 0x1f && magic[1] == 0x8b)) {
            return std::make_unique<PlainFileStream>(fd, text, static_cast<uint64_t>(st.st_size));
        }
    }
    return open_gzip_stream(fd, text);  // takes the descriptor
}

}  // namespace hvsup::image
