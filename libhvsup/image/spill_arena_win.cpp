// SPDX-License-Identifier: MIT
// Windows implementation of image/spill_arena.hpp: views of a temporary file created
// delete-on-close beside the output.
//
// Windows cannot map a file into part of an ordinary reserved range, so the arena is not one
// range but a list of views, each at an address that never changes: requests are cut from the
// current 64 MiB view, and a request larger than a quarter of that gets a view of its own.
// A release unmaps every view (its pages leave the working set; dirty ones go to the file, which
// FILE_ATTRIBUTE_TEMPORARY keeps in the cache while memory allows) and maps it back at the same
// address. Where the system has placeholders (VirtualAlloc2, Windows 10 1803 and later) the
// address stays reserved while the view is unmapped; elsewhere (older Windows, Wine 8) nothing
// holds it for that instant, and if another allocation of the process took it the arena cannot
// go on (see map_view).
#include "image/spill_arena.hpp"

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/win32.hpp"
#include "image/spill_size_class.hpp"

#include <psapi.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

namespace hvsup::image {
namespace {

using spill::min_align;
using spill::size_class;
using spill::SizeClass;
using spill::small_limit;

constexpr uint64_t chunk = 64ull << 20;
constexpr uint64_t granularity = 64ull << 10;  // views start at multiples of the allocation granularity

// Placeholders (not in mingw-w64's headers): the flags of VirtualAlloc2, MapViewOfFile3 and
// UnmapViewOfFile2, and the functions, looked up at run time so the DLL still loads where
// they are missing.
constexpr ULONG mem_reserve_placeholder = 0x00040000;
constexpr ULONG mem_replace_placeholder = 0x00004000;
constexpr ULONG mem_preserve_placeholder = 0x00000002;
using VirtualAlloc2Fn = PVOID(WINAPI*)(HANDLE, PVOID, SIZE_T, ULONG, ULONG, void*, ULONG);
using MapViewOfFile3Fn = PVOID(WINAPI*)(HANDLE, HANDLE, PVOID, ULONG64, SIZE_T, ULONG, ULONG, void*, ULONG);
using UnmapViewOfFile2Fn = BOOL(WINAPI*)(HANDLE, PVOID, ULONG);

struct Placeholders {
    VirtualAlloc2Fn alloc = nullptr;
    MapViewOfFile3Fn map = nullptr;
    UnmapViewOfFile2Fn unmap = nullptr;
};

Placeholders find_placeholders()
{
    Placeholders p;
    HMODULE kernelbase = ::GetModuleHandleW(L"kernelbase.dll");
    if (kernelbase == nullptr) return p;
    p.alloc = reinterpret_cast<VirtualAlloc2Fn>(reinterpret_cast<void*>(::GetProcAddress(kernelbase, "VirtualAlloc2")));
    p.map = reinterpret_cast<MapViewOfFile3Fn>(reinterpret_cast<void*>(::GetProcAddress(kernelbase, "MapViewOfFile3")));
    p.unmap =
        reinterpret_cast<UnmapViewOfFile2Fn>(reinterpret_cast<void*>(::GetProcAddress(kernelbase, "UnmapViewOfFile2")));
    if (p.alloc == nullptr || p.map == nullptr || p.unmap == nullptr) p = {};
    return p;
}

const Placeholders& placeholders()
{
    static const Placeholders p = find_placeholders();
    return p;
}

// A fresh, never reused name in `dir` for the spill file.
std::filesystem::path spill_file_name(const std::filesystem::path& dir, unsigned attempt)
{
    static std::atomic<unsigned> counter{0};
    const std::wstring name = L".vhdbuild-spill-" + std::to_wstring(::GetCurrentProcessId()) + L"-" +
                              std::to_wstring(counter++) + L"-" + std::to_wstring(attempt);
    return (dir.empty() ? std::filesystem::path(L".") : dir) / name;
}

[[noreturn]] void lost_view(const uint8_t* base, DWORD err)
{
    // The tree's pointers lead into this view: throwing would run destructors through them.
    std::fprintf(stderr, "hvsup: the image metadata view at %p could not be mapped back (error %lu); aborting\n",
                 static_cast<const void*>(base), static_cast<unsigned long>(err));
    std::abort();
}

}  // namespace

SpillArena::SpillArena(const std::filesystem::path& directory, uint64_t resident_budget)
    : directory_(directory), resident_budget_(resident_budget)
{
    // The file has a name while it is open (Windows has no unnamed files): delete-on-close
    // removes it when the last handle goes, also when the process dies.
    for (unsigned attempt = 0;; ++attempt) {
        const std::filesystem::path path = spill_file_name(directory, attempt);
        HANDLE h = ::CreateFileW(path.c_str(), GENERIC_READ | GENERIC_WRITE | DELETE, 0, nullptr, CREATE_NEW,
                                 FILE_ATTRIBUTE_TEMPORARY | FILE_ATTRIBUTE_HIDDEN | FILE_FLAG_DELETE_ON_CLOSE, nullptr);
        if (h != INVALID_HANDLE_VALUE) {
            file_ = h;
            break;
        }
        const DWORD err = ::GetLastError();
        if (err != ERROR_FILE_EXISTS || attempt >= 16) {
            throw win32::error(err, fmt::format("create a metadata spill file in {}", files::to_utf8(directory)));
        }
    }
}

SpillArena::~SpillArena()
{
    for (View& v : views_) {
        unmap_view(v);
        if (v.placeholder) ::VirtualFree(v.base, 0, MEM_RELEASE);
        ::CloseHandle(v.section);
    }
    ::CloseHandle(file_);
}

void SpillArena::grow(uint64_t at_least)
{
    const uint64_t size = (at_least + granularity - 1) / granularity * granularity;
    const uint64_t end = mapped_ + size;
    // Sizing the mapping extends the file: a full disk is an error here, not an in-page error
    // on a later write through the view.
    HANDLE section = ::CreateFileMappingW(file_, nullptr, PAGE_READWRITE, static_cast<DWORD>(end >> 32),
                                          static_cast<DWORD>(end), nullptr);
    if (section == nullptr) {
        throw win32::error(::GetLastError(),
                           fmt::format("grow the metadata spill file in {}", files::to_utf8(directory_)));
    }
    View view{section, nullptr, size, mapped_, false};
    const Placeholders& ph = placeholders();
    if (ph.alloc != nullptr) {
        void* reserved = ph.alloc(nullptr, nullptr, static_cast<SIZE_T>(size), MEM_RESERVE | mem_reserve_placeholder,
                                  PAGE_NOACCESS, nullptr, 0);
        if (reserved != nullptr) {
            view.base = static_cast<uint8_t*>(reserved);
            view.placeholder = true;
        }
        // No placeholder (unsupported here: Wine 8 refuses the flag): a plain view.
    }
    try {
        map_view(view, false);
    } catch (...) {
        if (view.placeholder) ::VirtualFree(view.base, 0, MEM_RELEASE);
        ::CloseHandle(section);
        throw;
    }
    views_.push_back(view);
    mapped_ = end;
}

void SpillArena::map_view(View& view, bool again)
{
    const DWORD high = static_cast<DWORD>(view.offset >> 32), low = static_cast<DWORD>(view.offset);
    void* p = nullptr;
    if (view.placeholder) {
        p = placeholders().map(view.section, ::GetCurrentProcess(), view.base, view.offset,
                               static_cast<SIZE_T>(view.size), mem_replace_placeholder, PAGE_READWRITE, nullptr, 0);
    } else if (!again) {
        p = ::MapViewOfFile(view.section, FILE_MAP_READ | FILE_MAP_WRITE, high, low, static_cast<SIZE_T>(view.size));
    } else {
        // Without a placeholder the address was free for an instant, so another thread's
        // allocation may sit there now; try again a little before giving up.
        for (int attempt = 0; attempt < 100 && p == nullptr; ++attempt) {
            p = ::MapViewOfFileEx(view.section, FILE_MAP_READ | FILE_MAP_WRITE, high, low,
                                  static_cast<SIZE_T>(view.size), view.base);
            if (p == nullptr) ::Sleep(attempt < 10 ? 0 : 1);
        }
    }
    if (p == nullptr) {
        const DWORD err = ::GetLastError();
        if (again) lost_view(view.base, err);
        throw win32::error(err, fmt::format("map the metadata spill file in {}", files::to_utf8(directory_)));
    }
    view.base = static_cast<uint8_t*>(p);
}

void SpillArena::unmap_view(View& view)
{
    if (view.placeholder) placeholders().unmap(::GetCurrentProcess(), view.base, mem_preserve_placeholder);
    else ::UnmapViewOfFile(view.base);
}

void* SpillArena::do_allocate(size_t bytes, size_t alignment)
{
    checkpoint();
    const SizeClass c = size_class(bytes, alignment);
    if (c.index >= class_count || alignment > granularity) {
        throw Error(ErrorCode::no_memory, "an allocation is larger than the spill space");
    }
    if (void* p = free_[c.index]; p != nullptr && reinterpret_cast<uintptr_t>(p) % alignment == 0) {
        free_[c.index] = *static_cast<void**>(p);
        return p;
    }
    if (c.bytes > chunk / 4) {
        // A view of its own; the current one goes on serving small requests.
        grow(c.bytes);
        used_ += views_.back().size;
        return views_.back().base;
    }
    const size_t align = std::max(alignment, c.bytes > small_limit ? std::min<size_t>(c.bytes, 4096) : min_align);
    uint64_t at = (current_used_ + align - 1) / align * align;
    if (views_.empty() || at + c.bytes > views_[current_].size) {
        grow(chunk);
        current_ = views_.size() - 1;
        current_used_ = 0;
        at = 0;
    }
    used_ += at + c.bytes - current_used_;
    current_used_ = at + c.bytes;
    return views_[current_].base + at;
}

void SpillArena::do_deallocate(void* p, size_t bytes, size_t alignment)
{
    checkpoint();  // destructors of large containers free block after block
    const SizeClass c = size_class(bytes, alignment);
    *static_cast<void**>(p) = free_[c.index];
    free_[c.index] = p;
}

uint64_t SpillArena::resident_bytes() const
{
    PROCESS_MEMORY_COUNTERS counters{};
    counters.cb = sizeof counters;
    if (!::GetProcessMemoryInfo(::GetCurrentProcess(), &counters, sizeof counters)) return 0;
    return counters.WorkingSetSize;
}

bool SpillArena::measures_resident() const noexcept { return true; }

void SpillArena::release_resident()
{
    for (View& v : views_) {
        unmap_view(v);
        map_view(v, true);
    }
    ++releases_;
    // What is resident now is the rest of the process; the arena may add its budget to it.
    last_rss_ = resident_bytes();
    resident_limit_ = last_rss_ + resident_budget_;
}

}  // namespace hvsup::image
