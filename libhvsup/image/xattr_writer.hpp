// SPDX-License-Identifier: MIT
// Extended attributes in ext4's format: in the inode's spare bytes first, the rest in one
// attribute block. POSIX ACLs arrive in the VFS (listxattr) format and are stored in ext4's.
#pragma once

#include "image/fs_tree.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace hvsup::image {

// Bytes of the inode after i_extra_isize that hold in-inode attributes (magic included).
constexpr size_t ibody_xattr_offset = 128 + 32;
constexpr size_t ibody_xattr_size = 256 - ibody_xattr_offset;

struct EncodedXattrs {
    bool has_ibody = false;
    std::array<uint8_t, ibody_xattr_size> ibody{};
    std::vector<uint8_t> block;  // empty, or one 4096-byte block (checksum filled later)
};

// Throws too_large naming `path` when the attributes do not fit in the inode plus one block.
EncodedXattrs encode_xattrs(std::span<const Xattr> xattrs, std::string_view path);

// Stores the metadata_csum checksum of an attribute block that lives at `block_nr`.
void seal_xattr_block(uint8_t* block, uint64_t block_nr, uint32_t fs_seed);

}  // namespace hvsup::image
