// SPDX-License-Identifier: MIT
#include "image/ext4_writer.hpp"

#include "core/error.hpp"
#include "image/crc32c.hpp"
#include "image/ext4_metadata.hpp"
#include "image/extent_tree.hpp"
#include "image/ext4_plan.hpp"
#include "image/group_writer.hpp"
#include "image/xattr_writer.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include <fmt/format.h>

namespace hvsup::image {

using namespace ext4;

namespace {

constexpr size_t copy_buffer = 1u << 20;
constexpr uint32_t max_links = 65000;

// A vector of `n` copies of `value` in `mem`, filled a slice at a time with `checkpoint` in
// between, so a spill arena can let go of the pages already written.
template <class T, class Checkpoint>
std::pmr::vector<T> filled_vector(size_t n, T value, std::pmr::memory_resource* mem, Checkpoint checkpoint)
{
    std::pmr::vector<T> v(mem);
    v.reserve(n);
    constexpr size_t slice = 4096;
    while (v.size() < n) {
        v.insert(v.end(), std::min(slice, n - v.size()), value);
        checkpoint();
    }
    return v;
}

uint32_t links_of_dir(uint64_t subdirs) { return subdirs + 2 > max_links ? 1 : static_cast<uint32_t>(subdirs + 2); }

}  // namespace

Inode implicit_directory(int64_t timestamp)
{
    Inode d;
    d.mode = s_ifdir | 0755;
    d.atime = d.mtime = d.ctime = FileTime{timestamp, 0};
    return d;
}

Ext4Writer::Ext4Writer(FsOptions options, OutputFile& out, std::pmr::memory_resource* memory)
    : options_(std::move(options)), out_(out), spill_(dynamic_cast<SpillArena*>(memory)),
      tree_(implicit_directory(options_.timestamp), memory),
      alloc_(make_allocator(options_, fixed_blocks_)), buffer_(copy_buffer)
{
    if (options_.label.size() > 16) throw Error(ErrorCode::invalid_argument, "the label is longer than 16 bytes");
}

void Ext4Writer::add_run(Inode& inode, uint32_t logical, uint64_t physical, uint32_t count)
{
    if (!inode.extents.empty()) {
        Extent& last = inode.extents.back();
        if (last.logical + last.count == logical && last.physical + last.count == physical &&
            last.count + count <= max_extent_len) {
            last.count += count;
            return;
        }
    }
    inode.extents.push_back({logical, count, physical});
}

namespace {

// True when the `size` bytes at `p` are all zero (the first byte, then each byte against the
// next: one memcmp, vectorised by the C library).
bool all_zero(const uint8_t* p, size_t size) { return size == 0 || (p[0] == 0 && std::memcmp(p, p + 1, size - 1) == 0); }

// Segments this long or longer are written whole: looking for zero blocks in them would mean
// reading data the kernel otherwise copies without it passing through this process
// (copy_file_range), which costs more than the holes save (measured in docs/image.md).
constexpr uint64_t dense_segment = 256u << 10;

}  // namespace

Ext4Writer::~Ext4Writer() = default;

void Ext4Writer::read_exact(DataSource& source, uint8_t* dst, size_t size, std::string_view path)
{
    size_t got = 0;
    while (got < size) {
        size_t n = source.read(dst + got, size - got);
        if (n == 0) throw Error(ErrorCode::integrity, fmt::format("\"{}\": the input ends inside the file's data", path));
        got += n;
    }
}

uint32_t Ext4Writer::place_blocks(Inode& in, uint64_t b, uint64_t at, uint64_t in_block, uint8_t* buf, size_t size)
{
    // Block k of the piece is at from_k = k * block_size - in_block (the first one, from 0,
    // at in_block inside its block). Blocks kept get consecutive physical blocks from `at`.
    const uint8_t* src = buf;
    const uint32_t blocks = static_cast<uint32_t>((in_block + size + block_size - 1) / block_size);
    uint32_t kept = 0;
    size_t used = 0;
    for (uint32_t k = 0; k < blocks; ++k) {
        const size_t from = k == 0 ? 0 : size_t(k) * block_size - in_block;
        const size_t len = std::min<size_t>(size - from, k == 0 ? block_size - in_block : block_size);
        if (all_zero(src + from, len)) continue;
        const uint64_t phys = at + kept;
        // Packed in place; the caller writes buf[0, used).
        const size_t to = kept == 0 ? 0 : size_t(kept) * block_size - in_block;
        if (to != from) std::memmove(buf + to, buf + from, len);
        used = to + len;
        add_run(in, static_cast<uint32_t>(b + k), phys, 1);
        ++kept;
    }
    placed_bytes_ = used;
    return kept;
}

void Ext4Writer::write_data(InodeRef ref, uint64_t offset, uint64_t length, DataSource& source, std::string_view path)
{
    if (length == 0) return;
    Inode& in = tree_.inode(ref);
    const uint64_t end_block = (offset + length + block_size - 1) / block_size;
    if (end_block > UINT32_MAX) throw Error(ErrorCode::too_large, fmt::format("\"{}\": file is larger than 16 TiB", path));
    // All-zero blocks become holes (as with mke2fs -d) in segments under dense_segment,
    // whatever the source, so a plain tar, its gzip and the directory give the same image.
    const bool find_holes = length < dense_segment;
    uint64_t pos = offset, remaining = length;
    while (remaining > 0) {
        const uint64_t b = pos / block_size;
        const uint64_t mapped_end = in.extents.empty() ? 0 : uint64_t(in.extents.back().logical) + in.extents.back().count;
        if (b < mapped_end) {
            // The block an earlier segment ended in: written in place.
            const Extent& e = in.extents.back();
            if (b < e.logical) throw Error(ErrorCode::invalid_argument, fmt::format("\"{}\": data segments out of order", path));
            const uint64_t run_end = uint64_t(e.logical + e.count) * block_size;
            const size_t n = static_cast<size_t>(std::min<uint64_t>({remaining, run_end - pos, buffer_.size()}));
            read_exact(source, buffer_.data(), n, path);
            out_.write_at(buffer_.data(), n, e.physical * block_size + (pos - uint64_t(e.logical) * block_size));
            pos += n;
            remaining -= n;
            bytes_ += n;
            report(false);
            continue;
        }
        // Fresh blocks, taken first; those that stay holes are given back.
        auto [at, count] = alloc_.take(end_block - b);
        const uint64_t in_block = pos % block_size;
        const uint64_t run = std::min(remaining, uint64_t(count) * block_size - in_block);
        // Dense segments go to the image whole, copied in the kernel when the source can.
        if (!find_holes && source.copy_to(out_, at * block_size + in_block, run)) {
            add_run(in, static_cast<uint32_t>(b), at, count);
            pos += run;
            remaining -= run;
            bytes_ += run;
            report(false);
            continue;
        }
        // Through this buffer (or the output's staging room: one copy fewer for small pieces),
        // packed there. When looking for holes, a piece starting inside a block stops at that
        // block's end, so packing never moves bytes to another offset within a block.
        const size_t chunk = static_cast<size_t>(find_holes && in_block != 0 ? std::min<uint64_t>(run, block_size - in_block)
                                                                              : std::min<uint64_t>(run, buffer_.size()));
        const uint32_t blocks = static_cast<uint32_t>((in_block + chunk + block_size - 1) / block_size);
        alloc_.give_back(at + blocks, count - blocks);
        uint8_t* dst = out_.stage(chunk, at * block_size + in_block);
        const bool staged = dst != nullptr;
        if (!staged) dst = buffer_.data();
        read_exact(source, dst, chunk, path);
        uint32_t kept = blocks;
        placed_bytes_ = chunk;
        if (find_holes) {
            kept = place_blocks(in, b, at, in_block, dst, chunk);
        } else {
            add_run(in, static_cast<uint32_t>(b), at, blocks);
        }
        alloc_.give_back(at + kept, blocks - kept);
        if (staged) {
            out_.unstage(chunk - placed_bytes_);
        } else if (placed_bytes_ > 0) {
            out_.write_at(buffer_.data(), placed_bytes_, at * block_size + in_block);
        }
        pos += chunk;
        remaining -= chunk;
        bytes_ += chunk;
        report(false);
    }
}

void Ext4Writer::checkpoint()
{
    if (spill_ != nullptr) spill_->checkpoint();
}

void Ext4Writer::note_entry()
{
    ++entries_;
    report(false);
}

void Ext4Writer::report(bool force)
{
    if (!progress_) return;
    if (!force && bytes_ - reported_bytes_ < (16u << 20) && entries_ - reported_entries_ < 512) return;
    reported_bytes_ = bytes_;
    reported_entries_ = entries_;
    if (!progress_(bytes_, entries_)) throw Error(ErrorCode::generic, "image build cancelled");
}

FsSummary Ext4Writer::finish()
{
    report(true);
    const bool csum = options_.metadata_csum;
    const uint32_t fs_seed = fs_checksum_seed(options_.uuid);
    FsSummary summary;

    // lost+found, as e2fsck expects it.
    InodeRef lost = tree_.find("lost+found");
    if (lost == no_inode) {
        Inode lf = implicit_directory(options_.timestamp);
        lf.mode = s_ifdir | 0700;
        lost = tree_.add("lost+found", lf);
    } else if ((tree_.inode(lost).mode & s_ifmt) != s_ifdir) {
        throw Error(ErrorCode::invalid_argument, "\"lost+found\" in the input is not a directory");
    }

    // Inode numbers, breadth first in name order: root 2, lost+found 11, the rest from 12.
    struct DirJob {
        uint32_t node, ino, parent_ino;
    };
    std::pmr::memory_resource* mem = memory();
    auto cp = [this] { checkpoint(); };
    std::pmr::vector<uint32_t> ino_of = filled_vector<uint32_t>(tree_.inode_slots(), 0, mem, cp);
    std::pmr::vector<uint32_t> links = filled_vector<uint32_t>(tree_.inode_slots(), 0, mem, cp);
    std::pmr::vector<InodeRef> by_ino(first_ino + 1, no_inode, mem);
    by_ino.reserve(tree_.inode_slots() + first_ino + 1);
    const InodeRef root = tree_.node(0).inode;
    ino_of[root] = root_ino;
    by_ino[root_ino] = root;
    ino_of[lost] = lost_found_ino;
    by_ino[lost_found_ino] = lost;
    std::pmr::vector<DirJob> dirs({{0, root_ino, root_ino}}, mem);
    for (size_t i = 0; i < dirs.size(); ++i) {
        checkpoint();
        const auto& node = tree_.node(dirs[i].node);
        uint64_t subdirs = 0;
        for (const auto& [name, child] : node.dir->entries) {
            checkpoint();
            const auto& cn = tree_.node(child);
            if (ino_of[cn.inode] == 0) {
                if (by_ino.size() > UINT32_MAX - 1) throw Error(ErrorCode::too_large, "too many inodes");
                ino_of[cn.inode] = static_cast<uint32_t>(by_ino.size());
                by_ino.push_back(cn.inode);
            }
            if (cn.dir) {
                ++subdirs;
                dirs.push_back({child, ino_of[cn.inode], dirs[i].ino});
            } else if (++links[cn.inode] > max_links) {
                throw Error(ErrorCode::too_large, fmt::format("\"{}\": more than {} hard links", name, max_links));
            }
        }
        links[node.inode] = links_of_dir(subdirs);
    }
    const uint32_t used_inodes = static_cast<uint32_t>(by_ino.size() - 1);

    // Data of entries that were replaced or removed after it was written (a tar member written
    // again, a whiteout, an opaque directory) is in no reachable inode: its blocks stay free
    // in the bitmaps and are cleared, so the image does not carry deleted content.
    for (InodeRef r = 0; r < tree_.inode_slots(); ++r) {
        checkpoint();
        if (ino_of[r] != 0) continue;
        for (const Extent& e : tree_.inode(r).extents) out_.discard(e.physical * block_size, uint64_t(e.count) * block_size);
    }

    struct TreeRoot {
        std::array<uint8_t, 60> iblock;
        uint64_t blocks;  // index and leaf blocks (their numbers are in extra_blocks)
    };
    // Both filled in inode-number order, so sorted by it: looked up by binary search.
    std::pmr::vector<std::pair<uint32_t, TreeRoot>> trees(mem);
    std::pmr::vector<std::pair<uint32_t, uint64_t>> xattr_blocks(mem);
    auto find_ino = [](const auto& sorted, uint32_t ino) {
        auto it = std::lower_bound(sorted.begin(), sorted.end(), ino, [](const auto& e, uint32_t i) { return e.first < i; });
        return it != sorted.end() && it->first == ino ? &it->second : nullptr;
    };
    std::pmr::vector<uint64_t> extra_blocks(mem);  // tree and attribute blocks

    // Slow symlinks: the target in a data block.
    for (uint32_t ino = first_ino; ino <= used_inodes; ++ino) {
        checkpoint();
        Inode& in = tree_.inode(by_ino[ino]);
        if ((in.mode & s_ifmt) != s_iflnk) {
            if ((in.mode & s_ifmt) == s_ifreg) ++summary.files;
            else if ((in.mode & s_ifmt) != s_ifdir) ++summary.specials;
            continue;
        }
        ++summary.symlinks;
        if (in.target().size() < 60) continue;
        if (in.target().size() >= block_size) {
            throw Error(ErrorCode::invalid_argument, fmt::format("symlink target longer than 4095 bytes: \"{}...\"", in.target().substr(0, 64)));
        }
        in.extents.clear();
        auto [at, n] = alloc_.take(1);
        in.extents.push_back({0, n, at});
        std::vector<uint8_t> block(block_size, 0);
        std::memcpy(block.data(), in.target().data(), in.target().size());
        out_.write_at(block.data(), block_size, at * block_size);
    }

    // Directories.
    {
        std::pmr::vector<DirEntryOut> entries(mem);
        for (const auto& job : dirs) {
            checkpoint();
            const auto& node = tree_.node(job.node);
            Inode& in = tree_.inode(node.inode);
            entries.clear();
            entries.reserve(node.dir->entries.size() + 2);  // exact: the largest directory sets the peak
            entries.push_back({".", job.ino, FileType::directory});
            entries.push_back({"..", job.parent_ino, FileType::directory});
            for (const auto& [name, child] : node.dir->entries) {
                checkpoint();
                const InodeRef r = tree_.node(child).inode;
                entries.push_back({name, ino_of[r], file_type_of(tree_.inode(r).mode)});
            }
            const uint64_t count = pack_directory(entries, csum, nullptr, cp);
            in.extents.clear();
            uint64_t b = 0;
            while (b < count) {
                auto [at, n] = alloc_.take(count - b);
                add_run(in, static_cast<uint32_t>(b), at, n);
                b += n;
            }
            in.size = count * block_size;
            const uint32_t seed = csum ? inode_checksum_seed(fs_seed, job.ino) : 0;
            size_t ext = 0;
            uint64_t k = 0;
            pack_directory(entries, csum, [&](uint8_t* block) {
                if (csum) seal_dir_block(block, seed);
                while (k >= uint64_t(in.extents[ext].logical) + in.extents[ext].count) ++ext;
                const uint64_t phys = in.extents[ext].physical + (k - in.extents[ext].logical);
                out_.write_at(block, block_size, phys * block_size);
                ++k;
            }, cp);
            ++summary.directories;
        }
    }

    // Attribute blocks and extent-tree blocks.
    for (uint32_t ino = root_ino; ino <= used_inodes; ++ino) {
        checkpoint();
        const InodeRef r = by_ino[ino];
        if (r == no_inode) continue;
        Inode& in = tree_.inode(r);
        if (!in.xattrs().empty()) {
            EncodedXattrs enc;
            try {
                enc = encode_xattrs(in.xattrs(), fmt::format("inode {}", ino));
            } catch (const Error&) {
                // Fails again, now naming the file: the path is looked up only on failure.
                enc = encode_xattrs(in.xattrs(), "/" + tree_.path_of(r));
                throw;
            }
            if (!enc.block.empty()) {
                const uint64_t at = alloc_.take_contiguous(1);
                if (csum) seal_xattr_block(enc.block.data(), at, fs_seed);
                out_.write_at(enc.block.data(), block_size, at * block_size);
                xattr_blocks.emplace_back(ino, at);
                extra_blocks.push_back(at);
            }
        }
        if (in.extents.size() > 4) {
            auto tree = build_extent_tree(in.extents, alloc_, out_, csum, inode_checksum_seed(fs_seed, ino));
            extra_blocks.insert(extra_blocks.end(), tree.tree_blocks.begin(), tree.tree_blocks.end());
            trees.emplace_back(ino, TreeRoot{tree.iblock, tree.tree_blocks.size()});
        }
    }

    // Geometry: fixed, or grown until content + metadata + headroom fit.
    const Plan plan = choose_plan(options_, fixed_blocks_, alloc_, used_inodes);
    if (!options_.bit64 && plan.geo.blocks > UINT32_MAX) {
        throw Error(ErrorCode::too_large, "images over 16 TiB need the 64bit feature");
    }
    const Geometry& geo = plan.geo;
    MetadataPlacement meta = place_metadata(alloc_, plan, &out_, csum, fs_seed);
    if (alloc_.cursor() > geo.blocks) throw Error(ErrorCode::generic, "internal error: metadata placed past the end");

    // Journal.
    Inode journal_inode;
    if (plan.journal_blocks > 0) {
        std::vector<uint8_t> jsb(block_size);
        encode_journal_superblock(jsb.data(), plan.journal_blocks, options_.uuid);
        out_.write_at(jsb.data(), block_size, meta.journal.front().physical * block_size);
        journal_inode.mode = s_ifreg | 0600;
        journal_inode.atime = journal_inode.mtime = journal_inode.ctime = FileTime{options_.timestamp, 0};
        journal_inode.extents.assign(meta.journal.begin(), meta.journal.end());
        journal_inode.size = uint64_t(plan.journal_blocks) * block_size;
    }

    // Inode tables.
    std::vector<uint32_t> used_dirs(geo.groups, 0);
    {
        std::vector<uint8_t> table;
        for (uint32_t g = 0; g < geo.groups; ++g) {
            const uint64_t first = uint64_t(g) * geo.inodes_per_group + 1;
            const uint64_t last = std::min<uint64_t>(used_inodes, uint64_t(g + 1) * geo.inodes_per_group);
            if (last < first) break;
            // Written in slices so the buffer stays small whatever inodes_per_group is.
            constexpr uint64_t slice = 1024;  // inodes (256 KiB)
            for (uint64_t lo = first; lo <= last; lo += slice) {
            const uint64_t hi = std::min(last, lo + slice - 1);
            table.assign((hi - lo + 1) * inode_size, 0);
            for (uint64_t ino = lo; ino <= hi; ++ino) {
                checkpoint();
                uint8_t* raw = table.data() + (ino - lo) * inode_size;
                InodeRecord rec;
                rec.ino = static_cast<uint32_t>(ino);
                const InodeRef r = ino < by_ino.size() ? by_ino[ino] : no_inode;
                EncodedXattrs xa;
                if (r != no_inode) {
                    const Inode& in = tree_.inode(r);
                    rec.inode = &in;
                    rec.links = links[r];
                    const uint32_t type = in.mode & s_ifmt;
                    if (type == s_ifdir) ++used_dirs[g];
                    uint64_t data_blocks = 0;
                    for (const auto& e : in.extents) data_blocks += e.count;
                    rec.size = type == s_iflnk ? in.target().size() : in.size;
                    rec.blocks = data_blocks;
                    const bool fast_symlink = type == s_iflnk && in.target().size() < 60;
                    if (type == s_ifreg || type == s_ifdir || (type == s_iflnk && !fast_symlink)) {
                        rec.extents = true;
                        if (const TreeRoot* t = find_ino(trees, rec.ino)) {
                            rec.iblock = t->iblock;
                            rec.blocks += t->blocks;
                        } else {
                            rec.iblock = build_extent_tree(in.extents, alloc_, out_, csum, 0).iblock;
                        }
                    } else if (fast_symlink) {
                        std::memcpy(rec.iblock.data(), in.target().data(), in.target().size());
                    } else if (type == s_ifchr || type == s_ifblk) {
                        if (in.dev_major < 256 && in.dev_minor < 256) {
                            put32(rec.iblock.data(), 0, (in.dev_major << 8) | in.dev_minor);
                        } else {
                            put32(rec.iblock.data(), 4,
                                  (in.dev_minor & 0xFF) | (in.dev_major << 8) | ((in.dev_minor & ~0xFFu) << 12));
                        }
                    }
                    if (!in.xattrs().empty()) {
                        xa = encode_xattrs(in.xattrs(), fmt::format("inode {}", ino));
                        rec.xattrs = &xa;
                        if (const uint64_t* xb = find_ino(xattr_blocks, rec.ino)) {
                            rec.xattr_block = *xb;
                            rec.blocks += 1;
                        }
                    }
                } else if (ino == journal_ino && plan.journal_blocks > 0) {
                    rec.inode = &journal_inode;
                    rec.links = 1;
                    rec.size = journal_inode.size;
                    rec.blocks = plan.journal_blocks + meta.journal_tree.size();
                    rec.extents = true;
                    rec.iblock = meta.journal_iblock;
                } else {
                    continue;  // reserved and unused: all zeros
                }
                encode_inode(raw, rec, csum, fs_seed);
            }
            out_.write_at(table.data(), table.size(), meta.inode_table[g] * block_size + (lo - first) * inode_size);
            }
        }
    }

    // Block bitmaps from every block in use.
    UsedBlocks used(geo.groups, mem, cp);
    for (uint32_t ino = root_ino; ino <= used_inodes; ++ino) {
        checkpoint();
        if (by_ino[ino] == no_inode) continue;
        for (const auto& e : tree_.inode(by_ino[ino]).extents) used.mark(e.physical, e.count);
    }
    for (uint64_t b : extra_blocks) used.mark(b, 1);
    for (const auto& e : meta.journal) used.mark(e.physical, e.count);
    for (uint64_t b : meta.journal_tree) used.mark(b, 1);
    for (uint32_t g = 0; g < geo.groups; ++g) {
        used.mark(meta.block_bitmap[g], 1);
        used.mark(meta.inode_bitmap[g], 1);
        used.mark(meta.inode_table[g], geo.itable_blocks);
        if (group_has_super(g)) used.mark(uint64_t(g) * blocks_per_group, 1 + geo.gdt_blocks);
    }

    GroupMetadata gm;
    gm.geo = &geo;
    gm.options = &options_;
    gm.block_bitmap = &meta.block_bitmap;
    gm.inode_bitmap = &meta.inode_bitmap;
    gm.inode_table = &meta.inode_table;
    gm.journal_iblock = meta.journal_iblock;
    gm.journal_bytes = uint64_t(plan.journal_blocks) * block_size;
    gm.used_inodes = used_inodes;
    gm.used_dirs = &used_dirs;
    const uint64_t free_blocks = write_group_metadata(out_, gm, used);
    out_.set_size(geo.blocks * block_size);

    summary.fs_bytes = geo.blocks * block_size;
    summary.blocks = geo.blocks;
    summary.free_blocks = free_blocks;
    summary.inodes = geo.inodes();
    summary.free_inodes = geo.inodes() - used_inodes;
    summary.data_bytes = bytes_;
    summary.groups = geo.groups;
    summary.journal_blocks = plan.journal_blocks;
    return summary;
}

}  // namespace hvsup::image
