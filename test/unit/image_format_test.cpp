// SPDX-License-Identifier: MIT
// Format helpers: crc32c, sparse_super groups, time encoding, sizes and UUIDs.
#include "core/error.hpp"
#include "image/crc32c.hpp"
#include "image/ext4_format.hpp"
#include "image/image_build.hpp"
#include "image/xattr_writer.hpp"

#include <catch2/catch.hpp>

using namespace hvsup::image;

TEST_CASE("crc32c matches the Castagnoli check value", "[image][format]")
{
    // The standard check value 0xE3069283 includes the final inversion ext4 leaves out.
    CHECK((~crc32c(~0u, "123456789", 9)) == 0xE3069283u);
    // Chunked updates equal one pass (the table path and the byte path agree).
    std::string data(1000, 'x');
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
    CHECK(crc32c(crc32c(~0u, data.data(), 13), data.data() + 13, 987) == crc32c(~0u, data.data(), 1000));
}

TEST_CASE("sparse_super backup groups", "[image][format]")
{
    std::vector<uint64_t> groups;
    for (uint64_t g = 0; g < 130; ++g) {
        if (ext4::group_has_super(g)) groups.push_back(g);
    }
    CHECK(groups == std::vector<uint64_t>{0, 1, 3, 5, 7, 9, 25, 27, 49, 81, 125});
}

TEST_CASE("extra time fields carry nanoseconds and the epoch bits", "[image][format]")
{
    CHECK(ext4::time_extra(0, 1) == 4);
    CHECK(ext4::time_extra(1700000000, 999999999) == (999999999u << 2));
    CHECK(ext4::time_extra(-1, 0) == 0);
    CHECK(ext4::time_extra(int64_t(1) << 31, 0) == 1);  // 2038: epoch bit set
}

TEST_CASE("sizes and UUIDs parse strictly", "[image][format]")
{
    CHECK(parse_size("4096", "size") == 4096);
    CHECK(parse_size("512M", "size") == (512ull << 20));
    CHECK(parse_size("2GiB", "size") == (2ull << 30));
    CHECK(parse_size("1t", "size") == (1ull << 40));
    CHECK_THROWS_AS(parse_size("12Q", "size"), hvsup::Error);
    CHECK_THROWS_AS(parse_size("", "size"), hvsup::Error);
    CHECK_THROWS_AS(parse_size("99999999999999999999", "size"), hvsup::Error);
    auto u = parse_uuid("01234567-89ab-cdef-0123-456789ABCDEF");
    REQUIRE(u);
    CHECK(format_uuid(*u) == "01234567-89ab-cdef-0123-456789abcdef");
    CHECK_FALSE(parse_uuid("0123456789abcdef0123456789abcdef0123"));
}

TEST_CASE("build requests name the field at fault", "[image][format]")
{
    CHECK_THROWS_WITH(decode_build_request(R"({"output":"x"})"), Catch::Contains("give one of fromDir"));
    CHECK_THROWS_WITH(decode_build_request(R"({"fromDir":"a","fromTar":"b","output":"x"})"), Catch::Contains("exactly one"));
    CHECK_THROWS_WITH(decode_build_request(R"({"empty":true,"output":"x"})"), Catch::Contains("needs a size"));
    CHECK_THROWS_WITH(decode_build_request(R"({"fromDir":"a","output":"x","uuid":"nope"})"), Catch::Contains("not a UUID"));
    CHECK_THROWS_WITH(decode_build_request(R"({"fromDir":"a","output":"x","label":"12345678901234567"})"), Catch::Contains("label"));
    auto r = decode_build_request(R"({"fromTar":"-","output":"o","size":"1G","noSuch":1,"journal":false,"timestamp":5})");
    CHECK(r.source == BuildRequest::Source::tar);
    CHECK(*r.fs.size_bytes == (1ull << 30));
    CHECK_FALSE(r.fs.journal);
    CHECK(r.fs.timestamp == 5);
}

TEST_CASE("xattrs go in the inode first, then one block, else a clear error", "[image][format]")
{
    std::vector<Xattr> small{{"user.a", "1"}};
    auto e = encode_xattrs(small, "p");
    CHECK(e.has_ibody);
    CHECK(e.block.empty());
    std::vector<Xattr> many{{"user.a", std::string(60, 'a')}, {"user.b", std::string(60, 'b')}};
    e = encode_xattrs(many, "p");
    CHECK(e.has_ibody);
    CHECK(e.block.size() == 4096);
    std::vector<Xattr> huge{{"user.big", std::string(5000, 'z')}};
    CHECK_THROWS_WITH(encode_xattrs(huge, "p"), Catch::Contains("do not fit"));
}
