// Windows: the arena passes through to the heap (no bound on metadata memory; see
// spill_arena.hpp). A file-backed version would map a section of a temporary file with
// FILE_FLAG_DELETE_ON_CLOSE; it is not written because Windows builds have not needed it.
#include "image/spill_arena.hpp"

namespace hvsup::image {

SpillArena::SpillArena(const std::filesystem::path& directory, uint64_t resident_budget)
    : directory_(directory), resident_budget_(resident_budget)
{
}

SpillArena::~SpillArena() = default;

void SpillArena::checkpoint() {}

void SpillArena::release_resident() {}

void* SpillArena::do_allocate(size_t bytes, size_t alignment)
{
    used_ += bytes;
    return std::pmr::new_delete_resource()->allocate(bytes, alignment);
}

void SpillArena::do_deallocate(void* p, size_t bytes, size_t alignment)
{
    std::pmr::new_delete_resource()->deallocate(p, bytes, alignment);
}

}  // namespace hvsup::image
