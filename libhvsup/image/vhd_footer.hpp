// SPDX-License-Identifier: MIT
// The fixed-VHD footer (docs/image.md, "What is written"): 512 big-endian bytes after the raw disk.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace hvsup::image::vhd {

constexpr size_t footer_size = 512;

struct Geometry {
    uint16_t cylinders = 0;
    uint8_t heads = 0;
    uint8_t sectors_per_track = 0;
};

// The CHS geometry of the VHD specification's appendix for a disk of `disk_bytes`.
Geometry chs_for(uint64_t disk_bytes);

struct Footer {
    uint32_t features = 2;
    uint32_t format_version = 0x00010000;
    uint64_t data_offset = UINT64_MAX;
    uint32_t timestamp = 0;                // seconds since 2000-01-01 UTC
    std::array<char, 4> creator_app{{'w', 'i', 'n', ' '}};
    uint32_t creator_version = 0x000A0000;
    uint32_t creator_host_os = 0x5769326B;  // "Wi2k"
    uint64_t original_size = 0;
    uint64_t current_size = 0;
    Geometry geometry;
    uint32_t disk_type = 2;  // fixed
    uint32_t checksum = 0;
    std::array<uint8_t, 16> unique_id{};
    uint8_t saved_state = 0;
};

// A fixed-disk footer for `disk_bytes` (a multiple of 512) made at Unix time `unix_time`.
Footer make_fixed(uint64_t disk_bytes, int64_t unix_time, const std::array<uint8_t, 16>& unique_id);

std::array<uint8_t, footer_size> encode(const Footer& f);  // fills the checksum

struct Decoded {
    Footer footer;
    bool cookie_ok = false;
    bool checksum_ok = false;
    uint32_t computed_checksum = 0;
};
Decoded decode(const uint8_t* bytes);

// Problems that make the footer unusable as a fixed VHD for a file of `file_size` bytes;
// empty when it is valid.
std::string verify(const Decoded& d, uint64_t file_size);

}  // namespace hvsup::image::vhd
