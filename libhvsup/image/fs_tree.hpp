// The image's file tree as the sources describe it: inodes with their attributes and the
// data extents already written, and directories of names. Every path that enters goes
// through the confinement rules here: no absolute names, no "..", nothing through a symlink.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hvsup::image {

struct FileTime {
    int64_t sec = 0;
    uint32_t nsec = 0;
    bool operator==(const FileTime&) const = default;
};

struct Xattr {
    std::string name;   // full name, e.g. "user.comment", "security.capability"
    std::string value;
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
    std::string target;
    std::vector<Xattr> xattrs;
};

struct Inode {
    uint32_t mode = 0;  // type and permission bits, as st_mode
    uint32_t uid = 0;
    uint32_t gid = 0;
    FileTime atime, mtime, ctime;
    uint64_t size = 0;  // regular files; symlinks use target().size()
    uint32_t dev_major = 0;
    uint32_t dev_minor = 0;
    std::vector<Extent> extents;  // data of regular files (and slow symlinks, filled at finalize)

    const std::string& target() const;  // symlink target; empty when none
    void set_target(std::string target);
    const std::vector<Xattr>& xattrs() const;
    std::vector<Xattr>& mutable_xattrs();

    Inode() = default;
    Inode(const Inode& other);
    Inode& operator=(const Inode& other);
    Inode(Inode&&) noexcept = default;
    Inode& operator=(Inode&&) noexcept = default;

private:
    std::unique_ptr<InodeExtra> extra_;
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
    explicit FsTree(Inode implicit_dir);

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

    // Removes the entry (and its subtree); absent entries are ignored.
    void remove(std::string_view path);

    // Removes the children of the directory at `path` that came from layers before `layer`.
    void make_opaque(std::string_view path, uint16_t layer);

    void set_path_options(PathOptions o) { path_options_ = o; }

    struct Dir {
        // name (kept in the tree's name arena) -> node
        std::map<std::string_view, uint32_t, std::less<>> entries;
    };
    struct Node {
        InodeRef inode = no_inode;
        uint16_t layer = 0;
        std::unique_ptr<Dir> dir;  // directories only
    };
    const Node& node(uint32_t id) const { return nodes_[id]; }
    size_t node_count() const { return nodes_.size(); }

private:
    uint32_t walk_parent(const std::vector<std::string>& parts, bool create, std::string_view path, uint16_t layer = 0);
    uint32_t find_node(std::string_view path) const;
    uint32_t new_node(InodeRef inode, uint16_t layer);
    InodeRef new_inode(Inode attrs);
    std::string_view intern(std::string_view name);

    Inode implicit_;
    PathOptions path_options_;
    // Deques: stable references and no reallocation peaks while the tree grows.
    std::deque<Inode> inodes_;
    std::deque<Node> nodes_;
    std::vector<std::unique_ptr<char[]>> name_chunks_;
    size_t chunk_used_ = 0;
};

}  // namespace hvsup::image
