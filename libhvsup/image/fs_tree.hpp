// SPDX-License-Identifier: MIT
// The image's file tree as the sources describe it: inodes with their attributes and the
// data extents already written, and directories of names. Every path that enters goes
// through the confinement rules here: no absolute names, no "..", nothing through a symlink.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

namespace hvsup::image {

struct FileTime {
    int64_t sec = 0;
    uint32_t nsec = 0;
    bool operator==(const FileTime&) const = default;
};

// Every container of the tree takes its memory from the tree's memory resource (the
// builder's SpillArena), so they are allocator-aware: copies and moves into the tree land in
// the tree's memory, wherever the source object lived.
using TreeAllocator = std::pmr::polymorphic_allocator<std::byte>;

struct Xattr {
    using allocator_type = TreeAllocator;
    std::pmr::string name;  // full name, e.g. "user.comment", "security.capability"
    std::pmr::string value;

    Xattr() = default;
    explicit Xattr(const allocator_type& a) : name(a), value(a) {}
    Xattr(std::string_view n, std::string_view v, const allocator_type& a = {}) : name(n, a), value(v, a) {}
    Xattr(const Xattr& o, const allocator_type& a) : name(o.name, a), value(o.value, a) {}
    Xattr(Xattr&& o, const allocator_type& a) : name(std::move(o.name), a), value(std::move(o.value), a) {}
    Xattr(const Xattr&) = default;
    Xattr(Xattr&&) = default;
    Xattr& operator=(const Xattr&) = default;
    Xattr& operator=(Xattr&&) = default;
};

// A run of file blocks: `count` blocks at logical block `logical` stored from `physical`.
struct Extent {
    uint32_t logical = 0;
    uint32_t count = 0;
    uint64_t physical = 0;
};

// Fields few inodes use (symlink targets, xattrs) live behind one pointer: the tree holds an
// Inode per entry, so every byte here is paid once per file.
struct InodeExtra {
    using allocator_type = TreeAllocator;
    std::pmr::string target;
    std::pmr::vector<Xattr> xattrs;

    explicit InodeExtra(const allocator_type& a) : target(a), xattrs(a) {}
    InodeExtra(const InodeExtra& o, const allocator_type& a) : target(o.target, a), xattrs(o.xattrs, a) {}
};

struct Inode {
    using allocator_type = TreeAllocator;

    uint32_t mode = 0;  // type and permission bits, as st_mode
    uint32_t uid = 0;
    uint32_t gid = 0;
    FileTime atime, mtime, ctime;
    uint64_t size = 0;  // regular files; symlinks use target().size()
    uint32_t dev_major = 0;
    uint32_t dev_minor = 0;
    std::pmr::vector<Extent> extents;  // data of regular files (and slow symlinks, filled at finalize)

    std::string_view target() const;  // symlink target; empty when none
    void set_target(std::string_view target);
    const std::pmr::vector<Xattr>& xattrs() const;
    std::pmr::vector<Xattr>& mutable_xattrs();
    allocator_type get_allocator() const { return extents.get_allocator(); }

    Inode() = default;
    explicit Inode(const allocator_type& a) : extents(a) {}
    Inode(const Inode& other) : Inode(other, allocator_type{}) {}
    Inode(const Inode& other, const allocator_type& a);
    Inode(Inode&& other) noexcept;
    Inode(Inode&& other, const allocator_type& a);
    Inode& operator=(const Inode& other);
    Inode& operator=(Inode&& other);
    ~Inode();

private:
    void copy_fields(const Inode& o);
    InodeExtra& extra();
    void drop_extra() noexcept;
    InodeExtra* extra_ = nullptr;  // allocated from get_allocator()
};

using InodeRef = uint32_t;
constexpr InodeRef no_inode = UINT32_MAX;

struct PathOptions {
    bool convert_backslash = false;
};

class FsTree {
public:
    // `implicit` gives the attributes of directories created because a deeper path needs them
    // (and of the root until a source sets it).
    // All of the tree's memory comes from `memory` (the builder passes its SpillArena).
    explicit FsTree(Inode implicit_dir, std::pmr::memory_resource* memory = std::pmr::get_default_resource());
    ~FsTree();
    FsTree(const FsTree&) = delete;
    FsTree& operator=(const FsTree&) = delete;

    std::pmr::memory_resource* memory() const { return memory_; }

    InodeRef root() const { return 0; }
    Inode& inode(InodeRef ref) { return inodes_[ref]; }
    const Inode& inode(InodeRef ref) const { return inodes_[ref]; }
    size_t inode_slots() const { return inodes_.size(); }

