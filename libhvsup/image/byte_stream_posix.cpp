// open_stream on POSIX: an uncompressed regular file is mapped and its members are written
// from the mapping or copied into the image with copy_file_range; gzip input and pipes go through zlib, zstd
// files through libzstd.
#include "image/byte_stream.hpp"

#include "core/error.hpp"
#include "core/files.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace hvsup::image {
namespace {

// The file is mapped read-only: headers are parsed and small members written straight from
// the mapping (one copy, from the page cache into the image); large members are copied in
// the kernel (copy_file_range). Pages behind the read position are unmapped every 8 MiB, so
// the resident set does not grow with the archive.
class PlainFileStream final : public ByteStream {
public:
    PlainFileStream(int fd, std::string name, uint64_t size) : fd_(fd), name_(std::move(name)), size_(size)
    {
        if (size_ == 0) return;
        void* m = ::mmap(nullptr, static_cast<size_t>(size_), PROT_READ, MAP_PRIVATE, fd_, 0);
        if (m == MAP_FAILED) {
            const int err = errno;
            ::close(fd_);
            throw system_error(err, "map " + name_);
        }
        map_ = static_cast<const uint8_t*>(m);
        ::madvise(m, static_cast<size_t>(size_), MADV_SEQUENTIAL);
    }
    ~PlainFileStream() override
    {
        if (ref_out_ != nullptr) {
            // Writes may still point into the mapping: issue them before it goes away.
            try {
                ref_out_->flush();
            } catch (...) {
                ref_out_->mark_failed();
            }
        }
        if (map_ != nullptr) ::munmap(const_cast<uint8_t*>(map_), static_cast<size_t>(size_));
        ::close(fd_);
    }

    size_t read(uint8_t* buf, size_t max) override
    {
        release();
        size_t n = static_cast<size_t>(std::min<uint64_t>(max, size_ - pos_));
        if (n >= (64u << 10)) {
            // Large reads (file data) with pread: a copy in the kernel, no page faults.
            ssize_t got;
            do {
                got = ::pread(fd_, buf, n, static_cast<off_t>(pos_));
            } while (got < 0 && errno == EINTR);
            if (got < 0) throw system_error(errno, "read " + name_);
            n = static_cast<size_t>(got);
        } else if (n > 0) {
            std::memcpy(buf, map_ + pos_, n);
        }
        pos_ += n;
        return n;
    }
    bool copy_to(OutputFile& out, uint64_t out_offset, uint64_t size) override
    {
        // A member running past the end takes the read path, which reports the truncation.
        if (pos_ + size > size_) return false;
        release();
        if (size >= (256u << 10) && out.copy_from_file(fd_, pos_, size, out_offset)) {
            pos_ += size;
            return true;
        }
        out.write_at_ref(map_ + pos_, static_cast<size_t>(size), out_offset);
        ref_out_ = &out;
        pos_ += size;
        return true;
    }
    uint64_t position() const override { return pos_; }

private:
    // Unmaps what lies more than 2 MiB behind the read position, every 8 MiB. Always safe:
    // the mapping is a read-only private file mapping, so a write still pointing into an
    // unmapped page faults it back in from the file.
    void release()
    {
        constexpr uint64_t window = 2u << 20, step = 8u << 20;
        if (map_ != nullptr && pos_ >= released_ + step) drop(pos_ - window);
    }
    void drop(uint64_t upto)
    {
        upto = upto / 4096 * 4096;
        if (upto <= released_) return;
        ::madvise(const_cast<uint8_t*>(map_) + released_, static_cast<size_t>(upto - released_), MADV_DONTNEED);
        released_ = upto;
    }

    int fd_;
    std::string name_;
    uint64_t size_;
    const uint8_t* map_ = nullptr;
    uint64_t pos_ = 0;
    uint64_t released_ = 0;
    OutputFile* ref_out_ = nullptr;  // holds writes pointing into the mapping
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
