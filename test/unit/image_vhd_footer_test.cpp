// SPDX-License-Identifier: MIT
// The fixed-VHD footer: layout, CHS geometry, checksum, and verification of damaged footers.
#include "image/vhd_footer.hpp"

#include <catch2/catch.hpp>

using namespace hvsup::image;

TEST_CASE("CHS geometry follows the VHD specification's algorithm", "[image][vhd]")
{
    // 512 MiB: 1048576 sectors -> 17 spt gives 61680 c*h, heads 61 > 16 -> 31 spt, 33825 >= 16384 -> 63 spt.
    auto g = vhd::chs_for(512ull << 20);
    CHECK(g.sectors_per_track == 63);
    CHECK(g.heads == 16);
    CHECK(g.cylinders == 1040);
    // Small disk: 16 MiB = 32768 sectors -> 17 spt, 1927 c*h, heads 2 -> 4.
    g = vhd::chs_for(16ull << 20);
    CHECK(g.sectors_per_track == 17);
    CHECK(g.heads == 4);
    CHECK(g.cylinders == 481);
    // Past the CHS maximum the geometry saturates at 65535/16/255.
    g = vhd::chs_for(200ull << 30);
    CHECK(g.sectors_per_track == 255);
    CHECK(g.heads == 16);
    CHECK(g.cylinders == 65535);
}

TEST_CASE("a fixed footer encodes every field big-endian with a valid checksum", "[image][vhd]")
{
    std::array<uint8_t, 16> id{};
    for (size_t i = 0; i < 16; ++i) id[i] = static_cast<uint8_t>(i + 1);
    auto bytes = vhd::encode(vhd::make_fixed(1ull << 30, 946684800 + 1000, id));
    CHECK(std::string(reinterpret_cast<const char*>(bytes.data()), 8) == "conectix");
    CHECK(bytes[11] == 2);                      // features
    CHECK(bytes[13] == 1);                      // version 1.0
    CHECK(bytes[16] == 0xFF);                   // data offset
    CHECK(bytes[23] == 0xFF);
    CHECK(bytes[26] == 0x03);                   // timestamp 1000 = 0x3E8
    CHECK(bytes[27] == 0xE8);
    CHECK(std::string(reinterpret_cast<const char*>(bytes.data() + 28), 4) == "win ");
    CHECK(std::string(reinterpret_cast<const char*>(bytes.data() + 36), 4) == "Wi2k");
    CHECK(bytes[52] == 0x40);                   // current size 1 GiB = 0x40000000 at 48..55
    CHECK(bytes[63] == 2);                      // disk type fixed
    CHECK(bytes[68] == 1);
    auto d = vhd::decode(bytes.data());
    CHECK(d.cookie_ok);
    CHECK(d.checksum_ok);
    CHECK(d.footer.current_size == (1ull << 30));
    CHECK(vhd::verify(d, (1ull << 30) + 512).empty());
}

TEST_CASE("footer verification names what is wrong", "[image][vhd]")
{
    auto bytes = vhd::encode(vhd::make_fixed(1 << 20, 0, {}));
    CHECK(vhd::verify(vhd::decode(bytes.data()), (1 << 20) + 1024).find("does not match the file size") != std::string::npos);
    auto damaged = bytes;
    damaged[100] ^= 1;
    CHECK(vhd::verify(vhd::decode(damaged.data()), (1 << 20) + 512).find("checksum") != std::string::npos);
    damaged = bytes;
    damaged[0] = 'x';
    CHECK(vhd::verify(vhd::decode(damaged.data()), (1 << 20) + 512).find("cookie") != std::string::npos);
}
