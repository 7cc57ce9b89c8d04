// open_stream on POSIX: an uncompressed regular file is read with pread and its members are
// copied into the image with copy_file_range; gzip input and pipes go through zlib.
#include "image/byte_stream.hpp"

#include "core/error.hpp"
#include "core/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace hvsup::image {
namespace {

class PlainFileStream final : public ByteStream {
public:
    PlainFileStream(int fd, std::string name, uint64_t size) : fd_(fd), name_(std::move(name)), size_(size) {}
    ~PlainFileStream() override { ::close(fd_); }

    size_t read(uint8_t* buf, size_t max) override
    {
        while (true) {
            ssize_t n = ::pread(fd_, buf, max, static_cast<off_t>(pos_));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw system_error(errno, "read " + name_);
            pos_ += static_cast<uint64_t>(n);
            return static_cast<size_t>(n);
        }
    }
    bool copy_to(OutputFile& out, uint64_t out_offset, uint64_t size) override
    {
        // A member running past the end takes the read path, which reports the truncation.
        if (pos_ + size > size_) return false;
        if (!out.copy_from_file(fd_, pos_, size, out_offset)) return false;
        pos_ += size;
        return true;
    }
    uint64_t position() const override { return pos_; }

private:
    int fd_;
    std::string name_;
    uint64_t size_;
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
