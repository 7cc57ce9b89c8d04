// SPDX-License-Identifier: MIT
// The metadata spill arena: memory backed by an unlinked temporary file whose pages leave the
// resident set past a budget, with the contents intact.
#include "core/error.hpp"
#include "image/ext4_format.hpp"
#include "image/fs_tree.hpp"
#include "image/spill_arena.hpp"
#include "test_util.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace hvsup::image;
using hvsup::test::TempDir;

namespace {

void fill(uint8_t* p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i += 4096) std::memcpy(p + i, &seed, sizeof seed), ++seed;
}

bool holds(const uint8_t* p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i += 4096, ++seed) {
        uint32_t v;
        std::memcpy(&v, p + i, sizeof v);
        if (v != seed) return false;
    }
    return true;
}

}  // namespace

TEST_CASE("the spill arena hands out distinct blocks and reuses freed ones", "[image][spill]")
{
    TempDir dir;
    SpillArena arena(dir.path());
    void* a = arena.allocate(40, 8);
    void* b = arena.allocate(40, 8);
    CHECK(a != b);
    CHECK(reinterpret_cast<uintptr_t>(a) % 16 == 0);
    std::memset(a, 0xAA, 40);
    std::memset(b, 0xBB, 40);
    CHECK(static_cast<uint8_t*>(a)[39] == 0xAA);
    arena.deallocate(a, 40, 8);
    CHECK(arena.allocate(33, 8) == a);  // same size class (48 bytes)
    void* big = arena.allocate(3 << 20, 64);
    CHECK(reinterpret_cast<uintptr_t>(big) % 64 == 0);
    arena.deallocate(big, 3 << 20, 64);
    CHECK(arena.allocate((3 << 20) - 100, 16) == big);

    // The file is unnamed: nothing appears in the directory, during or after.
    CHECK(hvsup::test::list_dir(dir.path()).empty());
}

TEST_CASE("contents survive releasing the arena's pages", "[image][spill]")
{
    TempDir dir;
    SpillArena arena(dir.path());
    std::vector<std::pair<uint8_t*, uint32_t>> blocks;
    for (uint32_t i = 0; i < 64; ++i) {
        auto* p = static_cast<uint8_t*>(arena.allocate(1 << 20, 16));
        fill(p, 1 << 20, i * 1000);
        blocks.emplace_back(p, i * 1000);
    }
    const uint64_t releases = arena.releases();
    arena.release_resident();
    CHECK(arena.releases() == releases + 1);
    for (const auto& [p, seed] : blocks) REQUIRE(holds(p, 1 << 20, seed));

    // Containers built on it keep working across releases.
    std::pmr::map<std::pmr::string, int> m(&arena);
    for (int i = 0; i < 20000; ++i) {
        m.emplace(fmt::format("a fairly long key so the strings leave the small buffer {}", i), i);
        if (i % 5000 == 0) arena.release_resident();
    }
    REQUIRE(m.size() == 20000);
    CHECK(m.at("a fairly long key so the strings leave the small buffer 12345") == 12345);
}

#if !defined(__SANITIZE_ADDRESS__)
// (Under AddressSanitizer every byte written also dirties shadow memory outside the arena.)
namespace {

uint64_t resident_bytes()
{
    std::ifstream in("/proc/self/statm");
    uint64_t size = 0, resident = 0;
    in >> size >> resident;
    return resident * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}

}  // namespace

TEST_CASE("the resident set stays within the budget while far more is written", "[image][spill]")
{
    TempDir dir;
    constexpr uint64_t budget = 8 << 20;
    SpillArena arena(dir.path(), budget);
    const uint64_t before = resident_bytes();
    uint64_t peak = before;
    std::vector<std::pair<uint8_t*, uint32_t>> blocks;
    for (uint32_t i = 0; i < 2048; ++i) {  // 128 MiB in 64 KiB blocks
        auto* p = static_cast<uint8_t*>(arena.allocate(64 << 10, 16));
        fill(p, 64 << 10, i * 100);
        blocks.emplace_back(p, i * 100);
        arena.checkpoint();
        peak = std::max(peak, resident_bytes());
    }
    INFO("resident before " << (before >> 20) << " MiB, peak " << (peak >> 20) << " MiB");
    CHECK(arena.bytes_reserved() >= (128u << 20));
    CHECK(arena.releases() > 0);
    CHECK(peak - before < budget + (8u << 20));
    // Reading everything back (with checkpoints) stays bounded too, and finds every byte.
    for (const auto& [p, seed] : blocks) {
        REQUIRE(holds(p, 64 << 10, seed));
        arena.checkpoint();
        peak = std::max(peak, resident_bytes());
    }
    CHECK(peak - before < budget + (8u << 20));
}
#endif

TEST_CASE("a tree in the arena behaves as one on the heap", "[image][spill]")
{
    TempDir dir;
    SpillArena arena(dir.path(), 1 << 20);
    Inode implicit;
    implicit.mode = ext4::s_ifdir | 0755;
    FsTree tree(implicit, &arena);
    Inode file;
    file.mode = ext4::s_ifreg | 0644;
    file.mutable_xattrs().emplace_back("user.k", "v");
    for (int d = 0; d < 50; ++d) {
        for (int f = 0; f < 1000; ++f) tree.add(fmt::format("d{}/f{}", d, f), file);
    }
    tree.add_hard_link("d0/link", "d49/f999");
    REQUIRE(tree.find("d49/f999") != no_inode);
    CHECK(tree.find("d0/link") == tree.find("d49/f999"));
    CHECK(tree.inode(tree.find("d7/f123")).xattrs().at(0).value == "v");
    CHECK(tree.find("d50/f0") == no_inode);
    CHECK_THROWS_WITH(tree.add("d3/f3/x", file), Catch::Contains("\"f3\" is not a directory"));
    CHECK(arena.bytes_reserved() > (1u << 20));
}

TEST_CASE("a spill directory that cannot be used is a clear error", "[image][spill]")
{
    TempDir dir;
    const auto missing = dir.path() / "not-there";
    CHECK_THROWS_WITH(SpillArena(missing), Catch::Contains("metadata spill file") && Catch::Contains("not-there"));
}
