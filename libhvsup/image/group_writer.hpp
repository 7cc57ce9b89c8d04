// Per-group metadata once every block is placed: block bitmaps (with the padding past the
// end of the filesystem set), inode bitmaps (padding past inodes_per_group set), group
// descriptors and the superblock with its sparse_super backups.
#pragma once

#include "image/fs_options.hpp"
#include "image/layout.hpp"
#include "image/output_file.hpp"

#include <array>
#include <cstdint>
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

// `used`: every block in use as sorted (start, count) runs. Returns the free block count.
uint64_t write_group_metadata(OutputFile& out, const GroupMetadata& m, const std::vector<std::pair<uint64_t, uint64_t>>& used);

}  // namespace hvsup::image
