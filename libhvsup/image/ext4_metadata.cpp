// SPDX-License-Identifier: MIT
#include "image/ext4_metadata.hpp"

#include "image/crc32c.hpp"

#include <algorithm>
#include <cstring>

namespace hvsup::image {

using namespace ext4;

uint32_t fs_checksum_seed(const std::array<uint8_t, 16>& uuid) { return crc32c(~0u, uuid.data(), uuid.size()); }

uint32_t inode_checksum_seed(uint32_t fs_seed, uint32_t ino)
{
    uint8_t le[4];
    put32(le, 0, ino);
    uint32_t c = crc32c(fs_seed, le, 4);
    put32(le, 0, 0);  // i_generation
    return crc32c(c, le, 4);
}

void encode_superblock(uint8_t* sb, const SuperblockFields& f, uint32_t group)
{
    const FsOptions& o = *f.options;
    const Geometry& g = f.geo;
    std::memset(sb, 0, 1024);
    const auto ts = static_cast<uint32_t>(o.timestamp);
    put32(sb, 0x00, static_cast<uint32_t>(g.inodes()));
    put32(sb, 0x04, static_cast<uint32_t>(g.blocks));
    put32(sb, 0x08, 0);  // no root-reserved blocks: the guest owns all free space
    put32(sb, 0x0C, static_cast<uint32_t>(f.free_blocks));
    put32(sb, 0x10, static_cast<uint32_t>(f.free_inodes));
    put32(sb, 0x14, 0);  // s_first_data_block
    put32(sb, 0x18, log_block_size);
    put32(sb, 0x1C, log_block_size);
    put32(sb, 0x20, blocks_per_group);
    put32(sb, 0x24, blocks_per_group);
    put32(sb, 0x28, g.inodes_per_group);
    put32(sb, 0x30, ts);           // s_wtime
    put16(sb, 0x36, 0xFFFF);       // s_max_mnt_count: no forced checks
    put16(sb, 0x38, super_magic);
    put16(sb, 0x3A, 1);            // s_state: clean
    put16(sb, 0x3C, 1);            // s_errors: continue
    put32(sb, 0x40, ts);           // s_lastcheck
    put32(sb, 0x4C, 1);            // s_rev_level: dynamic
    put32(sb, 0x54, first_ino);
    put16(sb, 0x58, inode_size);
    put16(sb, 0x5A, group);
    uint32_t compat = compat_ext_attr | (f.journal_bytes ? compat_has_journal : 0);
    uint32_t incompat = incompat_filetype | incompat_extents | incompat_flex_bg | (o.bit64 ? incompat_64bit : 0);
    uint32_t ro = ro_compat_sparse_super | ro_compat_large_file | ro_compat_huge_file | ro_compat_dir_nlink |
                  ro_compat_extra_isize | (o.metadata_csum ? ro_compat_metadata_csum : 0);
    put32(sb, 0x5C, compat);
    put32(sb, 0x60, incompat);
    put32(sb, 0x64, ro);
    std::memcpy(sb + 0x68, o.uuid.data(), 16);
    std::memcpy(sb + 0x78, o.label.data(), std::min<size_t>(o.label.size(), 16));
    if (f.journal_bytes) put32(sb, 0xE0, journal_ino);
    // s_hash_seed: derived from the UUID so the output stays deterministic.
    for (uint32_t i = 0; i < 4; ++i) {
        uint8_t salt[20];
        std::memcpy(salt, o.uuid.data(), 16);
        put32(salt, 16, i + 1);
        put32(sb, 0xEC + 4 * i, crc32c(~0u, salt, sizeof salt));
    }
    sb[0xFC] = 1;  // s_def_hash_version: half_md4
    if (f.journal_bytes) sb[0xFD] = 1;  // s_jnl_backup_type: blocks copied below
    put16(sb, 0xFE, o.bit64 ? 64 : 0);
    put32(sb, 0x108, ts);  // s_mkfs_time
    if (f.journal_bytes) {
        std::memcpy(sb + 0x10C, f.journal_iblock.data(), 60);
        put32(sb, 0x10C + 60, static_cast<uint32_t>(f.journal_bytes >> 32));
        put32(sb, 0x10C + 64, static_cast<uint32_t>(f.journal_bytes));
    }
    put32(sb, 0x150, static_cast<uint32_t>(g.blocks >> 32));
    put32(sb, 0x158, static_cast<uint32_t>(f.free_blocks >> 32));
    put16(sb, 0x15C, extra_isize);
    put16(sb, 0x15E, extra_isize);
    put32(sb, 0x160, 0x2);  // s_flags: unsigned directory hash
    sb[0x174] = 4;          // s_log_groups_per_flex
    if (o.metadata_csum) {
        sb[0x175] = 1;  // crc32c
        put32(sb, 0x3FC, crc32c(~0u, sb, 0x3FC));
    }
}

void encode_group_desc(uint8_t* d, const GroupDesc& g, uint32_t group, uint32_t desc_size, bool csum, uint32_t fs_seed)
{
    std::memset(d, 0, desc_size);
    put32(d, 0x00, static_cast<uint32_t>(g.block_bitmap));
    put32(d, 0x04, static_cast<uint32_t>(g.inode_bitmap));
    put32(d, 0x08, static_cast<uint32_t>(g.inode_table));
    put16(d, 0x0C, g.free_blocks);
    put16(d, 0x0E, g.free_inodes);
    put16(d, 0x10, g.used_dirs);
    put16(d, 0x12, g.flags);
    put16(d, 0x18, g.block_bitmap_csum & 0xFFFF);
    put16(d, 0x1A, g.inode_bitmap_csum & 0xFFFF);
    put16(d, 0x1C, g.itable_unused);
    if (desc_size >= 64) {
        put32(d, 0x20, static_cast<uint32_t>(g.block_bitmap >> 32));
        put32(d, 0x24, static_cast<uint32_t>(g.inode_bitmap >> 32));
        put32(d, 0x28, static_cast<uint32_t>(g.inode_table >> 32));
        put16(d, 0x2C, g.free_blocks >> 16);
        put16(d, 0x2E, g.free_inodes >> 16);
        put16(d, 0x30, g.used_dirs >> 16);
        put16(d, 0x32, g.itable_unused >> 16);
        put16(d, 0x38, g.block_bitmap_csum >> 16);
        put16(d, 0x3A, g.inode_bitmap_csum >> 16);
    }
    if (csum) {
        uint8_t le[4];
        put32(le, 0, group);
        uint32_t c = crc32c(fs_seed, le, 4);
        c = crc32c(c, d, desc_size);  // bg_checksum is still zero here
        put16(d, 0x1E, c & 0xFFFF);
    }
}

void encode_inode(uint8_t* raw, const InodeRecord& r, bool csum, uint32_t fs_seed)
{
    const Inode& in = *r.inode;
    std::memset(raw, 0, inode_size);
    const uint64_t sectors = r.blocks * (block_size / 512);
    put16(raw, 0x00, in.mode & 0xFFFF);
    put16(raw, 0x02, in.uid & 0xFFFF);
    put32(raw, 0x04, static_cast<uint32_t>(r.size));
    put32(raw, 0x08, time_lo(in.atime.sec));
    put32(raw, 0x0C, time_lo(in.ctime.sec));
    put32(raw, 0x10, time_lo(in.mtime.sec));
    put16(raw, 0x18, in.gid & 0xFFFF);
    put16(raw, 0x1A, r.links);
    put32(raw, 0x1C, static_cast<uint32_t>(sectors));
    put32(raw, 0x20, r.extents ? inode_flag_extents : 0);
    std::memcpy(raw + 0x28, r.iblock.data(), 60);
    put32(raw, 0x68, static_cast<uint32_t>(r.xattr_block));
    put32(raw, 0x6C, static_cast<uint32_t>(r.size >> 32));
    put16(raw, 0x74, static_cast<uint32_t>(sectors >> 32));
    put16(raw, 0x76, static_cast<uint32_t>(r.xattr_block >> 32));
    put16(raw, 0x78, in.uid >> 16);
    put16(raw, 0x7A, in.gid >> 16);
    put16(raw, 0x80, extra_isize);
    put32(raw, 0x84, time_extra(in.ctime.sec, in.ctime.nsec));
    put32(raw, 0x88, time_extra(in.mtime.sec, in.mtime.nsec));
    put32(raw, 0x8C, time_extra(in.atime.sec, in.atime.nsec));
    put32(raw, 0x90, time_lo(in.mtime.sec));  // i_crtime: the source's mtime
    put32(raw, 0x94, time_extra(in.mtime.sec, in.mtime.nsec));
    if (r.xattrs != nullptr && r.xattrs->has_ibody) {
        std::memcpy(raw + ibody_xattr_offset, r.xattrs->ibody.data(), ibody_xattr_size);
    }
    if (csum) {
        const uint32_t c = crc32c(inode_checksum_seed(fs_seed, r.ino), raw, inode_size);
        put16(raw, 0x7C, c & 0xFFFF);
        put16(raw, 0x82, c >> 16);
    }
}

void encode_journal_superblock(uint8_t* b, uint32_t journal_blocks, const std::array<uint8_t, 16>& uuid)
{
    std::memset(b, 0, block_size);
    put_be32(b, 0x00, 0xC03B3998u);  // JBD2 magic
    put_be32(b, 0x04, 4);            // superblock v2
    put_be32(b, 0x0C, block_size);
    put_be32(b, 0x10, journal_blocks);
    put_be32(b, 0x14, 1);            // s_first
    put_be32(b, 0x18, 1);            // s_sequence
    put_be32(b, 0x1C, 0);            // s_start: empty, nothing to replay
    std::memcpy(b + 0x30, uuid.data(), 16);
    put_be32(b, 0x40, 1);            // s_nr_users
}

uint32_t default_journal_blocks(uint64_t fs_blocks)
{
    if (fs_blocks < 2048) return 0;
    if (fs_blocks < 32768) return 1024;
    if (fs_blocks < 256 * 1024) return 4096;
    if (fs_blocks < 512 * 1024) return 8192;
    if (fs_blocks < 4096 * 1024) return 16384;
    if (fs_blocks < 8192 * 1024) return 32768;
    if (fs_blocks < 16384 * 1024) return 65536;
    if (fs_blocks < 32768 * 1024) return 131072;
    return 262144;
}

uint64_t pack_directory(std::span<const DirEntryOut> entries, bool csum,
                        const std::function<void(uint8_t* block)>& emit, const std::function<void()>& each_entry)
{
    const size_t usable = block_size - (csum ? 12 : 0);
    std::vector<uint8_t> block(block_size, 0);
    size_t off = 0, last = 0;
    uint64_t count = 0;
    auto close = [&]() {
        put16(block.data(), last + 4, static_cast<uint32_t>(usable - last));
        if (csum) {
            uint8_t* t = block.data() + usable;
            put32(t, 0, 0);
            put16(t, 4, 12);
            t[6] = 0;
            t[7] = 0xDE;
        }
        if (emit) emit(block.data());
        std::fill(block.begin(), block.end(), 0);
        ++count;
        off = 0;
    };
    for (const auto& e : entries) {
        if (each_entry) each_entry();
        const size_t rec = 8 + ((e.name.size() + 3) & ~size_t(3));
        if (off + rec > usable) close();
        uint8_t* p = block.data() + off;
        put32(p, 0, e.ino);
        put16(p, 4, static_cast<uint32_t>(rec));
        p[6] = static_cast<uint8_t>(e.name.size());
        p[7] = static_cast<uint8_t>(e.type);
        std::memcpy(p + 8, e.name.data(), e.name.size());
        last = off;
        off += rec;
    }
    if (off > 0) close();
    return count;
}

void seal_dir_block(uint8_t* block, uint32_t inode_seed)
{
    put32(block, block_size - 4, crc32c(inode_seed, block, block_size - 12));
}

}  // namespace hvsup::image
