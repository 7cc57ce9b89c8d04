// SPDX-License-Identifier: MIT
// Sequential input for archive sources: a file or standard input, gzip-compressed or not
// (detected from the data, decompressed with zlib), or zstd (libzstd).
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

// A zstd stream over `fd`, which it owns (libzstd builds only).
std::unique_ptr<ByteStream> open_zstd_stream(int fd, const std::string& name);

// Reads what follows a tar's end-of-archive block to the end of the input. A compressed
// stream's integrity check (the zstd frame checksum, gzip's CRC-32 and length) comes after
// the tar's last byte: a reader that stopped at the end-of-archive block would accept a layer
// corrupted in the middle whose blob digest still matches. Only zero padding may follow, at
// most `max_trailing_padding` bytes of it; anything else is an error naming `name`.
constexpr uint64_t max_trailing_padding = 1u << 20;
void read_trailing_padding(ByteStream& in, const std::string& name);

// The first four bytes of a zstd frame.
constexpr uint8_t zstd_magic[4] = {0x28, 0xB5, 0x2F, 0xFD};

}  // namespace hvsup::image
