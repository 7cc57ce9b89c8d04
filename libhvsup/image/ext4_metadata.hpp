// SPDX-License-Identifier: MIT
// Encoders for ext4's fixed metadata records: superblock, group descriptor, inode, journal
// superblock, directory blocks.
#pragma once

#include "image/ext4_format.hpp"
#include "image/fs_options.hpp"
#include "image/fs_tree.hpp"
#include "image/layout.hpp"
#include "image/xattr_writer.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

namespace hvsup::image {

uint32_t fs_checksum_seed(const std::array<uint8_t, 16>& uuid);
uint32_t inode_checksum_seed(uint32_t fs_seed, uint32_t ino);

struct SuperblockFields {
    Geometry geo;
    const FsOptions* options = nullptr;
    uint64_t free_blocks = 0;
    uint64_t free_inodes = 0;
    std::array<uint8_t, 60> journal_iblock{};
    uint64_t journal_bytes = 0;
};
// Fills the 1024-byte superblock as stored in `group` (s_block_group_nr).
void encode_superblock(uint8_t* sb, const SuperblockFields& f, uint32_t group);

struct GroupDesc {
    uint64_t block_bitmap = 0, inode_bitmap = 0, inode_table = 0;
    uint32_t free_blocks = 0, free_inodes = 0, used_dirs = 0, itable_unused = 0;
    uint16_t flags = 0;
    uint32_t block_bitmap_csum = 0, inode_bitmap_csum = 0;
};
void encode_group_desc(uint8_t* d, const GroupDesc& g, uint32_t group, uint32_t desc_size, bool csum, uint32_t fs_seed);

struct InodeRecord {
    const Inode* inode = nullptr;
    uint32_t ino = 0;
    uint32_t links = 0;
    uint64_t size = 0;
    uint64_t blocks = 0;  // 4 KiB blocks charged to the inode (data, tree, attribute block)
    std::array<uint8_t, 60> iblock{};
    bool extents = false;
    uint64_t xattr_block = 0;
    const EncodedXattrs* xattrs = nullptr;
};
void encode_inode(uint8_t* raw, const InodeRecord& r, bool csum, uint32_t fs_seed);

void encode_journal_superblock(uint8_t* block, uint32_t journal_blocks, const std::array<uint8_t, 16>& uuid);
uint32_t default_journal_blocks(uint64_t fs_blocks);

struct DirEntryOut {
    std::string_view name;
    uint32_t ino;
    ext4::FileType type;
};
// Packs entries into linear directory blocks. `emit` receives each finished block; returns
// the number of blocks. With csum, each block ends with the checksum tail (sealed by emit's
// caller through seal_dir_block, which needs the block's owner). `each_entry`, when given,
// runs before every entry is read (the names may live in a spill arena; see SpillArena).
uint64_t pack_directory(std::span<const DirEntryOut> entries, bool csum,
                        const std::function<void(uint8_t* block)>& emit,
                        const std::function<void()>& each_entry = {});
void seal_dir_block(uint8_t* block, uint32_t inode_seed);

}  // namespace hvsup::image
