// SPDX-License-Identifier: MIT
// Memory for the image's metadata (the tree of entries and the tables of the final pass) that
// is backed by a temporary file instead of the process's heap, so the builder's memory stays
// bounded whatever the number of entries.
//
// The arena is one range of address space over an unlinked temporary file, mapped shared and
// grown a chunk at a time. Containers use it through std::pmr (it is a memory_resource), so
// the tree code keeps ordinary pointers and containers. Its pages are ordinary page-cache pages
// of that file: the arena keeps at most `resident_budget` bytes of them mapped into the
// process (checkpoint() drops the mapping of all of them with MADV_DONTNEED once the resident
// set has grown by more than that since the last drop; the contents stay in the file and come
// back on the next touch), and the kernel may write them to the file and reclaim them under
// memory pressure as it does with any file's pages.
//
// Windows (spill_arena_win.cpp) keeps the contract with a file created delete-on-close beside
// the output: the arena is a list of views of it (64 MiB each, or one per larger request),
// each at an address that never changes, and a release unmaps the views and maps them back
// at the same addresses (the pages leave the working set; the contents stay in the file).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory_resource>
#include <vector>

namespace hvsup::image {

class SpillArena final : public std::pmr::memory_resource {
public:
    static constexpr uint64_t default_resident_budget = 24ull << 20;

    // The temporary file is created (already unlinked) in `directory`, which should be on a
    // disk, not a RAM filesystem: the output's own directory is used by the builder.
    explicit SpillArena(const std::filesystem::path& directory, uint64_t resident_budget = default_resident_budget);
    ~SpillArena() override;
    SpillArena(const SpillArena&) = delete;
    SpillArena& operator=(const SpillArena&) = delete;

    // Cheap: counts calls, and now and then compares the process's resident set with the
    // budget and releases the arena's pages when it is over. Long loops that only read the
    // arena call it; allocations call it themselves. The resident set is the whole process's:
    // two builds running in one process (C ABI callers) make each other release more often,
    // which costs time, never correctness.
    void checkpoint();

    // Releases every arena page from the process now (the contents stay).
    void release_resident();

    // Bytes of the file handed out (including freed blocks kept for reuse).
    uint64_t bytes_reserved() const { return used_; }
    // How many times the pages were released (tests, diagnostics).
    uint64_t releases() const { return releases_; }

private:
    void* do_allocate(size_t bytes, size_t alignment) override;
    void do_deallocate(void* p, size_t bytes, size_t alignment) override;
    bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }

    void grow(uint64_t at_least);
    // The process's resident set (POSIX) or working set (Windows) in bytes, 0 when unknown;
    // measures_resident() is false where it cannot be read at all (then checkpoint() does nothing).
    uint64_t resident_bytes() const;
    bool measures_resident() const noexcept;

    static constexpr size_t class_count = 64 + 48;
    std::filesystem::path directory_;
#ifdef _WIN32
    struct View {
        void* section;    // HANDLE of the file mapping object behind the view
        uint8_t* base;    // where the view is (and is mapped back to after a release)
        uint64_t size;
        uint64_t offset;  // in the file
        bool placeholder; // the view replaced a placeholder (its address stays reserved when unmapped)
    };
    void* file_ = nullptr;       // HANDLE of the delete-on-close file
    std::vector<View> views_;
    size_t current_ = 0;         // the view that small requests are cut from
    uint64_t current_used_ = 0;  // bump pointer in it
    void map_view(View& view, bool again);  // again: back at view.base after a release
    void unmap_view(View& view);            // keeps a placeholder's address reserved
#else
    int fd_ = -1;
    int statm_fd_ = -1;
    uint8_t* base_ = nullptr;   // start of the reserved address range
    uint64_t reserved_ = 0;     // bytes of address space reserved
#endif
    uint64_t mapped_ = 0;       // bytes of the file mapped (== the file's length)
    uint64_t used_ = 0;         // bump pointer
    uint64_t resident_budget_;
    uint64_t resident_limit_ = 0;  // release when the process's resident set exceeds this
    static constexpr uint64_t max_check_interval = 256;
    uint64_t calls_ = 0;            // checkpoints since the last look at the resident set
    uint64_t check_interval_ = 32;  // checkpoints between looks (adapts)
    uint64_t last_rss_ = 0;
    uint64_t releases_ = 0;
    void* free_[class_count] = {};
};

}  // namespace hvsup::image
