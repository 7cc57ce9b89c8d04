// The image being written: a temporary file beside the destination, written at offsets,
// renamed over the destination by commit(). Destroying it uncommitted removes the temporary,
// so a failed build leaves nothing behind. Regions never written read as zeros.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>

namespace hvsup::image {

class OutputFile {
public:
    virtual ~OutputFile() = default;
    virtual void write_at(const void* data, size_t size, uint64_t offset) = 0;
    // Sets the file length (extends with zeros).
    virtual void set_size(uint64_t size) = 0;
    // Flushes to disk and renames the temporary to the destination.
    virtual void commit() = 0;

    static std::unique_ptr<OutputFile> create(const std::filesystem::path& destination);
};

// A read-only view of a finished image (inspect, tests).
class InputFile {
public:
    virtual ~InputFile() = default;
    virtual void read_at(void* data, size_t size, uint64_t offset) const = 0;
    virtual uint64_t size() const = 0;

    static std::unique_ptr<InputFile> open(const std::filesystem::path& path);
};

// A duplicate of standard input's descriptor, so closing a reader leaves the caller's stdin open.
int duplicate_stdin();

}  // namespace hvsup::image
