// SPDX-License-Identifier: MIT
// open_stream on Windows: files are read through CRT descriptors opened in binary mode; zstd
// input (recognised by its magic bytes) goes through libzstd, everything else through zlib,
// which decompresses gzip and passes plain data through unchanged.
#include "image/byte_stream.hpp"

#include "core/error.hpp"
#include "core/files.hpp"

#include <fcntl.h>
#include <io.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace hvsup::image {
namespace {

// True when the regular file behind `fd` starts with a zstd frame; the position is left at 0.
bool starts_with_zstd_frame(int fd)
{
    struct _stat64 st {};
    if (_fstat64(fd, &st) != 0 || (st.st_mode & _S_IFMT) != _S_IFREG) return false;  // pipes: not peeked
    uint8_t magic[4] = {0, 0, 0, 0};
    const int n = _read(fd, magic, sizeof magic);
    _lseeki64(fd, 0, SEEK_SET);
    return n == 4 && std::memcmp(magic, zstd_magic, 4) == 0;
}

}  // namespace

std::unique_ptr<ByteStream> open_stream(const std::filesystem::path& path)
{
    const std::string text = files::to_utf8(path);
    if (text == "-") {
        const int fd = duplicate_stdin();
        _setmode(fd, _O_BINARY);  // no CR/LF translation, no stop at ^Z
        return open_gzip_stream(fd, "standard input");
    }
    const int fd = _wopen(path.c_str(), _O_RDONLY | _O_BINARY | _O_NOINHERIT);
    if (fd < 0) throw system_error(errno, "open " + text);
    if (starts_with_zstd_frame(fd)) return open_zstd_stream(fd, text);  // takes the descriptor
    return open_gzip_stream(fd, text);                                  // takes the descriptor
}

}  // namespace hvsup::image
