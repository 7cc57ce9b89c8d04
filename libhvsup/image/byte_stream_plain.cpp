// ByteStream without zlib (builds that lack it, e.g. the mingw-w64 cross build): plain tar
// only; gzip and zstd input are recognised by their magic bytes and refused with a clear error.
#include "image/byte_stream.hpp"

#include "core/error.hpp"
#include "core/files.hpp"
#include "image/output_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace hvsup::image {
namespace {

class PlainStream final : public ByteStream {
public:
    PlainStream(std::FILE* f, std::string name) : f_(f), name_(std::move(name)) {}
    ~PlainStream() override { std::fclose(f_); }

    size_t read(uint8_t* buf, size_t max) override
    {
        const size_t n = std::fread(buf, 1, max, f_);
        if (n == 0 && std::ferror(f_)) throw Error(ErrorCode::io, "read " + name_ + ": " + std::strerror(errno));
        if (pos_ == 0 && n >= 2 && buf[0] == 0x1f && buf[1] == 0x8b) {
            throw Error(ErrorCode::unsupported, name_ + ": gzip input needs a build with zlib; decompress it first");
        }
        if (pos_ == 0 && n >= 4 && std::memcmp(buf, zstd_magic, 4) == 0) {
            throw Error(ErrorCode::unsupported, name_ + ": zstd input needs a build with libzstd; decompress it first");
        }
        pos_ += n;
        return n;
    }
    uint64_t position() const override { return pos_; }

private:
    std::FILE* f_;
    std::string name_;
    uint64_t pos_ = 0;
};

}  // namespace

std::unique_ptr<ByteStream> open_stream(const std::filesystem::path& path)
{
    std::string name = files::to_utf8(path);
    std::FILE* f = nullptr;
    if (name == "-") {
        f = fdopen(duplicate_stdin(), "rb");
        name = "standard input";
    } else {
#ifdef _WIN32
        f = _wfopen(path.c_str(), L"rb");
#else
        f = std::fopen(path.c_str(), "rb");
#endif
    }
    if (f == nullptr) throw system_error(errno != 0 ? errno : ENOMEM, "open " + name);
    return std::make_unique<PlainStream>(f, name);
}

}  // namespace hvsup::image
