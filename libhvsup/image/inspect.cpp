// SPDX-License-Identifier: MIT
// vhdbuild inspect / hvsup_image_describe: the fixed-VHD footer and the ext4 superblock.
#include "core/error.hpp"
#include "core/files.hpp"
#include "image/ext4_format.hpp"
#include "image/image_build.hpp"
#include "image/output_file.hpp"
#include "image/vhd_footer.hpp"

#include <cstring>

#include <fmt/format.h>

namespace hvsup::image {
namespace {

using namespace ext4;

json::object footer_json(const vhd::Decoded& d, const std::string& problem)
{
    const auto& f = d.footer;
    return json::object{
        {"cookie", d.cookie_ok ? "conectix" : ""},
        {"features", f.features},
        {"formatVersion", fmt::format("{:#010x}", f.format_version)},
        {"dataOffset", fmt::format("{:#018x}", f.data_offset)},
        {"timestamp", f.timestamp},
        {"creatorApplication", std::string(f.creator_app.data(), 4)},
        {"creatorVersion", fmt::format("{:#010x}", f.creator_version)},
        {"creatorHostOs", fmt::format("{:#010x}", f.creator_host_os)},
        {"originalSize", f.original_size},
        {"currentSize", f.current_size},
        {"geometry", json::object{{"cylinders", f.geometry.cylinders}, {"heads", f.geometry.heads},
                                  {"sectorsPerTrack", f.geometry.sectors_per_track}}},
        {"diskType", f.disk_type},
        {"checksum", fmt::format("{:#010x}", f.checksum)},
        {"checksumValid", d.checksum_ok},
        {"uniqueId", format_uuid(f.unique_id)},
        {"savedState", f.saved_state},
        {"valid", problem.empty()},
        {"problem", problem},
    };
}

json::array feature_names(uint32_t bits, std::initializer_list<std::pair<uint32_t, const char*>> names)
{
    json::array out;
    for (auto [bit, name] : names) {
        if (bits & bit) {
            out.emplace_back(name);
            bits &= ~bit;
        }
    }
    for (uint32_t b = 1; b != 0; b <<= 1) {
        if (bits & b) out.emplace_back(fmt::format("{:#x}", b));
    }
    return out;
}

}  // namespace

json::object verify_footer(const std::string& path)
{
    auto in = InputFile::open(files::from_utf8(path));
    if (in->size() < vhd::footer_size) throw Error(ErrorCode::integrity, path + ": too small to hold a VHD footer");
    uint8_t raw[vhd::footer_size];
    in->read_at(raw, sizeof raw, in->size() - sizeof raw);
    auto d = vhd::decode(raw);
    const std::string problem = vhd::verify(d, in->size());
    if (!problem.empty()) throw Error(ErrorCode::integrity, path + ": " + problem);
    return footer_json(d, problem);
}

json::object inspect_image(const std::string& path)
{
    auto in = InputFile::open(files::from_utf8(path));
    json::object out{{"file", path}, {"fileBytes", in->size()}};
    uint64_t fs_limit = in->size();
    if (in->size() >= vhd::footer_size) {
        uint8_t raw[vhd::footer_size];
        in->read_at(raw, sizeof raw, in->size() - sizeof raw);
        auto d = vhd::decode(raw);
        if (d.cookie_ok) {
            out["footer"] = footer_json(d, vhd::verify(d, in->size()));
            fs_limit = in->size() - vhd::footer_size;
        } else {
            out["footer"] = nullptr;
        }
    }
    if (fs_limit < 2048) throw Error(ErrorCode::integrity, path + ": too small to hold an ext4 superblock");
    uint8_t sb[1024];
    in->read_at(sb, sizeof sb, 1024);
    if (get16(sb, 0x38) != super_magic) {
        out["superblock"] = nullptr;
        out["problem"] = fmt::format("ext4 superblock magic = {:#x}, want 0xef53", get16(sb, 0x38));
        return out;
    }
    // s_log_block_size: ext4 blocks are 1 KiB to 64 KiB. A larger value is a damaged or
    // hostile superblock (and would be an undefined shift below).
    const uint32_t log_block = get32(sb, 0x18);
    if (log_block > 6) {
        out["superblock"] = nullptr;
        out["problem"] = fmt::format("ext4 log block size = {}, want 0 to 6 (1 KiB to 64 KiB blocks)", log_block);
        return out;
    }
    std::array<uint8_t, 16> uuid{};
    std::memcpy(uuid.data(), sb + 0x68, 16);
    std::string label(reinterpret_cast<const char*>(sb + 0x78), 16);
    label.resize(std::strlen(label.c_str()));
    const uint32_t incompat = get32(sb, 0x60);
    const uint64_t blocks = get32(sb, 0x04) | ((incompat & incompat_64bit) ? uint64_t(get32(sb, 0x150)) << 32 : 0);
    const uint64_t free_blocks = get32(sb, 0x0C) | ((incompat & incompat_64bit) ? uint64_t(get32(sb, 0x158)) << 32 : 0);
    const uint32_t block = 1024u << log_block;
    const uint32_t ro = get32(sb, 0x64);
    out["superblock"] = json::object{
        {"magic", fmt::format("{:#x}", get16(sb, 0x38))},
        {"uuid", format_uuid(uuid)},
        {"label", label},
        {"blockSize", block},
        {"blocks", blocks},
        {"freeBlocks", free_blocks},
        {"inodes", get32(sb, 0x00)},
        {"freeInodes", get32(sb, 0x10)},
        {"inodesPerGroup", get32(sb, 0x28)},
        {"blocksPerGroup", get32(sb, 0x20)},
        {"inodeSize", get16(sb, 0x58)},
        {"state", get16(sb, 0x3A) == 1 ? "clean" : "not clean"},
        {"readOnlyFeature", (ro & ro_compat_readonly) != 0},
        {"featuresCompat", feature_names(get32(sb, 0x5C), {{0x1, "dir_prealloc"}, {0x4, "has_journal"}, {0x8, "ext_attr"},
                                                           {0x10, "resize_inode"}, {0x20, "dir_index"}, {0x200, "sparse_super2"}})},
        {"featuresIncompat", feature_names(incompat, {{0x2, "filetype"}, {0x4, "needs_recovery"}, {0x40, "extents"},
                                                      {0x80, "64bit"}, {0x200, "flex_bg"}, {0x8000, "inline_data"}})},
        {"featuresRoCompat", feature_names(ro, {{0x1, "sparse_super"}, {0x2, "large_file"}, {0x8, "huge_file"},
                                                {0x20, "dir_nlink"}, {0x40, "extra_isize"}, {0x400, "metadata_csum"},
                                                {0x1000, "read-only"}})},
        {"fsBytes", blocks * block},
    };
    return out;
}

}  // namespace hvsup::image
