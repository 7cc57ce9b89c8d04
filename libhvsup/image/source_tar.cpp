// Tar input: ustar, pax (path, linkpath, size, uid, gid, times with nanoseconds,
// SCHILY.xattr.*), GNU long names and long link names, hard links, devices and fifos.
#include "image/sources.hpp"

#include "core/error.hpp"
#include "image/ext4_format.hpp"

#include <cctype>
#include <cstring>
#include <map>
#include <optional>

#include <fmt/format.h>

namespace hvsup::image {
namespace {

using namespace ext4;

constexpr uint64_t max_meta_bytes = 1u << 20;          // pax / GNU long-name records
constexpr uint64_t max_entry_bytes = 1ull << 44;       // 16 TiB: the ext4 file-size limit

class TarReader {
public:
    TarReader(ByteStream& in, std::string name) : in_(in), name_(std::move(name)) {}

    // Fills `block` with the next 512 bytes; false on a clean end of input before any byte.
    bool read_block(uint8_t* block)
    {
        size_t got = 0;
        while (got < 512) {
            size_t n = in_.read(block + got, 512 - got);
            if (n == 0) {
                if (got == 0) return false;
                throw truncated();
            }
            got += n;
        }
        return true;
    }
    void read_exact(uint8_t* buf, size_t n)
    {
        size_t got = 0;
        while (got < n) {
            size_t k = in_.read(buf + got, n - got);
            if (k == 0) throw truncated();
            got += k;
        }
    }
    void skip(uint64_t n)
    {
        uint8_t buf[8192];
        while (n > 0) {
            size_t k = static_cast<size_t>(std::min<uint64_t>(n, sizeof buf));
            read_exact(buf, k);
            n -= k;
        }
    }
    std::string read_record(uint64_t size, const char* what)
    {
        if (size > max_meta_bytes) {
            throw Error(ErrorCode::invalid_argument, fmt::format("{}: {} record of {} bytes is too large", name_, what, size));
        }
        std::string s(static_cast<size_t>(size), '\0');
        read_exact(reinterpret_cast<uint8_t*>(s.data()), s.size());
        skip(padding(size));
        return s;
    }
    static uint64_t padding(uint64_t size) { return (512 - size % 512) % 512; }
    Error truncated() const
    {
        return Error(ErrorCode::integrity, fmt::format("{}: truncated archive (the input ends at byte {})", name_, in_.position()));
    }
    ByteStream& stream() { return in_; }
    const std::string& name() const { return name_; }

private:
    ByteStream& in_;
    std::string name_;
};

std::string field(const uint8_t* h, size_t off, size_t len)
{
    size_t n = 0;
    while (n < len && h[off + n] != 0) ++n;
    return std::string(reinterpret_cast<const char*>(h + off), n);
}

std::optional<uint64_t> number(const uint8_t* h, size_t off, size_t len)
{
    if (h[off] & 0x80) {  // GNU base-256
        if (h[off] & 0x40) return std::nullopt;  // negative
        uint64_t v = h[off] & 0x3F;
        for (size_t i = 1; i < len; ++i) {
            if (v >> 56) return std::nullopt;
            v = (v << 8) | h[off + i];
        }
        return v;
    }
    uint64_t v = 0;
    size_t i = 0;
    while (i < len && (h[off + i] == ' ' || h[off + i] == 0)) {
        if (h[off + i] == 0) return 0;
        ++i;
    }
    for (; i < len && h[off + i] >= '0' && h[off + i] <= '7'; ++i) {
        if (v >> 60) return std::nullopt;
        v = v * 8 + (h[off + i] - '0');
    }
    for (; i < len; ++i) {
        if (h[off + i] != ' ' && h[off + i] != 0) return std::nullopt;
    }
    return v;
}

bool parse_time(std::string_view text, FileTime& out)
{
    bool neg = !text.empty() && text[0] == '-';
    if (neg) text.remove_prefix(1);
    int64_t sec = 0;
    size_t i = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
        if (sec > (INT64_MAX / 10) - 10) return false;
        sec = sec * 10 + (text[i] - '0');
    }
    if (i == 0) return false;
    uint32_t nsec = 0;
    if (i < text.size()) {
        if (text[i] != '.') return false;
        uint32_t scale = 100000000;
        for (++i; i < text.size(); ++i) {
            if (text[i] < '0' || text[i] > '9') return false;
            nsec += static_cast<uint32_t>(text[i] - '0') * scale;
            scale /= 10;
        }
    }
    if (neg) {
        sec = -sec;
        if (nsec != 0) {
            sec -= 1;
            nsec = 1000000000 - nsec;
        }
    }
    out = FileTime{sec, nsec};
    return true;
}

using PaxRecords = std::map<std::string, std::string>;

void parse_pax(const std::string& data, PaxRecords& out, const std::string& name)
{
    size_t pos = 0;
    while (pos < data.size()) {
        size_t sp = data.find(' ', pos);
        if (sp == std::string::npos) break;
        uint64_t len = 0;
        for (size_t i = pos; i < sp; ++i) {
            if (data[i] < '0' || data[i] > '9') throw Error(ErrorCode::integrity, name + ": malformed pax record");
            len = len * 10 + static_cast<uint64_t>(data[i] - '0');
            if (len > data.size()) break;
        }
        if (len == 0 || pos + len > data.size() || data[pos + len - 1] != '\n') {
            throw Error(ErrorCode::integrity, name + ": malformed pax record");
        }
        std::string rec = data.substr(sp + 1, pos + len - 1 - (sp + 1));
        size_t eq = rec.find('=');
        if (eq == std::string::npos) throw Error(ErrorCode::integrity, name + ": malformed pax record");
        out[rec.substr(0, eq)] = rec.substr(eq + 1);
        pos += len;
    }
}

std::pair<std::string, std::string> split_dir(const std::string& path)
{
    std::string p = path;
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    size_t slash = p.rfind('/');
    if (slash == std::string::npos) return {"", p};
    return {p.substr(0, slash), p.substr(slash + 1)};
}

}  // namespace

