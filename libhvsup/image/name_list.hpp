// SPDX-License-Identifier: MIT
// A list of names for the directory walk, kept in the image's (spilled) memory.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <string_view>
#include <vector>

namespace hvsup::image {

// Names (or relative paths) packed into one byte buffer with an index, in the writer's memory:
// a directory of a million entries costs its bytes plus 16 per name, and freeing the list is
// two deallocations rather than a walk over a million strings. Each name carries a tag: its
// d_type in a directory's listing (0 where a list does not use it).
class NameList {
public:
    explicit NameList(std::pmr::memory_resource* mem) : bytes_(mem), index_(mem) {}
    void push_back(std::string_view name, uint32_t tag = 0)
    {
        index_.push_back({bytes_.size(), static_cast<uint32_t>(name.size()), tag});
        bytes_.insert(bytes_.end(), name.begin(), name.end());
    }
    void pop_back()  // the last one pushed (the list used as a stack)
    {
        bytes_.resize(index_.back().offset);
        index_.pop_back();
    }
    std::string_view operator[](size_t i) const { return {bytes_.data() + index_[i].offset, index_[i].length}; }
    uint32_t tag(size_t i) const { return index_[i].tag; }
    std::string_view back() const { return (*this)[index_.size() - 1]; }
    size_t size() const { return index_.size(); }
    bool empty() const { return index_.empty(); }
    void clear()
    {
        bytes_.clear();
        index_.clear();
    }
    // Sorts by name (bytewise); `checkpoint` runs now and then, as the sort touches the list.
    template <class Checkpoint>
    void sort(Checkpoint checkpoint)
    {
        std::sort(index_.begin(), index_.end(), [&](const auto& a, const auto& b) {
            checkpoint();
            return std::string_view(bytes_.data() + a.offset, a.length) < std::string_view(bytes_.data() + b.offset, b.length);
        });
    }

private:
    struct Entry {
        uint64_t offset;
        uint32_t length;  // a name or a relative path: far below 4 GiB
        uint32_t tag;
    };
    std::pmr::vector<char> bytes_;
    std::pmr::vector<Entry> index_;
};

}  // namespace hvsup::image
