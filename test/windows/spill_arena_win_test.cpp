// SPDX-License-Identifier: MIT
// image/spill_arena.hpp on Windows: views of a delete-on-close file whose pages leave the
// working set past a budget, at addresses that never change, with the contents intact.
#include "image/spill_arena.hpp"
#include "support.hpp"

#include <psapi.h>

#include <catch2/catch.hpp>

#include <cstring>
#include <map>
#include <string>
#include <vector>

using namespace hvsup::image;
using hvsup::wintest::TempDir;

namespace {

void fill(uint8_t* p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i += 4096, ++seed) std::memcpy(p + i, &seed, sizeof seed);
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

size_t entries(const std::filesystem::path& dir)
{
    return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(dir), {}));
}

uint64_t working_set()
{
    PROCESS_MEMORY_COUNTERS c{};
    c.cb = sizeof c;
    REQUIRE(::GetProcessMemoryInfo(::GetCurrentProcess(), &c, sizeof c));
    return c.WorkingSetSize;
}

}  // namespace

TEST_CASE("the Windows spill arena hands out distinct blocks, reuses freed ones and deletes its file",
          "[image][spill]")
{
    TempDir dir;
    {
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
        // Windows files have a name while open: one spill file, beside the output.
        CHECK(entries(dir.path()) == 1);
    }
    CHECK(entries(dir.path()) == 0);  // delete-on-close
}

TEST_CASE("a request larger than a quarter view gets a view of its own", "[image][spill]")
{
    TempDir dir;
    SpillArena arena(dir.path());
    auto* first = static_cast<uint8_t*>(arena.allocate(1024, 16));
    auto* large = static_cast<uint8_t*>(arena.allocate(40 << 20, 16));
    auto* next = static_cast<uint8_t*>(arena.allocate(1024, 16));
    CHECK(next == first + 1024);  // the current view goes on serving small requests
    CHECK((large + (40 << 20) <= first || large >= first + (64 << 20)));
    std::memset(large, 0x5A, 40 << 20);
    CHECK(large[(40 << 20) - 1] == 0x5A);
}

TEST_CASE("contents and addresses survive releasing the Windows arena's pages", "[image][spill]")
{
    TempDir dir;
    SpillArena arena(dir.path());
    std::vector<std::pair<uint8_t*, uint32_t>> blocks;
    for (uint32_t i = 0; i < 150; ++i) {  // 150 MiB: three views
        auto* p = static_cast<uint8_t*>(arena.allocate(1 << 20, 16));
        fill(p, 1 << 20, i * 1000);
        blocks.emplace_back(p, i * 1000);
    }
    std::pmr::map<std::pmr::string, int> m(&arena);
    for (int i = 0; i < 20000; ++i) m.emplace(std::pmr::string("a longer key than SSO holds, number " + std::to_string(i), &arena), i);
    const uint64_t releases = arena.releases();
    arena.release_resident();
    arena.release_resident();
    CHECK(arena.releases() == releases + 2);
    for (const auto& [p, seed] : blocks) REQUIRE(holds(p, 1 << 20, seed));
    REQUIRE(m.size() == 20000);
    int i = 0;
    for (const auto& [k, v] : m) i += (k.rfind("a longer key", 0) == 0) ? 1 : 0;
    CHECK(i == 20000);
    CHECK(m.at("a longer key than SSO holds, number 12345") == 12345);
}

TEST_CASE("the working set stays within the budget while 256 MiB pass through the arena", "[image][spill]")
{
    TempDir dir;
    constexpr uint64_t budget = 16ull << 20;
    SpillArena arena(dir.path(), budget);
    const uint64_t before = working_set();
    uint64_t peak = before;
    std::vector<uint8_t*> blocks;
    for (uint32_t i = 0; i < 1024; ++i) {  // 256 KiB blocks, written through, as the tree's are
        auto* p = static_cast<uint8_t*>(arena.allocate(256 << 10, 16));
        fill(p, 256 << 10, i * 100);
        blocks.push_back(p);
        arena.checkpoint();
        peak = std::max(peak, working_set());
    }
    INFO("working set before " << (before >> 20) << " MiB, peak " << (peak >> 20) << " MiB, releases "
                               << arena.releases());
    CHECK(arena.releases() > 0);
    // The budget plus one check interval's growth (the interval adapts to an eighth of it).
    CHECK(peak - before < budget + (budget / 2));
    for (uint32_t i = 0; i < blocks.size(); ++i) REQUIRE(holds(blocks[i], 256 << 10, i * 100));
}
