// SPDX-License-Identifier: MIT
// The ext4 writer: file data is written as the sources stream it (bounded buffers), the
// metadata (directories, inode tables, bitmaps, descriptors, superblocks, journal) once the
// tree is complete. Memory does not grow with the data size; the tree's metadata grows with
// the number of entries and lives in the memory resource given (the builder's SpillArena,
// which keeps it out of the resident set).
#pragma once

#include "image/fs_options.hpp"
#include "image/fs_tree.hpp"
#include "image/layout.hpp"
#include "image/output_file.hpp"
#include "image/spill_arena.hpp"

#include <functional>
#include <memory>
#include <memory_resource>
#include <vector>

namespace hvsup::image {

class Ext4Writer {
public:
    // Called now and then with bytes written and entries seen; return false to cancel.
    using Progress = std::function<bool(uint64_t bytes, uint64_t entries)>;

    // The tree and the final pass's tables take their memory from `memory`; the builder
    // passes a SpillArena so that memory stays bounded whatever the number of entries.
    Ext4Writer(FsOptions options, OutputFile& out, std::pmr::memory_resource* memory = std::pmr::get_default_resource());
    ~Ext4Writer();

    FsTree& tree() { return tree_; }
    std::pmr::memory_resource* memory() const { return tree_.memory(); }
    // Lets a SpillArena release its pages during long loops that only read the tree.
    void checkpoint();
    const FsOptions& options() const { return options_; }

    // Writes `length` bytes at `offset` of the regular file `ref`. Segments of one file come
    // in increasing offset order; the gaps between them stay holes, and so do all-zero blocks
    // of data that passes through memory (as with mke2fs -d).
    void write_data(InodeRef ref, uint64_t offset, uint64_t length, DataSource& source, std::string_view path);

    void set_progress(Progress p) { progress_ = std::move(p); }
    // Counts one source entry (and reports progress).
    void note_entry();

    // Lays out and writes every piece of metadata. The file is filesystem-sized afterwards
    // (disk size = summary.fs_bytes, or options.size_bytes when given).
    FsSummary finish();

private:
    void report(bool force);
    void add_run(Inode& inode, uint32_t logical, uint64_t physical, uint32_t count);
    static void read_exact(DataSource& source, uint8_t* dst, size_t size, std::string_view path);
    // Maps the blocks of a piece of `size` bytes at logical block `b` (+ `in_block` bytes) that
    // are not all zero to physical blocks from `at`, in order. The bytes are in `buf`, packed
    // there (placed_bytes_ of them, to be written at `at`). Returns the blocks used.
    uint32_t place_blocks(Inode& in, uint64_t b, uint64_t at, uint64_t in_block, uint8_t* buf, size_t size);

    FsOptions options_;
    OutputFile& out_;
    SpillArena* spill_;  // the memory resource when it is one, else null
    FsTree tree_;
    uint64_t fixed_blocks_ = 0;  // 0 when the size follows the content; set before alloc_
    BlockAllocator alloc_;
    std::vector<uint8_t> buffer_;
    size_t placed_bytes_ = 0;
    uint64_t bytes_ = 0, entries_ = 0, reported_bytes_ = 0, reported_entries_ = 0;
    Progress progress_;
};

// Inode with the writer's defaults for directories it creates itself.
Inode implicit_directory(int64_t timestamp);

}  // namespace hvsup::image
