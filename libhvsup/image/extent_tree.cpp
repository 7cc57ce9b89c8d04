// SPDX-License-Identifier: MIT
#include "image/extent_tree.hpp"

#include "image/crc32c.hpp"
#include "image/ext4_format.hpp"

namespace hvsup::image {
namespace {

using namespace ext4;

constexpr uint32_t per_block = (block_size - 12) / extent_entry_size;  // 340
constexpr uint32_t in_inode = 4;

struct Entry {
    uint32_t logical;
    uint64_t target;  // physical start (leaf) or child block (index)
    uint32_t count;   // leaf only
};

void put_header(uint8_t* p, uint16_t entries, uint16_t max, uint16_t depth)
{
    put16(p, 0, extent_magic);
    put16(p, 2, entries);
    put16(p, 4, max);
    put16(p, 6, depth);
    put32(p, 8, 0);
}

void put_entry(uint8_t* p, const Entry& e, bool leaf)
{
    put32(p, 0, e.logical);
    if (leaf) {
        put16(p, 4, e.count);
        put16(p, 6, static_cast<uint32_t>(e.target >> 32));
        put32(p, 8, static_cast<uint32_t>(e.target));
    } else {
        put32(p, 4, static_cast<uint32_t>(e.target));
        put16(p, 8, static_cast<uint32_t>(e.target >> 32));
        put16(p, 10, 0);
    }
}

}  // namespace

uint64_t extent_tree_blocks(size_t count)
{
    uint64_t total = 0;
    while (count > in_inode) {
        count = (count + per_block - 1) / per_block;
        total += count;
    }
    return total;
}

ExtentTree build_extent_tree(std::span<const Extent> extents, BlockAllocator& alloc, OutputFile& out, bool csum,
                             uint32_t inode_seed)
{
    ExtentTree tree;
    std::vector<Entry> level;
    level.reserve(extents.size());
    for (const auto& e : extents) level.push_back({e.logical, e.physical, e.count});
    uint16_t depth = 0;
    std::vector<uint8_t> block(block_size);
    while (level.size() > in_inode) {
        std::vector<Entry> parents;
        for (size_t i = 0; i < level.size(); i += per_block) {
            const size_t n = std::min<size_t>(per_block, level.size() - i);
            std::fill(block.begin(), block.end(), 0);
            put_header(block.data(), static_cast<uint16_t>(n), per_block, depth);
            for (size_t k = 0; k < n; ++k) put_entry(block.data() + 12 + k * 12, level[i + k], depth == 0);
            if (csum) {
                const size_t tail = 12 + size_t(per_block) * extent_entry_size;
                put32(block.data(), tail, crc32c(inode_seed, block.data(), tail));
            }
            const uint64_t at = alloc.take_contiguous(1);
            out.write_at(block.data(), block_size, at * block_size);
            tree.tree_blocks.push_back(at);
            parents.push_back({level[i].logical, at, 0});
        }
        level = std::move(parents);
        ++depth;
    }
    put_header(tree.iblock.data(), static_cast<uint16_t>(level.size()), in_inode, depth);
    for (size_t k = 0; k < level.size(); ++k) put_entry(tree.iblock.data() + 12 + k * 12, level[k], depth == 0);
    return tree;
}

}  // namespace hvsup::image
