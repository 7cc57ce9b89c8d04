// SPDX-License-Identifier: MIT
#include "image/fs_tree.hpp"

#include "core/error.hpp"
#include "image/ext4_format.hpp"
#include "image/spill_arena.hpp"

#include <cstring>
#include <vector>

#include <fmt/format.h>

namespace hvsup::image {
namespace {

bool is_dir(const Inode& i) { return (i.mode & ext4::s_ifmt) == ext4::s_ifdir; }
bool is_symlink(const Inode& i) { return (i.mode & ext4::s_ifmt) == ext4::s_iflnk; }

constexpr size_t name_chunk_size = 64 * 1024;  // names are at most 255 bytes

Error bad_path(std::string_view path, std::string_view why)
{
    return Error(ErrorCode::invalid_argument, fmt::format("unsafe path \"{}\": {}", path, why));
}

}  // namespace

Inode::Inode(const Inode& o, const allocator_type& a) : extents(o.extents, a)
{
    copy_fields(o);
    if (o.extra_) {
        extra_ = std::pmr::polymorphic_allocator<InodeExtra>(a).allocate(1);
        try {
            new (extra_) InodeExtra(*o.extra_, a);
        } catch (...) {
            std::pmr::polymorphic_allocator<InodeExtra>(a).deallocate(extra_, 1);
            extra_ = nullptr;
            throw;
        }
    }
}

Inode::Inode(Inode&& o) noexcept : extents(std::move(o.extents)), extra_(o.extra_)
{
    copy_fields(o);
    o.extra_ = nullptr;
}

Inode::Inode(Inode&& o, const allocator_type& a) : extents(a)
{
    if (o.get_allocator() == a) {
        *this = std::move(o);
    } else {
        *this = o;  // another resource: the memory cannot move, the contents are copied
    }
}

Inode& Inode::operator=(const Inode& o)
{
    if (this == &o) return *this;
    copy_fields(o);
    extents.assign(o.extents.begin(), o.extents.end());
    if (!o.extra_) {
        drop_extra();
    } else {
        InodeExtra& mine = extra();
        mine.target.assign(o.extra_->target);
        mine.xattrs.assign(o.extra_->xattrs.begin(), o.extra_->xattrs.end());
    }
    return *this;
}

Inode& Inode::operator=(Inode&& o)
{
    if (this == &o) return *this;
    if (o.get_allocator() != get_allocator()) return *this = o;
    copy_fields(o);
    extents = std::move(o.extents);
    drop_extra();
    extra_ = o.extra_;
    o.extra_ = nullptr;
    return *this;
}

Inode::~Inode() { drop_extra(); }

void Inode::copy_fields(const Inode& o)
{
    mode = o.mode;
    uid = o.uid;
    gid = o.gid;
    atime = o.atime;
    mtime = o.mtime;
    ctime = o.ctime;
    size = o.size;
    dev_major = o.dev_major;
    dev_minor = o.dev_minor;
}

InodeExtra& Inode::extra()
{
    if (!extra_) {
        std::pmr::polymorphic_allocator<InodeExtra> a(get_allocator());
        InodeExtra* p = a.allocate(1);
        try {
            new (p) InodeExtra(get_allocator());
        } catch (...) {
            a.deallocate(p, 1);
            throw;
        }
        extra_ = p;
    }
    return *extra_;
}

void Inode::drop_extra() noexcept
{
    if (!extra_) return;
    extra_->~InodeExtra();
    std::pmr::polymorphic_allocator<InodeExtra>(get_allocator()).deallocate(extra_, 1);
    extra_ = nullptr;
}

std::string_view Inode::target() const { return extra_ ? std::string_view(extra_->target) : std::string_view(); }

void Inode::set_target(std::string_view target) { extra().target.assign(target); }

const std::pmr::vector<Xattr>& Inode::xattrs() const
{
    static const std::pmr::vector<Xattr> none;
    return extra_ ? extra_->xattrs : none;
}

std::pmr::vector<Xattr>& Inode::mutable_xattrs() { return extra().xattrs; }

FsTree::FsTree(Inode implicit_dir, std::pmr::memory_resource* memory)
    : memory_(memory), wink_out_(dynamic_cast<SpillArena*>(memory) != nullptr),
      storage_(std::pmr::polymorphic_allocator<Storage>(memory).new_object<Storage>(memory)),
      inodes_(storage_->inodes), nodes_(storage_->nodes), dirs_(storage_->dirs), name_chunks_(storage_->name_chunks),
      implicit_(std::move(implicit_dir))
{
    implicit_.mode = ext4::s_ifdir | (implicit_.mode & 07777);
    new_node(new_inode(implicit_), 0);
    nodes_[0].dir = new_dir();
}

FsTree::~FsTree()
{
    if (wink_out_) return;
    for (char* c : name_chunks_) memory_->deallocate(c, name_chunk_size, 1);
    std::pmr::polymorphic_allocator<Storage>(memory_).delete_object(storage_);
}

FsTree::Dir* FsTree::new_dir() { return &dirs_.emplace_back(); }

InodeRef FsTree::new_inode(Inode attrs)
{
    inodes_.push_back(std::move(attrs));
    return static_cast<InodeRef>(inodes_.size() - 1);
}

std::string_view FsTree::intern(std::string_view name)
{
    if (name_chunks_.empty() || chunk_used_ + name.size() > name_chunk_size) {
        name_chunks_.push_back(static_cast<char*>(memory_->allocate(name_chunk_size, 1)));
        chunk_used_ = 0;
    }
    char* at = name_chunks_.back() + chunk_used_;
    std::memcpy(at, name.data(), name.size());
    chunk_used_ += name.size();
    return {at, name.size()};
}

uint32_t FsTree::new_node(InodeRef inode, uint16_t layer)
{
    Node n;
    n.inode = inode;
    n.layer = layer;
    nodes_.push_back(std::move(n));
    return static_cast<uint32_t>(nodes_.size() - 1);
}

std::vector<std::string> FsTree::split(std::string_view path) const
{
    std::string text(path);
    if (path_options_.convert_backslash) {
        for (char& c : text) if (c == '\\') c = '/';
    }
    if (text.find('\0') != std::string::npos) throw bad_path(path, "contains NUL");
    if (!text.empty() && text[0] == '/') throw bad_path(path, "absolute names are not allowed");
    std::vector<std::string> parts;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t end = text.find('/', pos);
        if (end == std::string::npos) end = text.size();
        std::string part = text.substr(pos, end - pos);
        pos = end + 1;
        if (part.empty() || part == ".") continue;
        if (part == "..") throw bad_path(path, "\"..\" is not allowed");
        if (part.size() > 255) throw bad_path(path, "a name is longer than 255 bytes");
        parts.push_back(std::move(part));
    }
    return parts;
}

