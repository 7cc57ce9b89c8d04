// SPDX-License-Identifier: MIT
// POSIX implementation of image/spill_arena.hpp: an unlinked file mapped shared into one
// reserved range of address space.
#include "image/spill_arena.hpp"

#include "core/error.hpp"
#include "core/files.hpp"
#include "image/spill_size_class.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

namespace hvsup::image {
namespace {

constexpr uint64_t chunk = 64ull << 20;            // the file grows by this much at a time
constexpr uint64_t largest_reservation = 1ull << 40;  // address space, not memory
constexpr uint64_t smallest_reservation = 1ull << 30;
using spill::min_align;
using spill::size_class;
using spill::SizeClass;
using spill::small_limit;

int open_spill_file(const std::filesystem::path& dir)
{
    const std::string d = dir.empty() ? std::string(".") : dir.string();
    int fd = -1;
#ifdef O_TMPFILE
    fd = ::open(d.c_str(), O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) return fd;
#endif
    // Filesystems without O_TMPFILE: a named file, unlinked at once.
    std::string name = d + "/.vhdbuild-spill-XXXXXX";
    fd = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd < 0) throw system_error(errno, fmt::format("create a metadata spill file in {}", files::to_utf8(dir)));
    ::unlink(name.c_str());
    return fd;
}

}  // namespace

SpillArena::SpillArena(const std::filesystem::path& directory, uint64_t resident_budget)
    : directory_(directory), resident_budget_(resident_budget)
{
    fd_ = open_spill_file(directory);
    for (uint64_t size = largest_reservation; size >= smallest_reservation && base_ == nullptr; size /= 2) {
        void* p = ::mmap(nullptr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p != MAP_FAILED) {
            base_ = static_cast<uint8_t*>(p);
            reserved_ = size;
        }
    }
    if (base_ == nullptr) {
        const int err = errno;
        ::close(fd_);
        throw system_error(err, "reserve address space for the image metadata");
    }
    statm_fd_ = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);  // absent: no release by size
}

SpillArena::~SpillArena()
{
    ::munmap(base_, reserved_);
    ::close(fd_);
    if (statm_fd_ >= 0) ::close(statm_fd_);
}

void SpillArena::grow(uint64_t at_least)
{
    const uint64_t want = (at_least + chunk - 1) / chunk * chunk;
    if (want > reserved_) {
        throw Error(ErrorCode::no_memory,
                    fmt::format("the image metadata needs more than {} GiB of spill space", reserved_ >> 30));
    }
    const uint64_t add = want - mapped_;
    // Blocks are allocated now so that a full disk is an error here, not a SIGBUS on a later
    // write through the mapping. Filesystems without fallocate get a sparse file.
    if (::fallocate(fd_, 0, static_cast<off_t>(mapped_), static_cast<off_t>(add)) != 0) {
        const int err = errno;
        if (err != EOPNOTSUPP && err != ENOSYS) {
            throw system_error(err, fmt::format("grow the metadata spill file in {}", files::to_utf8(directory_)));
        }
        if (::ftruncate(fd_, static_cast<off_t>(want)) != 0) {
            throw system_error(errno, fmt::format("grow the metadata spill file in {}", files::to_utf8(directory_)));
        }
    }
    void* p = ::mmap(base_ + mapped_, add, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd_,
                     static_cast<off_t>(mapped_));
    if (p == MAP_FAILED) {
        throw system_error(errno, fmt::format("map the metadata spill file in {} (the output's filesystem must allow "
                                              "shared writable mappings; write the image to a local disk)",
                                              files::to_utf8(directory_)));
    }
    // No readahead: it would fill the page cache with large folios, and a fault maps a whole
    // folio (up to 2 MiB here) into the process, so a few scattered reads of the tree would
    // bring tens of MiB back into the resident set between two checkpoints (seen: 3 M
    // entries took 150 s releasing and re-faulting; with this, 5 s).
    ::madvise(p, add, MADV_RANDOM);
    mapped_ = want;
}

void* SpillArena::do_allocate(size_t bytes, size_t alignment)
{
    checkpoint();
    const SizeClass c = size_class(bytes, alignment);
    if (c.index >= class_count) throw Error(ErrorCode::no_memory, "an allocation is larger than the spill space");
    if (void* p = free_[c.index]; p != nullptr && reinterpret_cast<uintptr_t>(p) % alignment == 0) {
        free_[c.index] = *static_cast<void**>(p);
        return p;
    }
    uint64_t at = used_;
    const size_t align = std::max(alignment, c.bytes > small_limit ? std::min<size_t>(c.bytes, 4096) : min_align);
    at = (at + align - 1) / align * align;
    if (at + c.bytes > mapped_) grow(at + c.bytes);
    used_ = at + c.bytes;
    return base_ + at;
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
    char buf[128];
    const ssize_t n = ::pread(statm_fd_, buf, sizeof buf - 1, 0);
    if (n <= 0) return 0;
    buf[n] = '\0';
    char* end = nullptr;
    std::strtoull(buf, &end, 10);                      // total program size
    const uint64_t pages = std::strtoull(end, nullptr, 10);  // resident
    return pages * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}

bool SpillArena::measures_resident() const noexcept { return statm_fd_ >= 0; }

void SpillArena::release_resident()
{
    if (mapped_ > 0) ::madvise(base_, mapped_, MADV_DONTNEED);
    ++releases_;
    // What is resident now is the rest of the process; the arena may add its budget to it.
    last_rss_ = resident_bytes();
    resident_limit_ = last_rss_ + resident_budget_;
}

}  // namespace hvsup::image
