// SPDX-License-Identifier: MIT
// The image being written: an unnamed file in the destination's directory (O_TMPFILE; a
// delete-on-close file on Windows), written at offsets and given the destination's name by
// commit() once complete and on disk. Until then nothing is visible, so a failed, cancelled or
// killed build leaves nothing behind. Regions never written read as zeros. An existing
// destination that is not a regular file (device, FIFO, symlink, directory) is refused.
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
    // Room for `size` bytes to be written at `offset`: the caller fills the returned memory
    // (valid until the next call on this object) instead of passing a buffer to write_at,
    // saving a copy. nullptr when the implementation has no such room; use write_at then.
    virtual uint8_t* stage(size_t size, uint64_t offset)
    {
        (void)size, (void)offset;
        return nullptr;
    }
    // Takes back the last `size` bytes of the room the latest stage() call returned (no other
    // call in between): they are not written.
    virtual void unstage(size_t size) { (void)size; }
    // Issues what write_at/stage combined so far (POSIX: hands it to the writer thread; an
    // error of that thread is thrown by a later call, commit() at the latest).
    virtual void flush() {}
    // Records that an earlier write could not be issued (from a destructor, which cannot
    // throw): commit() then fails.
    virtual void mark_failed() {}
    // Copies `size` bytes at `in_offset` of the open file `fd` to `out_offset` inside the
    // kernel (copy_file_range). False when this platform cannot; then nothing was copied. The
    // caller may close `fd` at once. An I/O error, or `fd` ending early, is thrown by this or
    // a later call (POSIX copies on the writer thread, falling back to read and write between
    // filesystems the kernel cannot copy between).
    virtual bool copy_from_file(int fd, uint64_t in_offset, uint64_t size, uint64_t out_offset)
    {
        (void)fd, (void)in_offset, (void)size, (void)out_offset;
        return false;
    }
    // The bytes at [offset, offset + size) are no longer part of the image (data of an entry
    // that was replaced or deleted): they read as zeros afterwards, so the image cannot leak
    // them. Pending writes are issued first. By default the range is overwritten with zeros.
    virtual void discard(uint64_t offset, uint64_t size)
    {
        static constexpr uint8_t zeros[4096] = {};
        flush();
        for (uint64_t done = 0; done < size;) {
            const size_t n = static_cast<size_t>(size - done < sizeof zeros ? size - done : sizeof zeros);
            write_at(zeros, n, offset + done);
            done += n;
        }
        flush();
    }
    // Sets the file length (extends with zeros).
    virtual void set_size(uint64_t size) = 0;
    // Flushes to disk and renames the temporary to the destination.
    virtual void commit() = 0;

    static std::unique_ptr<OutputFile> create(const std::filesystem::path& destination);
};

// Sequential bytes of one file's content (a tar member, a source file's data segment).
class DataSource {
public:
    virtual ~DataSource() = default;
    // Up to `max` bytes; 0 only at the end of the input.
    virtual size_t read(uint8_t* buf, size_t max) = 0;
    // Moves the next `size` bytes straight to `out` at `out_offset` when the source can do it
    // without passing them through memory; false (nothing consumed) otherwise.
    virtual bool copy_to(OutputFile& out, uint64_t out_offset, uint64_t size)
    {
        (void)out, (void)out_offset, (void)size;
        return false;
    }
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
