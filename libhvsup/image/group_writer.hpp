// SPDX-License-Identifier: MIT
// Per-group metadata once every block is placed: block bitmaps (with the padding past the
// end of the filesystem set), inode bitmaps (padding past inodes_per_group set), group
// descriptors and the superblock with its sparse_super backups.
#pragma once

#include "image/fs_options.hpp"
#include "image/layout.hpp"
#include "image/output_file.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <memory_resource>
#include <span>
#include <utility>
#include <vector>

namespace hvsup::image {

struct GroupMetadata {
    const Geometry* geo = nullptr;
    const FsOptions* options = nullptr;
    const std::vector<uint64_t>* block_bitmap = nullptr;  // per group: where each piece lives
    const std::vector<uint64_t>* inode_bitmap = nullptr;
    const std::vector<uint64_t>* inode_table = nullptr;
    std::array<uint8_t, 60> journal_iblock{};
    uint64_t journal_bytes = 0;
    uint32_t used_inodes = 0;  // inodes 1..used_inodes are in use
    const std::vector<uint32_t>* used_dirs = nullptr;  // directories per group
};

// The filesystem's block bitmap while it is being filled: one 4 KiB bitmap block per group,
// in `memory` (the builder's SpillArena). Runs are marked in any order, so no list of every
// extent has to be kept and sorted. `checkpoint` is called as the bitmap is filled and read,
// letting a spill arena release pages.
class UsedBlocks {
public:
    UsedBlocks(uint32_t groups, std::pmr::memory_resource* memory, std::function<void()> checkpoint);
    ~UsedBlocks();
    UsedBlocks(const UsedBlocks&) = delete;
    UsedBlocks& operator=(const UsedBlocks&) = delete;

    void mark(uint64_t first, uint64_t count);
    // Copies group `g`'s 4096-byte bitmap to `out`.
    void copy_group(uint32_t g, uint8_t* out) const;

private:
    uint32_t groups_;
    std::pmr::memory_resource* memory_;
    std::function<void()> checkpoint_;
    uint8_t* bits_;
};

// Writes block bitmaps (from `used`, plus the padding past the end), inode bitmaps, group
// descriptors and superblocks. Returns the free block count.
uint64_t write_group_metadata(OutputFile& out, const GroupMetadata& m, const UsedBlocks& used);

}  // namespace hvsup::image
