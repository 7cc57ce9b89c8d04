// SPDX-License-Identifier: MIT
#include "image/xattr_writer.hpp"

#include "core/error.hpp"
#include "image/crc32c.hpp"
#include "image/ext4_format.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace hvsup::image {
namespace {

using namespace ext4;

struct Prepared {
    uint8_t index = 0;
    std::string name;  // suffix after the prefix
    std::string value;
    uint32_t hash = 0;

    size_t entry_size() const { return (16 + name.size() + 3) & ~size_t(3); }
    size_t value_size() const { return (value.size() + 3) & ~size_t(3); }
};

struct Prefix {
    const char* text;
    uint8_t index;
};
// Longest first so "system.posix_acl_access" wins over "system.".
constexpr Prefix prefixes[] = {
    {"system.posix_acl_access", 2}, {"system.posix_acl_default", 3}, {"system.richacl", 8},
    {"user.", 1}, {"trusted.", 4}, {"security.", 6}, {"system.", 7},
};

// VFS ACL (version 2, 8-byte entries) -> ext4 ACL (version 1, 4-byte entries for the
// owner/group-owner/mask/other tags, 8 bytes for named users and groups).
std::string acl_to_disk(std::string_view v, std::string_view path)
{
    if (v.size() < 4 || (v.size() - 4) % 8 != 0 || get32(reinterpret_cast<const uint8_t*>(v.data()), 0) != 2) {
        throw Error(ErrorCode::invalid_argument, fmt::format("\"{}\": malformed POSIX ACL attribute", path));
    }
    std::string out(4, '\0');
    put32(reinterpret_cast<uint8_t*>(out.data()), 0, 1);
    for (size_t off = 4; off < v.size(); off += 8) {
        auto p = reinterpret_cast<const uint8_t*>(v.data()) + off;
        const uint16_t tag = get16(p, 0);
        const bool named = tag == 0x02 || tag == 0x08;
        uint8_t e[8];
        put16(e, 0, tag);
        put16(e, 2, get16(p, 2));
        put32(e, 4, get32(p, 4));
        out.append(reinterpret_cast<const char*>(e), named ? 8 : 4);
    }
    return out;
}

uint32_t entry_hash(const Prepared& p)
{
    uint32_t hash = 0;
    for (char c : p.name) hash = (hash << 5) ^ (hash >> 27) ^ static_cast<uint32_t>(static_cast<int32_t>(static_cast<signed char>(c)));
    std::string padded = p.value;
    padded.resize(p.value_size(), '\0');
    for (size_t i = 0; i < padded.size(); i += 4) {
        hash = (hash << 16) ^ (hash >> 16) ^ get32(reinterpret_cast<const uint8_t*>(padded.data()), i);
    }
    return hash;
}

// Writes entries starting at `entries` and values downward from `end`; value offsets are
// relative to `base`. Returns false when they do not fit.
bool place(const std::vector<const Prepared*>& list, uint8_t* base, uint8_t* entries, uint8_t* end)
{
    size_t need = 4;
    for (auto* p : list) need += p->entry_size() + p->value_size();
    if (entries + need > end) return false;
    uint8_t* e = entries;
    uint8_t* v = end;
    for (auto* p : list) {
        v -= p->value_size();
        std::memcpy(v, p->value.data(), p->value.size());
        e[0] = static_cast<uint8_t>(p->name.size());
        e[1] = p->index;
        put16(e, 2, p->value.empty() ? 0 : static_cast<uint32_t>(v - base));
        put32(e, 4, 0);
        put32(e, 8, static_cast<uint32_t>(p->value.size()));
        put32(e, 12, p->hash);
        std::memcpy(e + 16, p->name.data(), p->name.size());
        e += p->entry_size();
    }
    return true;
}

}  // namespace

EncodedXattrs encode_xattrs(std::span<const Xattr> xattrs, std::string_view path)
{
    EncodedXattrs out;
    if (xattrs.empty()) return out;
    std::vector<Prepared> prepared;
    prepared.reserve(xattrs.size());
    for (const auto& x : xattrs) {
        Prepared p;
        p.name = x.name;
        for (const auto& pre : prefixes) {
            const size_t n = std::strlen(pre.text);
            const bool exact_only = pre.index == 2 || pre.index == 3 || pre.index == 8;
            if (exact_only ? x.name == pre.text : x.name.compare(0, n, pre.text) == 0) {
                p.index = pre.index;
                p.name = x.name.substr(n);
                break;
            }
        }
        if (p.name.size() > 255) {
            throw Error(ErrorCode::invalid_argument, fmt::format("\"{}\": attribute name \"{}\" is too long", path, x.name));
        }
        p.value = (p.index == 2 || p.index == 3) ? acl_to_disk(x.value, path) : std::string(x.value);
        p.hash = entry_hash(p);
        prepared.push_back(std::move(p));
    }
    std::sort(prepared.begin(), prepared.end(), [](const Prepared& a, const Prepared& b) {
        if (a.index != b.index) return a.index < b.index;
        if (a.name.size() != b.name.size()) return a.name.size() < b.name.size();
        return a.name < b.name;
    });

    std::vector<const Prepared*> in_inode, in_block;
    size_t used = 4 + 4;  // magic + terminator
    for (const auto& p : prepared) {
        const size_t cost = p.entry_size() + p.value_size();
        if (in_block.empty() && used + cost <= ibody_xattr_size) {
            in_inode.push_back(&p);
            used += cost;
        } else {
            in_block.push_back(&p);
        }
    }
    if (!in_inode.empty()) {
        out.has_ibody = true;
        put32(out.ibody.data(), 0, xattr_magic);
        uint8_t* first = out.ibody.data() + 4;
        place(in_inode, first, first, out.ibody.data() + out.ibody.size());
    }
    if (!in_block.empty()) {
        out.block.assign(block_size, 0);
        uint8_t* b = out.block.data();
        if (!place(in_block, b, b + 32, b + block_size)) {
            throw Error(ErrorCode::too_large,
                        fmt::format("\"{}\": extended attributes do not fit in the inode and one 4 KiB block", path));
        }
        put32(b, 0, xattr_magic);
        put32(b, 4, 1);  // h_refcount
        put32(b, 8, 1);  // h_blocks
        uint32_t hash = 0;
        for (auto* p : in_block) {
            if (p->hash == 0) { hash = 0; break; }
            hash = (hash << 16) ^ (hash >> 16) ^ p->hash;
        }
        put32(b, 12, hash);
    }
    return out;
}

void seal_xattr_block(uint8_t* block, uint64_t block_nr, uint32_t fs_seed)
{
    uint8_t le[8];
    put64(le, 0, block_nr);
    put32(block, 16, 0);
    uint32_t c = crc32c(fs_seed, le, 8);
    c = crc32c(c, block, block_size);
    put32(block, 16, c);
}

}  // namespace hvsup::image