uint32_t FsTree::walk_parent(const std::vector<std::string>& parts, bool create, std::string_view path, uint16_t layer)
{
    uint32_t cur = 0;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
        Dir& dir = *nodes_[cur].dir;
        auto it = dir.entries.find(parts[i]);
        if (it == dir.entries.end()) {
            if (!create) return UINT32_MAX;
            // Created by this layer: an opaque marker later in the same layer must keep it.
            uint32_t id = new_node(new_inode(implicit_), layer);
            nodes_[id].dir = new_dir();
            nodes_[cur].dir->entries.emplace(intern(parts[i]), id);
            cur = id;
            continue;
        }
        if (nodes_[it->second].whiteout && create) {
            // An overlay whiteout in the way: a directory takes its place, opaque so that what
            // the whiteout hid stays hidden (as when the directory came before the whiteout).
            uint32_t id = new_node(new_inode(implicit_), layer);
            nodes_[id].dir = new_dir();
            mark_opaque(id);
            it->second = id;
            cur = id;
            continue;
        }
        const Node& next = nodes_[it->second];
        if (is_symlink(inodes_[next.inode])) throw bad_path(path, fmt::format("\"{}\" is a symlink", parts[i]));
        if (!next.dir) throw bad_path(path, fmt::format("\"{}\" is not a directory", parts[i]));
        cur = it->second;
    }
    return cur;
}

