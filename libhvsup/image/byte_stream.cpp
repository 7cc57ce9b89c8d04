#include "image/byte_stream.hpp"

#include "core/error.hpp"
#include "core/files.hpp"

#include <zlib.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

namespace hvsup::image {
namespace {

class GzStream final : public ByteStream {
public:
    GzStream(gzFile f, std::string name) : f_(f), name_(std::move(name)) { gzbuffer(f_, 1024 * 1024); }
    ~GzStream() override { gzclose(f_); }

    size_t read(uint8_t* buf, size_t max) override
    {
        const unsigned want = static_cast<unsigned>(std::min<size_t>(max, INT_MAX));
        const int n = gzread(f_, buf, want);
        if (n < 0) {
            int code = 0;
            const char* msg = gzerror(f_, &code);
            throw Error(ErrorCode::io, fmt::format("read {}: {}", name_, code == Z_ERRNO ? std::strerror(errno) : msg));
        }
        if (n == 0) {
            int code = 0;
            const char* msg = gzerror(f_, &code);
            if (code != Z_OK && code != Z_STREAM_END) {
                throw Error(ErrorCode::integrity, fmt::format("read {}: {}", name_, msg));
            }
        }
        pos_ += static_cast<uint64_t>(n);
        return static_cast<size_t>(n);
    }
    uint64_t position() const override { return pos_; }

private:
    gzFile f_;
    std::string name_;
    uint64_t pos_ = 0;
};

}  // namespace

std::unique_ptr<ByteStream> open_gzip_stream(int fd, const std::string& name)
{
    gzFile f = gzdopen(fd, "rb");
    if (f == nullptr) throw Error(ErrorCode::no_memory, "open " + name + ": out of memory");
    return std::make_unique<GzStream>(f, name);
}

}  // namespace hvsup::image
