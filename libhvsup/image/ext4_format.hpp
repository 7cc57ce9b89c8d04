// SPDX-License-Identifier: MIT
// ext4 on-disk constants and little-endian field writers. The numbers are facts of the
// format (Linux fs/ext4/ext4.h, e2fsprogs lib/ext2fs/ext2_fs.h); the code is hvsup's own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>

namespace hvsup::image::ext4 {

constexpr uint32_t block_size = 4096;
constexpr uint32_t log_block_size = 2;  // 1024 << 2
constexpr uint32_t blocks_per_group = 32768;
constexpr uint32_t inode_size = 256;
constexpr uint32_t extra_isize = 32;  // i_extra_isize: everything up to and including i_projid
constexpr uint32_t inodes_per_block = block_size / inode_size;
constexpr uint32_t first_ino = 11;

constexpr uint32_t root_ino = 2;
constexpr uint32_t journal_ino = 8;
constexpr uint32_t lost_found_ino = 11;

constexpr uint16_t super_magic = 0xEF53;

// s_feature_compat
constexpr uint32_t compat_has_journal = 0x4;
constexpr uint32_t compat_ext_attr = 0x8;
// s_feature_incompat
constexpr uint32_t incompat_filetype = 0x2;
constexpr uint32_t incompat_extents = 0x40;
constexpr uint32_t incompat_64bit = 0x80;
constexpr uint32_t incompat_flex_bg = 0x200;
// s_feature_ro_compat
constexpr uint32_t ro_compat_sparse_super = 0x1;
constexpr uint32_t ro_compat_large_file = 0x2;
constexpr uint32_t ro_compat_huge_file = 0x8;
constexpr uint32_t ro_compat_dir_nlink = 0x20;
constexpr uint32_t ro_compat_extra_isize = 0x40;
constexpr uint32_t ro_compat_metadata_csum = 0x400;
constexpr uint32_t ro_compat_readonly = 0x1000;

// i_flags
constexpr uint32_t inode_flag_extents = 0x80000;

// bg_flags
constexpr uint16_t bg_inode_zeroed = 0x4;

// Extent tree
constexpr uint16_t extent_magic = 0xF30A;
constexpr uint32_t max_extent_len = 32768;  // longer lengths mean "unwritten"
constexpr uint32_t extent_entry_size = 12;

// Extended attributes
constexpr uint32_t xattr_magic = 0xEA020000;

// Directory entry file types
enum class FileType : uint8_t { unknown = 0, regular = 1, directory = 2, chardev = 3, blockdev = 4, fifo = 5, socket = 6, symlink = 7 };

// Mode bits
constexpr uint32_t s_ifmt = 0170000;
constexpr uint32_t s_ifsock = 0140000;
constexpr uint32_t s_iflnk = 0120000;
constexpr uint32_t s_ifreg = 0100000;
constexpr uint32_t s_ifblk = 0060000;
constexpr uint32_t s_ifdir = 0040000;
constexpr uint32_t s_ifchr = 0020000;
constexpr uint32_t s_ififo = 0010000;

inline FileType file_type_of(uint32_t mode)
{
    switch (mode & s_ifmt) {
    case s_ifreg: return FileType::regular;
    case s_ifdir: return FileType::directory;
    case s_ifchr: return FileType::chardev;
    case s_ifblk: return FileType::blockdev;
    case s_ififo: return FileType::fifo;
    case s_ifsock: return FileType::socket;
    case s_iflnk: return FileType::symlink;
    default: return FileType::unknown;
    }
}

inline void put16(uint8_t* p, size_t off, uint32_t v)
{
    p[off] = static_cast<uint8_t>(v);
    p[off + 1] = static_cast<uint8_t>(v >> 8);
}
inline void put32(uint8_t* p, size_t off, uint32_t v)
{
    for (int i = 0; i < 4; ++i) p[off + i] = static_cast<uint8_t>(v >> (8 * i));
}
inline void put64(uint8_t* p, size_t off, uint64_t v)
{
    for (int i = 0; i < 8; ++i) p[off + i] = static_cast<uint8_t>(v >> (8 * i));
}
inline uint16_t get16(const uint8_t* p, size_t off) { return static_cast<uint16_t>(p[off] | (p[off + 1] << 8)); }
inline uint32_t get32(const uint8_t* p, size_t off)
{
    return uint32_t(p[off]) | uint32_t(p[off + 1]) << 8 | uint32_t(p[off + 2]) << 16 | uint32_t(p[off + 3]) << 24;
}
inline uint64_t get64(const uint8_t* p, size_t off) { return uint64_t(get32(p, off)) | uint64_t(get32(p, off + 4)) << 32; }

inline void put_be32(uint8_t* p, size_t off, uint32_t v)
{
    for (int i = 0; i < 4; ++i) p[off + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

// A group that carries a superblock backup under sparse_super: 0, 1 and powers of 3, 5, 7.
inline bool group_has_super(uint64_t group)
{
    if (group <= 1) return true;
    for (uint64_t base : {3u, 5u, 7u}) {
        uint64_t n = base;
        while (n < group) n *= base;
        if (n == group) return true;
    }
    return false;
}

// Timestamp split: low 32 bits in the base field, nanoseconds and epoch bits in *_extra.
inline uint32_t time_lo(int64_t sec) { return static_cast<uint32_t>(sec); }
inline uint32_t time_extra(int64_t sec, uint32_t nsec)
{
    const int64_t epoch = (sec - static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(sec)))) >> 32;
    return (static_cast<uint32_t>(epoch) & 3u) | (nsec << 2);
}

}  // namespace hvsup::image::ext4
