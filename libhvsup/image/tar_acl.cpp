// SPDX-License-Identifier: MIT
#include "image/tar_acl.hpp"

#include "core/error.hpp"
#include "core/text.hpp"
#include "image/ext4_format.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include <fmt/format.h>

namespace hvsup::image {
namespace {

// Tags of the VFS format (linux/posix_acl.h).
constexpr uint16_t tag_user_obj = 0x01, tag_user = 0x02, tag_group_obj = 0x04, tag_group = 0x08, tag_mask = 0x10,
                   tag_other = 0x20;
constexpr uint32_t undefined_id = 0xFFFFFFFF;

struct Entry {
    uint16_t tag;
    uint16_t perm;
    uint32_t id;
};

std::vector<std::string_view> split_on(std::string_view text, auto is_sep)
{
    std::vector<std::string_view> out;
    size_t start = 0;
    for (size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || is_sep(text[i])) {
            out.push_back(text.substr(start, i - start));
            start = i + 1;
        }
    }
    return out;
}

std::optional<uint32_t> numeric_id(std::string_view s)
{
    if (s.empty() || s.size() > 10) return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (v >= undefined_id) return std::nullopt;  // 2^32 - 1 is "no id"
    return static_cast<uint32_t>(v);
}

}  // namespace

std::string acl_text_to_xattr(std::string_view text, std::string_view what)
{
    auto bad = [&](std::string_view entry, std::string_view why) {
        return Error(ErrorCode::invalid_argument, fmt::format("{}: ACL entry \"{}\": {}", what, entry, why));
    };
    std::vector<Entry> entries;
    for (std::string_view raw : split_on(text, [](char c) { return c == ',' || c == '\n'; })) {
        std::string_view e = raw;
        if (size_t hash = e.find('#'); hash != std::string_view::npos) e = e.substr(0, hash);  // "#effective:" comments
        e = trim(e, " \t");
        if (e.empty()) continue;
        auto fields = split_on(e, [](char c) { return c == ':'; });
        if (fields.size() < 3 || fields.size() > 4) throw bad(e, "expected TAG:QUALIFIER:PERMS");
        const std::string_view tag = fields[0], qualifier = fields[1], perms = fields[2];
        uint16_t perm = 0;
        if (perms.empty() || perms.size() > 3) throw bad(e, "bad permissions");
        for (char c : perms) {
            if (c == 'r') perm |= 4;
            else if (c == 'w') perm |= 2;
            else if (c == 'x') perm |= 1;
            else if (c != '-') throw bad(e, "bad permissions");
        }
        Entry out{0, perm, undefined_id};
        const bool named = !qualifier.empty();
        if (tag == "user" || tag == "u") {
            out.tag = named ? tag_user : tag_user_obj;
        } else if (tag == "group" || tag == "g") {
            out.tag = named ? tag_group : tag_group_obj;
        } else if ((tag == "mask" || tag == "m") && !named) {
            out.tag = tag_mask;
        } else if ((tag == "other" || tag == "o") && !named) {
            out.tag = tag_other;
        } else {
            throw bad(e, "unknown tag");
        }
        if (named) {
            // bsdtar appends the numeric id; GNU tar writes the name alone.
            auto id = fields.size() == 4 ? numeric_id(fields[3]) : numeric_id(qualifier);
            if (!id) {
                // Never looked up: the build host's /etc/passwd describes another system, and
                // a guess would hand the file to whoever has that name there.
                throw bad(e, "names a user or group without a numeric id; only numeric ids can be stored "
                             "(names are looked up neither on the build host nor in the image; bsdtar records the id)");
            }
            out.id = *id;
        } else if (fields.size() == 4) {
            throw bad(e, "an id on an entry without a qualifier");
        }
        entries.push_back(out);
    }
    // The order the kernel requires (posix_acl_valid): by tag, named entries by id.
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        return a.tag != b.tag ? a.tag < b.tag : a.id < b.id;
    });
    int user_obj = 0, group_obj = 0, other = 0, mask = 0, named = 0;
    for (size_t i = 0; i < entries.size(); ++i) {
        const Entry& e = entries[i];
        if (i > 0 && entries[i - 1].tag == e.tag && entries[i - 1].id == e.id) {
            throw Error(ErrorCode::invalid_argument, fmt::format("{}: ACL has a duplicate entry", what));
        }
        user_obj += e.tag == tag_user_obj;
        group_obj += e.tag == tag_group_obj;
        other += e.tag == tag_other;
        mask += e.tag == tag_mask;
        named += e.tag == tag_user || e.tag == tag_group;
    }
    if (user_obj != 1 || group_obj != 1 || other != 1) {
        throw Error(ErrorCode::invalid_argument,
                    fmt::format("{}: ACL needs exactly one user::, group:: and other:: entry", what));
    }
    if (named > 0 && mask == 0) {
        throw Error(ErrorCode::invalid_argument, fmt::format("{}: ACL with named entries needs a mask:: entry", what));
    }
    std::string value(4 + 8 * entries.size(), '\0');
    auto* p = reinterpret_cast<uint8_t*>(value.data());
    ext4::put32(p, 0, 2);
    for (size_t i = 0; i < entries.size(); ++i) {
        ext4::put16(p, 4 + 8 * i, entries[i].tag);
        ext4::put16(p, 6 + 8 * i, entries[i].perm);
        ext4::put32(p, 8 + 8 * i, entries[i].id);
    }
    return value;
}

}  // namespace hvsup::image
