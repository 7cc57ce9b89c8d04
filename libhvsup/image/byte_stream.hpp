// Sequential input for archive sources: a file or standard input, gzip-compressed or not
// (detected from the data, decompressed with zlib).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "image/output_file.hpp"

namespace hvsup::image {

class ByteStream : public DataSource {
public:
    // read(): up to `max` bytes; 0 only at the end of the input. Throws on read/decompression
    // errors. copy_to() works for uncompressed regular files.
    // Total bytes consumed from the (decompressed) stream so far.
    virtual uint64_t position() const = 0;
};

// `path` "-" means standard input.
std::unique_ptr<ByteStream> open_stream(const std::filesystem::path& path);

// A gzip (or, transparently, plain) stream over `fd`, which it owns (zlib builds only).
std::unique_ptr<ByteStream> open_gzip_stream(int fd, const std::string& name);

}  // namespace hvsup::image
