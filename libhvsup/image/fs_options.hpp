// SPDX-License-Identifier: MIT
// What the ext4 writer is asked to produce.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace hvsup::image {

struct FsOptions {
    std::optional<uint64_t> size_bytes;   // fixed size; otherwise content + free_bytes
    uint64_t free_bytes = 64ull << 20;    // headroom when the size is content-derived
    std::string label;                    // at most 16 bytes
    std::array<uint8_t, 16> uuid{};
    int64_t timestamp = 0;                // superblock times, implicit directories, lost+found
    bool journal = true;
    bool metadata_csum = false;
    bool bit64 = false;
    uint64_t cap_bytes = 1ull << 40;      // largest content-sized image (sizes the backup regions)
};

struct FsSummary {
    uint64_t fs_bytes = 0;
    uint64_t blocks = 0;
    uint64_t free_blocks = 0;
    uint64_t inodes = 0;
    uint64_t free_inodes = 0;
    uint64_t files = 0;        // regular files (inodes)
    uint64_t directories = 0;
    uint64_t symlinks = 0;
    uint64_t specials = 0;     // devices, fifos, sockets
    uint64_t data_bytes = 0;   // file content written
    uint32_t groups = 0;
    uint32_t journal_blocks = 0;
};

}  // namespace hvsup::image
