// SPDX-License-Identifier: MIT
#include "image/layout.hpp"

#include "core/error.hpp"
#include "image/ext4_format.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace hvsup::image {

uint32_t group_count(uint64_t blocks)
{
    return static_cast<uint32_t>((blocks + ext4::blocks_per_group - 1) / ext4::blocks_per_group);
}

uint32_t gdt_blocks_for(uint32_t groups, uint32_t desc_size)
{
    return static_cast<uint32_t>((uint64_t(groups) * desc_size + ext4::block_size - 1) / ext4::block_size);
}

BlockAllocator::BlockAllocator(uint64_t limit, uint32_t reserved_at_backup) : limit_(limit), reserved_(reserved_at_backup)
{
    skip_reserved();
}

void BlockAllocator::skip_reserved()
{
    const uint64_t group = cursor_ / ext4::blocks_per_group;
    const uint64_t in_group = cursor_ % ext4::blocks_per_group;
    if (in_group < reserved_ && ext4::group_has_super(group)) cursor_ = group * ext4::blocks_per_group + reserved_;
}

static Error full(uint64_t limit)
{
    return Error(ErrorCode::too_large,
                 fmt::format("the content does not fit in the image ({} MiB); give a larger --size",
                             limit * ext4::block_size >> 20));
}

std::pair<uint64_t, uint32_t> BlockAllocator::take(uint64_t want)
{
    skip_reserved();
    if (cursor_ >= limit_) throw full(limit_);
    const uint64_t group_end = (cursor_ / ext4::blocks_per_group + 1) * ext4::blocks_per_group;
    uint64_t n = std::min<uint64_t>({want, group_end - cursor_, limit_ - cursor_, ext4::max_extent_len});
    const uint64_t start = cursor_;
    cursor_ += n;
    return {start, static_cast<uint32_t>(n)};
}

uint64_t BlockAllocator::take_contiguous(uint32_t count)
{
    skip_reserved();
    const uint64_t group_end = (cursor_ / ext4::blocks_per_group + 1) * ext4::blocks_per_group;
    if (cursor_ + count > group_end && count <= ext4::blocks_per_group - reserved_) {
        // Would run into the next group's backup region: start in the next group instead
        // (only when that group has a backup; otherwise crossing is harmless).
        if (ext4::group_has_super(group_end / ext4::blocks_per_group)) {
            cursor_ = group_end;
            skip_reserved();
        }
    }
    if (cursor_ + count > limit_) throw full(limit_);
    const uint64_t start = cursor_;
    cursor_ += count;
    return start;
}

}  // namespace hvsup::image
