// SPDX-License-Identifier: MIT
// Block geometry and the sequential block allocator. Data is laid down front to back while
// the sources stream; the regions that superblock/descriptor backups need (sparse_super
// groups) are skipped, sized for the largest group count the image may end up with.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace hvsup::image {

struct Geometry {
    uint64_t blocks = 0;            // filesystem blocks
    uint32_t groups = 0;
    uint32_t inodes_per_group = 0;
    uint32_t desc_size = 32;        // 64 with the 64bit feature
    uint32_t gdt_blocks = 0;        // descriptor blocks for `groups`
    uint32_t itable_blocks = 0;     // inode-table blocks per group

    uint64_t inodes() const { return uint64_t(inodes_per_group) * groups; }
};

uint32_t group_count(uint64_t blocks);
uint32_t gdt_blocks_for(uint32_t groups, uint32_t desc_size);

class BlockAllocator {
public:
    // `limit`: blocks that may be used (the filesystem size or the cap); `reserved_at_backup`:
    // blocks kept at the start of each sparse_super group (superblock + descriptors).
    BlockAllocator(uint64_t limit, uint32_t reserved_at_backup);

    // Up to `want` blocks starting at the cursor, contiguous, stopping before a reserved region.
    // Throws too_large when the limit is reached.
    std::pair<uint64_t, uint32_t> take(uint64_t want);
    // Exactly `count` contiguous blocks (skipping ahead past reserved regions if needed).
    uint64_t take_contiguous(uint32_t count);
    // Returns the last `count` blocks taken, unused (they must end at the cursor; otherwise
    // they simply stay free).
    void give_back(uint64_t start, uint64_t count)
    {
        if (start + count == cursor_) cursor_ = start;
    }

    uint64_t cursor() const { return cursor_; }
    uint64_t limit() const { return limit_; }
    uint32_t reserved_at_backup() const { return reserved_; }

private:
    void skip_reserved();
    uint64_t limit_;
    uint32_t reserved_;
    uint64_t cursor_ = 0;
};

}  // namespace hvsup::image
