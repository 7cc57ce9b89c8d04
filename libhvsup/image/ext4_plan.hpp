// SPDX-License-Identifier: MIT
// Layout planning: the allocator for a fixed or content-derived size, the geometry (groups,
// inodes per group, journal size) that makes content + metadata + headroom fit, and the
// placement of the journal, bitmaps and inode tables after the content.
#pragma once

#include "image/fs_options.hpp"
#include "image/fs_tree.hpp"
#include "image/layout.hpp"
#include "image/output_file.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace hvsup::image {

struct Plan {
    Geometry geo;
    uint32_t journal_blocks = 0;
};

// Where the journal, bitmaps and inode tables went.
struct MetadataPlacement {
    std::vector<Extent> journal;
    std::vector<uint64_t> journal_tree;
    std::array<uint8_t, 60> journal_iblock{};
    std::vector<uint64_t> block_bitmap, inode_bitmap, inode_table;
};

uint32_t desc_size_of(const FsOptions& o);

// The allocator data is streamed through; `fixed_blocks` receives the filesystem size in
// blocks for --size, or 0 when the size follows the content.
BlockAllocator make_allocator(const FsOptions& o, uint64_t& fixed_blocks);

// Allocates the journal (its extent tree written to `out`; nullptr only counts the blocks),
// block bitmaps, inode bitmaps and inode tables from `alloc`.
MetadataPlacement place_metadata(BlockAllocator& alloc, const Plan& plan, OutputFile* out, bool csum, uint32_t fs_seed);

// The geometry for the content allocated so far: throws too_large when it cannot fit.
Plan choose_plan(const FsOptions& options, uint64_t fixed_blocks, const BlockAllocator& alloc, uint32_t used_inodes);

}  // namespace hvsup::image
