// SPDX-License-Identifier: MIT
// Extent trees: up to four extents live in the inode's i_block; more get index/leaf blocks.
#pragma once

#include "image/fs_tree.hpp"
#include "image/layout.hpp"
#include "image/output_file.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace hvsup::image {

struct ExtentTree {
    std::array<uint8_t, 60> iblock{};
    std::vector<uint64_t> tree_blocks;  // blocks holding index/leaf nodes
};

// Builds the tree for `extents` (sorted by logical block). Tree blocks are allocated from
// `alloc` and written to `out`; with metadata_csum their tails are sealed with `inode_seed`.
ExtentTree build_extent_tree(std::span<const Extent> extents, BlockAllocator& alloc, OutputFile& out,
                             bool csum, uint32_t inode_seed);

// Blocks a tree for `count` extents needs beyond the inode.
uint64_t extent_tree_blocks(size_t count);

}  // namespace hvsup::image