InodeRef FsTree::add(std::string_view path, Inode attrs, uint16_t layer)
{
    auto parts = split(path);
    if (parts.empty()) {
        if (!is_dir(attrs)) throw bad_path(path, "the root must be a directory");
        inodes_[nodes_[0].inode] = std::move(attrs);
        return nodes_[0].inode;
    }
    uint32_t parent = walk_parent(parts, true, path, layer);
    Dir& dir = *nodes_[parent].dir;
    auto it = dir.entries.find(parts.back());
    bool opaque = false;
    if (it != dir.entries.end()) {
        Node& existing = nodes_[it->second];
        if (existing.dir && is_dir(attrs)) {
            inodes_[existing.inode] = std::move(attrs);
            existing.layer = layer;
            if (existing.opaque) mark_opaque(it->second);  // the new attributes keep it opaque
            return existing.inode;
        }
        opaque = existing.whiteout;  // a directory over an overlay whiteout
        dir.entries.erase(it);
    }
    const bool dir_entry = is_dir(attrs);
    uint32_t id = new_node(new_inode(std::move(attrs)), layer);
    if (dir_entry) nodes_[id].dir = new_dir();
    if (dir_entry && opaque) mark_opaque(id);
    nodes_[parent].dir->entries.emplace(intern(parts.back()), id);
    return nodes_[id].inode;
}

void FsTree::add_hard_link(std::string_view path, std::string_view target, uint16_t layer)
{
    uint32_t t = find_node(target);
    if (t == UINT32_MAX || nodes_[t].whiteout) {
        throw Error(ErrorCode::invalid_argument,
                    fmt::format("hard link \"{}\" -> \"{}\": the target does not exist", path, target));
    }
    if (nodes_[t].dir) {
        throw Error(ErrorCode::invalid_argument,
                    fmt::format("hard link \"{}\" -> \"{}\": the target is a directory", path, target));
    }
    const InodeRef inode = nodes_[t].inode;
    auto parts = split(path);
    if (parts.empty()) throw bad_path(path, "a hard link cannot replace the root");
    uint32_t parent = walk_parent(parts, true, path, layer);
    Dir& dir = *nodes_[parent].dir;
    auto it = dir.entries.find(parts.back());
    if (it != dir.entries.end()) {
        if (nodes_[it->second].inode == inode) return;
        dir.entries.erase(it);
    }
    uint32_t id = new_node(inode, layer);
    nodes_[parent].dir->entries.emplace(intern(parts.back()), id);
}

uint32_t FsTree::find_node(std::string_view path) const
{
    auto parts = split(path);
    uint32_t cur = 0;
    for (size_t i = 0; i < parts.size(); ++i) {
        const Node& n = nodes_[cur];
        if (!n.dir) return UINT32_MAX;
        if (i > 0 && is_symlink(inodes_[n.inode])) return UINT32_MAX;
        auto it = n.dir->entries.find(parts[i]);
        if (it == n.dir->entries.end()) return UINT32_MAX;
        cur = it->second;
    }
    return cur;
}

InodeRef FsTree::find(std::string_view path) const
{
    uint32_t n = find_node(path);
    return n == UINT32_MAX ? no_inode : nodes_[n].inode;
}

std::string FsTree::path_of(InodeRef inode) const
{
    struct Item {
        uint32_t node;
        size_t parent;
        std::string_view name;
    };
    std::vector<Item> order{{0, SIZE_MAX, {}}};
    for (size_t i = 0; i < order.size(); ++i) {
        if (nodes_[order[i].node].inode == inode) {
            std::vector<std::string_view> names;
            for (size_t k = i; k != 0; k = order[k].parent) names.push_back(order[k].name);
            std::string path;
            for (auto it = names.rbegin(); it != names.rend(); ++it) path += (path.empty() ? "" : "/") + std::string(*it);
            return path;
        }
        if (const Dir* d = nodes_[order[i].node].dir) {
            for (const auto& [name, child] : d->entries) order.push_back({child, i, name});
        }
    }
    return fmt::format("(inode {})", inode);
}