void add_tar(Ext4Writer& writer, ByteStream& in, const std::string& name, uint16_t layer, Whiteouts whiteouts)
{
    TarReader tar(in, name);
    FsTree& tree = writer.tree();
    PaxRecords global, local;
    std::optional<std::string> long_name, long_link;
    uint8_t h[512];
    while (true) {
        const uint64_t header_at = in.position();
        if (!tar.read_block(h)) break;  // end without the two zero blocks: accepted
        // Header checksum: the sum of all bytes with the checksum field read as spaces, as
        // unsigned or (old tars) signed bytes. Branch-free loops the compiler vectorises.
        uint32_t any = 0, usum = 0, high = 0;
        for (size_t i = 0; i < 512; ++i) {
            any |= h[i];
            usum += h[i];
            high += h[i] >> 7;
        }
        if (any == 0) break;
        for (size_t i = 148; i < 156; ++i) {
            usum -= h[i];
            high -= h[i] >> 7;
        }
        usum += 8 * ' ';
        const int64_t ssum = static_cast<int64_t>(usum) - 256 * static_cast<int64_t>(high);
        auto stored = number(h, 148, 8);
        if (!stored || (*stored != usum && static_cast<int64_t>(*stored) != ssum)) {
            throw Error(ErrorCode::integrity, fmt::format("{}: bad header checksum at byte {}", name, header_at));
        }
        const char type = static_cast<char>(h[156]);
        auto size_field = number(h, 124, 12);
        if (!size_field) throw Error(ErrorCode::integrity, fmt::format("{}: bad size field at byte {}", name, header_at));
        uint64_t size = *size_field;

        if (type == 'x' || type == 'g') {
            parse_pax(tar.read_record(size, "pax"), type == 'x' ? local : global, name);
            continue;
        }
        if (type == 'L' || type == 'K') {
            std::string s = tar.read_record(size, "GNU long name");
            while (!s.empty() && s.back() == '\0') s.pop_back();
            (type == 'L' ? long_name : long_link) = s;
            continue;
        }

        PaxRecords pax = global;
        for (auto& [k, v] : local) pax[k] = v;
        local.clear();

        std::string path = field(h, 0, 100);
        const bool ustar = std::memcmp(h + 257, "ustar\0", 6) == 0;
        if (ustar) {
            std::string prefix = field(h, 345, 155);
            if (!prefix.empty()) path = prefix + "/" + path;
        }
        if (long_name) path = *long_name;
        if (auto it = pax.find("path"); it != pax.end()) path = it->second;
        std::string link = field(h, 157, 100);
        if (long_link) link = *long_link;
        if (auto it = pax.find("linkpath"); it != pax.end()) link = it->second;
        long_name.reset();
        long_link.reset();

        if (auto it = pax.find("size"); it != pax.end()) {
            FileTime t;
            if (!parse_time(it->second, t) || t.nsec != 0 || t.sec < 0) {
                throw Error(ErrorCode::integrity, fmt::format("{}: bad pax size for \"{}\"", name, path));
            }
            size = static_cast<uint64_t>(t.sec);
        }
        if (size > max_entry_bytes) {
            throw Error(ErrorCode::too_large, fmt::format("{}: \"{}\" claims an absurd size of {} bytes", name, path, size));
        }
        for (const auto& [k, v] : pax) {
            if (k.rfind("GNU.sparse.", 0) == 0) {
                throw Error(ErrorCode::unsupported, fmt::format("{}: \"{}\": GNU sparse tar entries are not supported", name, path));
            }
        }

        Inode attrs;
        auto num = [&](size_t off, size_t len, const char* what) {
            auto v = number(h, off, len);
            if (!v) throw Error(ErrorCode::integrity, fmt::format("{}: bad {} field for \"{}\"", name, what, path));
            return *v;
        };
        attrs.mode = static_cast<uint32_t>(num(100, 8, "mode") & 07777);
        attrs.uid = static_cast<uint32_t>(num(108, 8, "uid"));
        attrs.gid = static_cast<uint32_t>(num(116, 8, "gid"));
        attrs.mtime = FileTime{static_cast<int64_t>(num(136, 12, "mtime")), 0};
        auto pax_int = [&](const char* key, uint32_t& out) {
            if (auto it = pax.find(key); it != pax.end()) {
                FileTime t;
                if (!parse_time(it->second, t) || t.sec < 0 || t.sec > UINT32_MAX) {
                    throw Error(ErrorCode::integrity, fmt::format("{}: bad pax {} for \"{}\"", name, key, path));
                }
                out = static_cast<uint32_t>(t.sec);
            }
        };
        pax_int("uid", attrs.uid);
        pax_int("gid", attrs.gid);
        auto pax_time = [&](const char* key, FileTime& out) {
            if (auto it = pax.find(key); it != pax.end()) {
                if (!parse_time(it->second, out)) throw Error(ErrorCode::integrity, fmt::format("{}: bad pax {} for \"{}\"", name, key, path));
                return true;
            }
            return false;
        };
        pax_time("mtime", attrs.mtime);
        if (!pax_time("atime", attrs.atime)) attrs.atime = attrs.mtime;
        if (!pax_time("ctime", attrs.ctime)) attrs.ctime = attrs.mtime;
        for (const auto& [k, v] : pax) {
            if (k.rfind("SCHILY.xattr.", 0) == 0) attrs.mutable_xattrs().push_back({k.substr(13), v});
        }

        uint32_t kind = 0;
        switch (type) {
        case '0': case '\0': case '7': kind = s_ifreg; break;
        case '1': kind = 0; break;
        case '2': kind = s_iflnk; break;
        case '3': kind = s_ifchr; break;
        case '4': kind = s_ifblk; break;
        case '5': kind = s_ifdir; break;
        case '6': kind = s_ififo; break;
        default:
            throw Error(ErrorCode::unsupported, fmt::format("{}: \"{}\": unsupported tar entry type '{}'", name, path,
                                                            std::isprint(static_cast<unsigned char>(type)) ? type : '?'));
        }
        if (type == '0' && !path.empty() && path.back() == '/') kind = s_ifdir;  // old tars
        attrs.mode |= kind;
        writer.note_entry();

        // OCI whiteouts.
        if (whiteouts != Whiteouts::keep_names) {
            auto [dir, base] = split_dir(path);
            if (base.rfind(".wh.", 0) == 0) {
                tree.split(path);  // confinement check
                if (base == ".wh..wh..opq") {
                    if (whiteouts == Whiteouts::apply) {
                        tree.make_opaque(dir, layer);
                    } else {
                        InodeRef d = tree.find(dir);
                        if (d == no_inode) {
                            Inode implicit = implicit_directory(writer.options().timestamp);
                            d = tree.add(dir, implicit, layer);
                        }
                        auto& xs = tree.inode(d).mutable_xattrs();
                        std::erase_if(xs, [](const Xattr& x) { return x.name == "trusted.overlay.opaque"; });
                        xs.push_back({"trusted.overlay.opaque", "y"});
                    }
                } else {
                    const std::string target = dir.empty() ? base.substr(4) : dir + "/" + base.substr(4);
                    if (whiteouts == Whiteouts::apply) {
                        tree.remove(target);
                    } else {
                        Inode wh = attrs;
                        wh.mode = s_ifchr;
                        if (!wh.xattrs().empty()) wh.mutable_xattrs().clear();
                        tree.add(target, wh, layer);
                    }
                }
                tar.skip(size + TarReader::padding(size));
                continue;
            }
        }

        if (type == '1') {
            tree.add_hard_link(path, link, layer);
            tar.skip(size + TarReader::padding(size));
            continue;
        }
        if (kind == s_iflnk) {
            if (link.empty()) throw Error(ErrorCode::integrity, fmt::format("{}: symlink \"{}\" has no target", name, path));
            attrs.set_target(link);
        }
        if (kind == s_ifchr || kind == s_ifblk) {
            attrs.dev_major = static_cast<uint32_t>(num(329, 8, "devmajor"));
            attrs.dev_minor = static_cast<uint32_t>(num(337, 8, "devminor"));
        }
        if (kind == s_ifreg) attrs.size = size;
        const InodeRef ref = tree.add(path, std::move(attrs), layer);
        if (kind == s_ifreg) {
            writer.write_data(ref, 0, size, tar.stream(), path);
            tar.skip(TarReader::padding(size));
        } else {
            tar.skip(size + TarReader::padding(size));
        }
    }
}

}  // namespace hvsup::image
