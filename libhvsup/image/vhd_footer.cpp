// SPDX-License-Identifier: MIT
#include "image/vhd_footer.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace hvsup::image::vhd {
namespace {

constexpr int64_t vhd_epoch = 946684800;  // 2000-01-01T00:00:00Z

void be(uint8_t* p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; ++i) p[i] = static_cast<uint8_t>(v >> (8 * (bytes - 1 - i)));
}
uint64_t rbe(const uint8_t* p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
    return v;
}

uint32_t sum_bytes(const uint8_t* p)
{
    uint32_t s = 0;
    for (size_t i = 0; i < footer_size; ++i) {
        if (i >= 64 && i < 68) continue;
        s += p[i];
    }
    return ~s;
}

}  // namespace

Geometry chs_for(uint64_t disk_bytes)
{
    uint64_t total = std::min<uint64_t>(disk_bytes / 512, 65535ull * 16 * 255);
    uint64_t spt, heads, cth;
    if (total >= 65535ull * 16 * 63) {
        spt = 255;
        heads = 16;
        cth = total / spt;
    } else {
        spt = 17;
        cth = total / spt;
        heads = (cth + 1023) / 1024;
        if (heads < 4) heads = 4;
        if (cth >= heads * 1024 || heads > 16) {
            spt = 31;
            heads = 16;
            cth = total / spt;
        }
        if (cth >= heads * 1024) {
            spt = 63;
            heads = 16;
            cth = total / spt;
        }
    }
    return {static_cast<uint16_t>(cth / heads), static_cast<uint8_t>(heads), static_cast<uint8_t>(spt)};
}

Footer make_fixed(uint64_t disk_bytes, int64_t unix_time, const std::array<uint8_t, 16>& unique_id)
{
    Footer f;
    f.timestamp = unix_time > vhd_epoch ? static_cast<uint32_t>(unix_time - vhd_epoch) : 0;
    f.original_size = f.current_size = disk_bytes;
    f.geometry = chs_for(disk_bytes);
    f.unique_id = unique_id;
    return f;
}

std::array<uint8_t, footer_size> encode(const Footer& f)
{
    std::array<uint8_t, footer_size> b{};
    uint8_t* p = b.data();
    std::memcpy(p, "conectix", 8);
    be(p + 8, f.features, 4);
    be(p + 12, f.format_version, 4);
    be(p + 16, f.data_offset, 8);
    be(p + 24, f.timestamp, 4);
    std::memcpy(p + 28, f.creator_app.data(), 4);
    be(p + 32, f.creator_version, 4);
    be(p + 36, f.creator_host_os, 4);
    be(p + 40, f.original_size, 8);
    be(p + 48, f.current_size, 8);
    be(p + 56, f.geometry.cylinders, 2);
    p[58] = f.geometry.heads;
    p[59] = f.geometry.sectors_per_track;
    be(p + 60, f.disk_type, 4);
    std::memcpy(p + 68, f.unique_id.data(), 16);
    p[84] = f.saved_state;
    be(p + 64, sum_bytes(p), 4);
    return b;
}

Decoded decode(const uint8_t* p)
{
    Decoded d;
    d.cookie_ok = std::memcmp(p, "conectix", 8) == 0;
    Footer& f = d.footer;
    f.features = static_cast<uint32_t>(rbe(p + 8, 4));
    f.format_version = static_cast<uint32_t>(rbe(p + 12, 4));
    f.data_offset = rbe(p + 16, 8);
    f.timestamp = static_cast<uint32_t>(rbe(p + 24, 4));
    std::memcpy(f.creator_app.data(), p + 28, 4);
    f.creator_version = static_cast<uint32_t>(rbe(p + 32, 4));
    f.creator_host_os = static_cast<uint32_t>(rbe(p + 36, 4));
    f.original_size = rbe(p + 40, 8);
    f.current_size = rbe(p + 48, 8);
    f.geometry = {static_cast<uint16_t>(rbe(p + 56, 2)), p[58], p[59]};
    f.disk_type = static_cast<uint32_t>(rbe(p + 60, 4));
    f.checksum = static_cast<uint32_t>(rbe(p + 64, 4));
    std::memcpy(f.unique_id.data(), p + 68, 16);
    f.saved_state = p[84];
    d.computed_checksum = sum_bytes(p);
    d.checksum_ok = d.computed_checksum == f.checksum;
    return d;
}

std::string verify(const Decoded& d, uint64_t file_size)
{
    if (!d.cookie_ok) return "no \"conectix\" cookie in the last 512 bytes: not a fixed VHD";
    if (!d.checksum_ok) {
        return fmt::format("footer checksum is {:#010x}, computed {:#010x}", d.footer.checksum, d.computed_checksum);
    }
    if (d.footer.disk_type != 2) return fmt::format("disk type is {}, not 2 (fixed)", d.footer.disk_type);
    if (d.footer.data_offset != UINT64_MAX) return "data offset is not 0xFFFFFFFFFFFFFFFF as a fixed disk needs";
    if (d.footer.current_size + footer_size != file_size) {
        return fmt::format("current size {} plus the footer does not match the file size {}", d.footer.current_size, file_size);
    }
    if (d.footer.current_size % 512 != 0) return "current size is not a multiple of 512";
    return {};
}

}  // namespace hvsup::image::vhd
