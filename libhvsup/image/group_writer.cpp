// SPDX-License-Identifier: MIT
#include "image/group_writer.hpp"

#include "image/crc32c.hpp"
#include "image/ext4_metadata.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace hvsup::image {

using namespace ext4;

UsedBlocks::UsedBlocks(uint32_t groups, std::pmr::memory_resource* memory, std::function<void()> checkpoint)
    : groups_(groups), memory_(memory), checkpoint_(std::move(checkpoint)),
      bits_(static_cast<uint8_t*>(memory->allocate(uint64_t(groups) * block_size, 8)))
{
    for (uint32_t g = 0; g < groups_; ++g) {  // a group at a time, so the arena can let go of pages
        std::memset(bits_ + uint64_t(g) * block_size, 0, block_size);
        checkpoint_();
    }
}

UsedBlocks::~UsedBlocks() { memory_->deallocate(bits_, uint64_t(groups_) * block_size, 8); }

void UsedBlocks::mark(uint64_t first, uint64_t count)
{
    checkpoint_();
    uint64_t bit = first;
    const uint64_t end = std::min<uint64_t>(first + count, uint64_t(groups_) * blocks_per_group);
    for (; bit < end && (bit & 7) != 0; ++bit) bits_[bit / 8] |= static_cast<uint8_t>(1u << (bit & 7));
    if (end - bit >= 8) {
        const uint64_t bytes = (end - bit) / 8;
        std::memset(bits_ + bit / 8, 0xFF, bytes);
        bit += bytes * 8;
    }
    for (; bit < end; ++bit) bits_[bit / 8] |= static_cast<uint8_t>(1u << (bit & 7));
}

void UsedBlocks::copy_group(uint32_t g, uint8_t* out) const
{
    checkpoint_();
    std::memcpy(out, bits_ + uint64_t(g) * block_size, block_size);
}

uint64_t write_group_metadata(OutputFile& out, const GroupMetadata& m, const UsedBlocks& used)
{
    const Geometry& geo = *m.geo;
    const bool csum = m.options->metadata_csum;
    const uint32_t fs_seed = fs_checksum_seed(m.options->uuid);
    const uint32_t ds = geo.desc_size;
    std::vector<GroupDesc> descs(geo.groups);
    uint64_t free_blocks = 0;
    {
        std::vector<uint8_t> bitmap(block_size);
        for (uint32_t g = 0; g < geo.groups; ++g) {
            used.copy_group(g, bitmap.data());
            const uint64_t gstart = uint64_t(g) * blocks_per_group, gend = gstart + blocks_per_group;
            // Padding: the bits of blocks past the end of the filesystem are set.
            for (uint64_t bit = gend > geo.blocks ? geo.blocks - gstart : blocks_per_group; bit < blocks_per_group; ++bit) {
                bitmap[bit / 8] |= static_cast<uint8_t>(1u << (bit & 7));
            }
            uint32_t set = 0;
            for (size_t i = 0; i < bitmap.size(); i += 8) {
                uint64_t w;
                std::memcpy(&w, bitmap.data() + i, 8);
                set += static_cast<uint32_t>(std::popcount(w));
            }
            GroupDesc& d = descs[g];
            d.free_blocks = blocks_per_group - set;
            free_blocks += d.free_blocks;
            d.block_bitmap = (*m.block_bitmap)[g];
            d.inode_bitmap = (*m.inode_bitmap)[g];
            d.inode_table = (*m.inode_table)[g];
            if (csum) d.block_bitmap_csum = crc32c(fs_seed, bitmap.data(), block_size);
            out.write_at(bitmap.data(), block_size, (*m.block_bitmap)[g] * block_size);
        }
    }

    // Inode bitmaps: inodes 1..m.used_inodes are in use; bits past inodes_per_group are padding (set).
    {
        std::vector<uint8_t> bitmap(block_size);
        const uint32_t ipg = geo.inodes_per_group;
        for (uint32_t g = 0; g < geo.groups; ++g) {
            std::fill(bitmap.begin(), bitmap.end(), 0);
            const uint64_t base = uint64_t(g) * ipg;
            const uint32_t in_use = m.used_inodes > base ? static_cast<uint32_t>(std::min<uint64_t>(m.used_inodes - base, ipg)) : 0;
            for (uint32_t i = 0; i < in_use; ++i) bitmap[i / 8] |= static_cast<uint8_t>(1u << (i & 7));
            for (uint32_t i = ipg; i < block_size * 8; ++i) bitmap[i / 8] |= static_cast<uint8_t>(1u << (i & 7));
            GroupDesc& d = descs[g];
            d.free_inodes = ipg - in_use;
            d.used_dirs = (*m.used_dirs)[g];
            if (csum) {
                d.inode_bitmap_csum = crc32c(fs_seed, bitmap.data(), ipg / 8);
                d.flags = bg_inode_zeroed;
                d.itable_unused = ipg - in_use;
            }
            out.write_at(bitmap.data(), block_size, (*m.inode_bitmap)[g] * block_size);
        }
    }

    // Descriptors and superblocks, primary and sparse_super backups.
    std::vector<uint8_t> gdt(uint64_t(geo.gdt_blocks) * block_size, 0);
    for (uint32_t g = 0; g < geo.groups; ++g) encode_group_desc(gdt.data() + uint64_t(g) * ds, descs[g], g, ds, csum, fs_seed);
    SuperblockFields sf;
    sf.geo = geo;
    sf.options = m.options;
    sf.free_blocks = free_blocks;
    sf.free_inodes = geo.inodes() - m.used_inodes;
    sf.journal_iblock = m.journal_iblock;
    sf.journal_bytes = m.journal_bytes;
    uint8_t sb[1024];
    for (uint32_t g = 0; g < geo.groups; ++g) {
        if (!group_has_super(g)) continue;
        encode_superblock(sb, sf, g);
        const uint64_t at = uint64_t(g) * blocks_per_group * block_size;
        out.write_at(sb, sizeof sb, g == 0 ? 1024 : at);
        out.write_at(gdt.data(), gdt.size(), at + block_size);
    }
    return free_blocks;
}

}  // namespace hvsup::image