void FsTree::remove(std::string_view path)
{
    auto parts = split(path);
    if (parts.empty()) return;
    uint32_t parent = walk_parent(parts, false, path);
    if (parent == UINT32_MAX) return;
    nodes_[parent].dir->entries.erase(parts.back());
}

// Drops, below `top` (and `top` itself unless `keep_top`), everything only lower layers put
// there. Returns whether anything of `layer` remains at `top`. Iterative: a hostile archive
// can nest directories deeper than the stack allows.
bool FsTree::prune_lower(uint32_t top, uint16_t layer, bool keep_top)
{
    struct Item {
        uint32_t node;
        size_t parent;  // index in `order`
        std::string_view name;
    };
    std::vector<Item> order{{top, SIZE_MAX, {}}};
    for (size_t i = 0; i < order.size(); ++i) {
        if (const Dir* d = nodes_[order[i].node].dir) {
            for (const auto& [name, child] : d->entries) order.push_back({child, i, name});
        }
    }
    std::vector<uint8_t> keeps_child(order.size(), 0);
    bool top_kept = false;
    for (size_t i = order.size(); i-- > 0;) {
        Node& n = nodes_[order[i].node];
        const bool kept = n.layer >= layer || keeps_child[i] != 0 || (i == 0 && keep_top);
        if (kept && n.layer < layer && !(i == 0 && keep_top)) {
            // A lower directory that stays only because this layer put entries in it: after
            // the whiteout this layer would have created it, so it takes implicit attributes.
            inodes_[n.inode] = implicit_;
            n.layer = layer;
        }
        if (i == 0) {
            top_kept = kept;
            break;
        }
        if (kept) {
            keeps_child[order[i].parent] = 1;
        } else {
            nodes_[order[order[i].parent].node].dir->entries.erase(order[i].name);
        }
    }
    return top_kept;
}

void FsTree::mark_opaque(uint32_t node)
{
    nodes_[node].opaque = true;
    auto& xs = inodes_[nodes_[node].inode].mutable_xattrs();
    std::erase_if(xs, [](const Xattr& x) { return x.name == "trusted.overlay.opaque"; });
    xs.emplace_back("trusted.overlay.opaque", "y");
}

void FsTree::whiteout(std::string_view path, uint16_t layer, const Inode* overlay_device)
{
    auto parts = split(path);
    if (parts.empty()) throw bad_path(path, "a whiteout cannot hide the root");
    uint32_t parent = walk_parent(parts, overlay_device != nullptr, path, layer);
    if (parent == UINT32_MAX) return;
    Dir& dir = *nodes_[parent].dir;
    auto it = dir.entries.find(parts.back());
    bool kept = false;
    uint32_t id = UINT32_MAX;
    if (it != dir.entries.end()) {
        id = it->second;
        kept = prune_lower(id, layer, false);
        if (!kept) dir.entries.erase(it);
    }
    if (overlay_device == nullptr) return;
    if (!kept) {
        add(path, *overlay_device, layer);
        nodes_[find_node(path)].whiteout = true;
    } else if (nodes_[id].dir) {
        mark_opaque(id);  // this layer's directory over a hidden lower one
    }
}

void FsTree::opaque(std::string_view path, uint16_t layer, bool overlay)
{
    uint32_t n = find_node(path);
    if (overlay && (n == UINT32_MAX || nodes_[n].whiteout)) {
        add(path, implicit_, layer);
        n = find_node(path);
    }
    if (n == UINT32_MAX || !nodes_[n].dir) return;
    prune_lower(n, layer, true);
    if (overlay) mark_opaque(n);
}

}  // namespace hvsup::image
