// Sequential input for archive sources: a file or standard input, gzip-compressed or not
// (detected from the data, decompressed with zlib).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace hvsup::image {

class ByteStream {
public:
    virtual ~ByteStream() = default;
    // Up to `max` bytes; 0 only at the end of the input. Throws on read/decompression errors.
    virtual size_t read(uint8_t* buf, size_t max) = 0;
    // Total bytes consumed from the (decompressed) stream so far.
    virtual uint64_t position() const = 0;
};

// `path` "-" means standard input.
std::unique_ptr<ByteStream> open_stream(const std::filesystem::path& path);

}  // namespace hvsup::image
