// SPDX-License-Identifier: MIT
// The size classes of the spill arena (spill_arena_posix.cpp, spill_arena_win.cpp): the block
// size a request gets and the free list it returns to.
#pragma once

#include <bit>
#include <cstddef>

namespace hvsup::image::spill {

constexpr size_t min_align = 16;
constexpr size_t small_limit = 1024;  // up to here classes step by 16 bytes, then by powers of two

struct SizeClass {
    size_t index;
    size_t bytes;
};

inline SizeClass size_class(size_t bytes, size_t alignment)
{
    size_t n = bytes < min_align ? min_align : (bytes + min_align - 1) / min_align * min_align;
    if (alignment > min_align) n = (n + alignment - 1) / alignment * alignment;
    if (n <= small_limit) return {n / min_align - 1, n};
    const size_t shift = std::bit_width(n - 1);  // 11 for 1025..2048
    return {small_limit / min_align + (shift - 11), size_t(1) << shift};
}

}  // namespace hvsup::image::spill
