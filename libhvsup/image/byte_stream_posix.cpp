// open_stream on POSIX: an uncompressed regular file is read with pread and its members are
// copied into the image with copy_file_range; gzip input and pipes go through zlib.
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

class PlainFileStream final : public ByteStream {
public:
    PlainFileStream(int fd, std::string name, uint64_t size) : fd_(fd), name_(std::move(name)), size_(size), buf_(1024 * 1024) {}
    ~PlainFileStream() override { ::close(fd_); }

    size_t read(uint8_t* buf, size_t max) override
    {
        if (pos_ < buf_start_ || pos_ >= buf_start_ + buf_len_) fill();
        const size_t avail = static_cast<size_t>(buf_start_ + buf_len_ - pos_);
        const size_t n = std::min(avail, max);
        std::memcpy(buf, buf_.data() + (pos_ - buf_start_), n);
        pos_ += n;
        return n;
    }
    bool copy_to(OutputFile& out, uint64_t out_offset, uint64_t size) override
    {
        // A member running past the end takes the read path, which reports the truncation.
        if (pos_ + size > size_) return false;
        if (pos_ >= buf_start_ && pos_ + size <= buf_start_ + buf_len_) {  // small member: already read
            out.write_at(buf_.data() + (pos_ - buf_start_), static_cast<size_t>(size), out_offset);
            pos_ += size;
            return true;
        }
        if (size < (256u << 10)) return false;  // the read path: read-ahead plus combined writes
        if (!out.copy_from_file(fd_, pos_, size, out_offset)) return false;
        pos_ += size;
        return true;
    }
    uint64_t position() const override { return pos_; }

private:
    void fill()
    {
        while (true) {
            ssize_t n = ::pread(fd_, buf_.data(), buf_.size(), static_cast<off_t>(pos_));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw system_error(errno, "read " + name_);
            buf_start_ = pos_;
            buf_len_ = static_cast<size_t>(n);
            return;
        }
    }

    int fd_;
    std::string name_;
    uint64_t size_;
    std::vector<uint8_t> buf_;  // read-ahead for headers and small members
    uint64_t buf_start_ = 0;
    size_t buf_len_ = 0;
    uint64_t pos_ = 0;
};

}  // namespace

std::unique_ptr<ByteStream> open_stream(const std::filesystem::path& path)
{
    const std::string text = files::to_utf8(path);
    if (text == "-") return open_gzip_stream(duplicate_stdin(), "standard input");
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw system_error(errno, "open " + text);
    struct stat st {};
    uint8_t magic[2] = {0, 0};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && ::pread(fd, magic, 2, 0) == 2 &&
        !(magic[0] == 0x1f && magic[1] == 0x8b)) {
        return std::make_unique<PlainFileStream>(fd, text, static_cast<uint64_t>(st.st_size));
    }
    return open_gzip_stream(fd, text);  // takes the descriptor
}

}  // namespace hvsup::image
