// SPDX-License-Identifier: MIT
// vhdbuild inspect on damaged images: inputs the fuzzer (test/fuzz, target vhd) found.
#include "core/error.hpp"
#include "image/image_build.hpp"
#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <fstream>
#include <string>

using namespace hvsup;

namespace {

// A 2 KiB "image": 1 KiB of zeros, then a superblock with the ext4 magic and the given
// s_log_block_size.
std::string superblock_image(uint32_t log_block_size)
{
    std::string img(2048, '\0');
    uint8_t* sb = reinterpret_cast<uint8_t*>(img.data()) + 1024;
    for (int i = 0; i < 4; ++i) sb[0x18 + i] = static_cast<uint8_t>(log_block_size >> (8 * i));
    sb[0x04] = 64;    // blocks
    sb[0x38] = 0x53;  // magic 0xEF53
    sb[0x39] = 0xEF;
    return img;
}

json::object inspect(const test::TempDir& dir, const std::string& bytes)
{
    const auto path = dir.path() / "disk.img";
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return image::inspect_image(path.string());
}

}  // namespace

TEST_CASE("inspect reports an out-of-range ext4 block size instead of shifting by it", "[image][inspect]")
{
    test::TempDir dir;
    // The fuzzer's input: s_log_block_size 44 made `1024u << 44`, undefined behaviour.
    for (uint32_t bad : {7u, 22u, 44u, 0xFFFFFFFFu}) {
        INFO(bad);
        const json::object out = inspect(dir, superblock_image(bad));
        REQUIRE(out.contains("problem"));
        CHECK(std::string(out.at("problem").as_string()) ==
              "ext4 log block size = " + std::to_string(bad) + ", want 0 to 6 (1 KiB to 64 KiB blocks)");
        CHECK(out.at("superblock").is_null());
    }
    // The largest valid size still reads.
    const json::object ok = inspect(dir, superblock_image(6));
    CHECK_FALSE(ok.contains("problem"));
    CHECK(ok.at("superblock").at("blockSize").to_number<uint64_t>() == 65536);
    CHECK(ok.at("superblock").at("fsBytes").to_number<uint64_t>() == 64ull * 65536);
}
