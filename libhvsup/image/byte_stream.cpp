// SPDX-License-Identifier: MIT
#include "image/byte_stream.hpp"

#include "core/error.hpp"
#include "core/files.hpp"

#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <vector>

#include <fmt/format.h>

namespace hvsup::image {
namespace {

// zlib prefixes its messages with the path it was given, "<fd:N>" for gzdopen: the name
// the caller knows is used instead.
std::string_view bare(const char* msg)
{
    std::string_view m = msg;
    if (m.rfind("<fd:", 0) == 0) {
        if (size_t colon = m.find(": "); colon != std::string_view::npos) m.remove_prefix(colon + 2);
    }
    return m;
}

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
            throw Error(code == Z_ERRNO ? ErrorCode::io : ErrorCode::integrity,
                        fmt::format("read {}: {}", name_, code == Z_ERRNO ? std::strerror(errno) : bare(msg)));
        }
        if (n == 0) {
            int code = 0;
            const char* msg = gzerror(f_, &code);
            if (code != Z_OK && code != Z_STREAM_END) {
                throw Error(ErrorCode::integrity, fmt::format("read {}: {}", name_, bare(msg)));
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

// zstd frames (one or more, as `zstd` writes them) decompressed with libzstd.
class ZstdStream final : public ByteStream {
public:
    ZstdStream(int fd, std::string name)
        : fd_(fd), name_(std::move(name)), ctx_(ZSTD_createDCtx()), in_buf_(ZSTD_DStreamInSize())
    {
        if (ctx_ == nullptr) {
            ::close(fd_);
            throw Error(ErrorCode::no_memory, "open " + name_ + ": out of memory");
        }
    }
    ~ZstdStream() override
    {
        ZSTD_freeDCtx(ctx_);
        ::close(fd_);
    }

    size_t read(uint8_t* buf, size_t max) override
    {
        ZSTD_outBuffer out{buf, max, 0};
        while (out.pos == 0 && max > 0) {
            if (in_.pos == in_.size) {
                ssize_t n = ::read(fd_, in_buf_.data(), in_buf_.size());
                if (n < 0 && errno == EINTR) continue;
                if (n < 0) throw system_error(errno, "read " + name_);
                if (n == 0) {
                    if (pending_ != 0) throw Error(ErrorCode::integrity, fmt::format("read {}: truncated zstd data", name_));
                    return 0;
                }
                in_ = ZSTD_inBuffer{in_buf_.data(), static_cast<size_t>(n), 0};
            }
            const size_t r = ZSTD_decompressStream(ctx_, &out, &in_);
            if (ZSTD_isError(r)) throw Error(ErrorCode::integrity, fmt::format("read {}: {}", name_, ZSTD_getErrorName(r)));
            pending_ = r;  // 0 at the end of a frame
        }
        pos_ += out.pos;
        return out.pos;
    }
    uint64_t position() const override { return pos_; }

private:
    int fd_;
    std::string name_;
    ZSTD_DCtx* ctx_;
    std::vector<uint8_t> in_buf_;
    ZSTD_inBuffer in_{nullptr, 0, 0};
    size_t pending_ = 0;
    uint64_t pos_ = 0;
};

}  // namespace

void read_trailing_padding(ByteStream& in, const std::string& name)
{
    const uint64_t end = in.position();
    std::vector<uint8_t> buf(64u << 10);
    uint64_t seen = 0;
    while (true) {
        const size_t n = in.read(buf.data(), buf.size());  // decompression errors surface here
        if (n == 0) return;
        for (size_t i = 0; i < n; ++i) {
            if (buf[i] != 0) {
                throw Error(ErrorCode::integrity,
                            fmt::format("{}: data after the end of the archive (byte {}; the archive ended at byte {}): "
                                        "only zero padding may follow",
                                        name, end + seen + i, end));
            }
        }
        seen += n;
        if (seen > max_trailing_padding) {
            throw Error(ErrorCode::integrity,
                        fmt::format("{}: more than {} bytes of padding after the end of the archive (at byte {})", name,
                                    max_trailing_padding, end));
        }
    }
}

std::unique_ptr<ByteStream> open_zstd_stream(int fd, const std::string& name)
{
    return std::make_unique<ZstdStream>(fd, name);
}

std::unique_ptr<ByteStream> open_gzip_stream(int fd, const std::string& name)
{
    gzFile f = gzdopen(fd, "rb");
    if (f == nullptr) throw Error(ErrorCode::no_memory, "open " + name + ": out of memory");
    return std::make_unique<GzStream>(f, name);
}

}  // namespace hvsup::image