    // Splits a source path into confined components; throws invalid_argument naming `path`
    // for absolute names, ".." and empty components that cannot be normalised.
    std::vector<std::string> split(std::string_view path) const;

    // Adds `attrs` at `path`, replacing what was there (a directory over a directory keeps
    // its children and takes the new attributes). Parents are created as needed; a parent
    // that is a symlink or not a directory is an error. Returns the inode.
    InodeRef add(std::string_view path, Inode attrs, uint16_t layer = 0);

    // Adds another name for the inode at `target` (a hard link). The target must exist and
    // must not be a directory.
    void add_hard_link(std::string_view path, std::string_view target, uint16_t layer = 0);

    // The inode at `path` (the last component is not followed), or no_inode.
    InodeRef find(std::string_view path) const;

    // One path of `inode` ("a/b", "" for the root; the first found for hard links), for error
    // messages: a walk over the whole tree, so only when something has already failed.
    std::string path_of(InodeRef inode) const;

    // Removes the entry (and its subtree); absent entries are ignored.
    void remove(std::string_view path);

    // OCI whiteouts hide the LOWER layers only, wherever they stand in their layer's tar: what
    // `layer` itself added at or below `path` (before or after the marker) stays.
    // whiteout(): the entry at `path` as the layers before `layer` left it goes; a directory
    // this layer re-declared or created entries in stays, emptied of lower entries (a lower
    // directory kept only for this layer's entries takes the implicit attributes, as if this
    // layer had created it). With `overlay_device` (overlay mode) a 0/0 character device
    // takes the place of what went, or the kept directory is marked opaque.
    void whiteout(std::string_view path, uint16_t layer, const Inode* overlay_device = nullptr);
    // opaque(): the directory at `path` keeps only what `layer` added to it; with `overlay`
    // it is created when absent and gets trusted.overlay.opaque=y.
    // In overlay mode an entry later added where a whiteout device stands replaces it (a
    // directory, also one created as a parent, is then marked opaque), and a hard link to a
    // whiteout device is refused as a link to a missing target.
    void opaque(std::string_view path, uint16_t layer, bool overlay);

    void set_path_options(PathOptions o) { path_options_ = o; }

    struct Dir {
        using allocator_type = TreeAllocator;
        // name (kept in the tree's name chunks) -> node
        std::pmr::map<std::string_view, uint32_t, std::less<>> entries;

        explicit Dir(const allocator_type& a) : entries(a) {}
        Dir(Dir&& o, const allocator_type& a) : entries(std::move(o.entries), a) {}
    };
    struct Node {
        InodeRef inode = no_inode;
        uint16_t layer = 0;
        // Overlay mode: the 0/0 device whiteout() put here, and a directory marked opaque.
        // A directory that later takes a whiteout's place, or re-declares an opaque one, must
        // stay opaque (the lower entries stay hidden), in whatever order the tar has them.
        bool whiteout = false;
        bool opaque = false;
        Dir* dir = nullptr;  // directories only; owned by the tree's dirs_
    };
    const Node& node(uint32_t id) const { return nodes_[id]; }
    size_t node_count() const { return nodes_.size(); }

private:
    uint32_t walk_parent(const std::vector<std::string>& parts, bool create, std::string_view path, uint16_t layer = 0);
    uint32_t find_node(std::string_view path) const;
    bool prune_lower(uint32_t node, uint16_t layer, bool keep_top);
    void mark_opaque(uint32_t node);
    uint32_t new_node(InodeRef inode, uint16_t layer);
    InodeRef new_inode(Inode attrs);
    std::string_view intern(std::string_view name);

    Dir* new_dir();

    // The containers live in `memory` too. When that is a SpillArena they are not destroyed
    // with the tree ("winked out"): the arena drops all its pages at once, and running the
    // destructors would walk, and fault back in, every page the tree spans.
    struct Storage {
        explicit Storage(std::pmr::memory_resource* m) : inodes(m), nodes(m), dirs(m), name_chunks(m) {}
        // Deques: stable references and no reallocation peaks while the tree grows.
        std::pmr::deque<Inode> inodes;
        std::pmr::deque<Node> nodes;
        std::pmr::deque<Dir> dirs;
        std::pmr::vector<char*> name_chunks;
    };
    std::pmr::memory_resource* memory_;
    bool wink_out_;
    Storage* storage_;
    std::pmr::deque<Inode>& inodes_;
    std::pmr::deque<Node>& nodes_;
    std::pmr::deque<Dir>& dirs_;
    std::pmr::vector<char*>& name_chunks_;
    Inode implicit_;
    PathOptions path_options_;
    size_t chunk_used_ = 0;
};

}  // namespace hvsup::image
