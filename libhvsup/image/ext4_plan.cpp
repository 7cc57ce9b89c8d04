// SPDX-License-Identifier: MIT
#include "image/ext4_plan.hpp"

#include "core/error.hpp"
#include "image/ext4_metadata.hpp"
#include "image/extent_tree.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace hvsup::image {

using namespace ext4;

namespace {

constexpr uint32_t last_group_minimum = 64;  // data blocks a trailing partial group must offer
constexpr uint64_t max_inodes_per_group = 32768;  // one inode bitmap block

}  // namespace

uint32_t desc_size_of(const FsOptions& o) { return o.bit64 ? 64 : 32; }

BlockAllocator make_allocator(const FsOptions& o, uint64_t& fixed_blocks)
{
    const uint32_t ds = desc_size_of(o);
    if (o.size_bytes) {
        uint64_t blocks = (*o.size_bytes + block_size - 1) / block_size;
        const uint32_t gdt = gdt_blocks_for(group_count(blocks), ds);
        const uint64_t rem = blocks % blocks_per_group;
        if (rem != 0 && rem < 1 + gdt + last_group_minimum && blocks > blocks_per_group) blocks -= rem;
        if (blocks < 64) throw Error(ErrorCode::invalid_argument, "the image size must be at least 256 KiB");
        if (!o.bit64 && blocks > UINT32_MAX) {
            throw Error(ErrorCode::invalid_argument, "images over 16 TiB need the 64bit feature");
        }
        fixed_blocks = blocks;
        return BlockAllocator(blocks, 1 + gdt);
    }
    fixed_blocks = 0;
    const uint64_t cap = o.cap_bytes / block_size;
    return BlockAllocator(cap, 1 + gdt_blocks_for(group_count(cap), ds));
}

MetadataPlacement place_metadata(BlockAllocator& alloc, const Plan& plan, OutputFile* out, bool csum, uint32_t fs_seed)
{
    MetadataPlacement m;
    uint32_t logical = 0;
    while (logical < plan.journal_blocks) {
        auto [at, n] = alloc.take(plan.journal_blocks - logical);
        m.journal.push_back({logical, n, at});
        logical += n;
    }
    if (plan.journal_blocks > 0) {
        if (out != nullptr) {
            auto tree = build_extent_tree(m.journal, alloc, *out, csum, inode_checksum_seed(fs_seed, journal_ino));
            m.journal_tree = tree.tree_blocks;
            m.journal_iblock = tree.iblock;
        } else {
            for (uint64_t i = 0; i < extent_tree_blocks(m.journal.size()); ++i) alloc.take_contiguous(1);
        }
    }
    const uint32_t groups = plan.geo.groups;
    m.block_bitmap.resize(groups);
    m.inode_bitmap.resize(groups);
    m.inode_table.resize(groups);
    for (uint32_t g = 0; g < groups; ++g) m.block_bitmap[g] = alloc.take_contiguous(1);
    for (uint32_t g = 0; g < groups; ++g) m.inode_bitmap[g] = alloc.take_contiguous(1);
    for (uint32_t g = 0; g < groups; ++g) m.inode_table[g] = alloc.take_contiguous(plan.geo.itable_blocks);
    return m;
}

Plan choose_plan(const FsOptions& options, uint64_t fixed_blocks, const BlockAllocator& alloc, uint32_t used_inodes)
{
    const bool csum = options.metadata_csum;
    const uint32_t fs_seed = fs_checksum_seed(options.uuid);
    const uint32_t ds = desc_size_of(options);
    auto plan_for = [&](uint64_t blocks) {
        Plan p;
        p.geo.blocks = blocks;
        p.geo.groups = group_count(blocks);
        p.geo.desc_size = ds;
        p.geo.gdt_blocks = gdt_blocks_for(p.geo.groups, ds);
        const uint64_t want = std::max<uint64_t>(uint64_t(used_inodes) + used_inodes / 4 + 64, blocks / 4);
        uint64_t ipg = (want + p.geo.groups - 1) / p.geo.groups;
        ipg = std::clamp<uint64_t>((ipg + 15) / 16 * 16, 32, max_inodes_per_group);
        p.geo.inodes_per_group = static_cast<uint32_t>(ipg);
        p.geo.itable_blocks = static_cast<uint32_t>(ipg * inode_size / block_size);
        p.journal_blocks = options.journal ? default_journal_blocks(blocks) : 0;
        return p;
    };
    auto fits_inodes = [&](const Plan& p) { return p.geo.inodes() > used_inodes && p.geo.inodes() <= UINT32_MAX; };
    Plan plan;
    if (fixed_blocks != 0) {
        plan = plan_for(fixed_blocks);
        if (!fits_inodes(plan)) throw Error(ErrorCode::too_large, "too many files for the image size; give a larger --size");
        BlockAllocator sim = alloc;
        place_metadata(sim, plan, nullptr, csum, fs_seed);
        if (sim.cursor() > fixed_blocks) {
            throw Error(ErrorCode::too_large,
                        fmt::format("the content does not fit in the image ({} MiB); give a larger --size",
                                    fixed_blocks * block_size >> 20));
        }
    } else {
        const uint64_t headroom = options.free_bytes / block_size;
        uint64_t blocks = std::max<uint64_t>(alloc.cursor() + headroom, 2048);
        for (int round = 0;; ++round) {
            plan = plan_for(blocks);
            uint64_t next = blocks;
            if (!fits_inodes(plan)) {
                // Straight to enough groups for the inodes at the most a group holds (one
                // group per round took more rounds than allowed for millions of entries).
                const uint64_t want_inodes = uint64_t(used_inodes) + used_inodes / 4 + 64;
                const uint64_t groups_needed = (want_inodes + max_inodes_per_group - 1) / max_inodes_per_group;
                next = std::max<uint64_t>(uint64_t(plan.geo.groups) + 1, groups_needed) * blocks_per_group;
            } else {
                BlockAllocator sim = alloc;
                place_metadata(sim, plan, nullptr, csum, fs_seed);
                next = std::max(blocks, sim.cursor() + headroom);
            }
            const uint64_t rem = next % blocks_per_group;
            const uint32_t need_rem = 1 + gdt_blocks_for(group_count(next), ds) + last_group_minimum;
            if (rem != 0 && rem < need_rem && next > blocks_per_group) next += need_rem - rem;
            if (next == blocks) break;
            if (next > alloc.limit() || round > 64) {
                throw Error(ErrorCode::too_large, "the content is larger than the largest content-sized image; give --size");
            }
            blocks = next;
        }
    }
    return plan;
}

}  // namespace hvsup::image
