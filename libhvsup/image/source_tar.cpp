// SPDX-License-Identifier: MIT
// Tar input: ustar, pax (path, linkpath, size, uid, gid, times with nanoseconds,
// SCHILY.xattr.*, SCHILY.acl.*), GNU long names and long link names, hard links, devices and
// fifos, GNU sparse members (pax 0.0, 0.1, 1.0 and the old 'S' type).
#include "image/sources.hpp"

#include "core/error.hpp"
#include "image/ext4_format.hpp"
#include "image/tar_acl.hpp"

#include <cctype>
#include <cstring>
#include <map>
#include <optional>
#include <vector>

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

// A numeric header field: octal text, or GNU base-256 (first byte's top bit set; the rest is a
// two's complement number, so 0xFF... is negative: GNU tar writes pre-1970 times that way).
std::optional<int64_t> signed_number(const uint8_t* h, size_t off, size_t len)
{
    if (h[off] & 0x80) {
        const bool negative = (h[off] & 0x40) != 0;
        // Accumulate the magnitude of the (complemented, for negatives) value.
        const uint8_t flip = negative ? 0xFF : 0x00;
        uint64_t v = (h[off] ^ flip) & 0x3F;
        for (size_t i = 1; i < len; ++i) {
            if (v >> 55) return std::nullopt;
            v = (v << 8) | static_cast<uint8_t>(h[off + i] ^ flip);
        }
        if (v > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
        return negative ? -static_cast<int64_t>(v) - 1 : static_cast<int64_t>(v);
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
    return static_cast<int64_t>(v);
}

// Sizes, ids, device numbers and the checksum: never negative.
std::optional<uint64_t> number(const uint8_t* h, size_t off, size_t len)
{
    auto v = signed_number(h, off, len);
    if (!v || *v < 0) return std::nullopt;
    return static_cast<uint64_t>(*v);
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

// ext4 with 256-byte inodes stores 32 signed bits of seconds plus two epoch bits:
// 1901-12-13T20:45:52Z .. 2446-05-10T22:38:55Z.
constexpr int64_t ext4_min_time = INT32_MIN;
constexpr int64_t ext4_max_time = INT32_MAX + 3 * (int64_t(1) << 32);

// Device numbers in ext4's new encoding (i_block[1]): 12 bits of major, 20 of minor.
constexpr uint64_t ext4_max_major = (1u << 12) - 1;
constexpr uint64_t ext4_max_minor = (1u << 20) - 1;

struct PaxRecords {
    std::map<std::string, std::string> values;
    // GNU sparse 0.0 repeats GNU.sparse.offset / GNU.sparse.numbytes: kept in order.
    std::vector<std::pair<std::string, std::string>> sparse_00;

    const std::string* find(const std::string& key) const
    {
        auto it = values.find(key);
        return it == values.end() ? nullptr : &it->second;
    }
};

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
        if (len == 0 || pos + len > data.size() || sp + 1 > pos + len - 1 || data[pos + len - 1] != '\n') {
            throw Error(ErrorCode::integrity, name + ": malformed pax record");
        }
        std::string rec = data.substr(sp + 1, pos + len - 1 - (sp + 1));
        size_t eq = rec.find('=');
        if (eq == std::string::npos) throw Error(ErrorCode::integrity, name + ": malformed pax record");
        std::string key = rec.substr(0, eq);
        if (key == "GNU.sparse.offset" || key == "GNU.sparse.numbytes") out.sparse_00.emplace_back(key, rec.substr(eq + 1));
        out.values[std::move(key)] = rec.substr(eq + 1);
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

// A sparse member: the file's size and its data segments (offset, length), in order.
struct SparseMap {
    uint64_t real_size = 0;
    std::vector<std::pair<uint64_t, uint64_t>> segments;
};

class EntryError {
public:
    EntryError(const std::string& archive, const std::string& path) : archive_(archive), path_(path) {}
    Error operator()(ErrorCode code, std::string_view why) const
    {
        // A NUL would end the message where a C caller reads it: shown as "\0".
        std::string shown;
        for (char c : path_) {
            if (c == '\0') shown += "\\0";
            else shown += c;
        }
        return Error(code, fmt::format("{}: \"{}\": {}", archive_, shown, why));
    }

private:
    const std::string& archive_;
    const std::string& path_;
};

uint64_t decimal(std::string_view text, const EntryError& bad, std::string_view what)
{
    FileTime t;
    if (!parse_time(text, t) || t.nsec != 0 || t.sec < 0 || text.find('.') != std::string_view::npos) {
        throw bad(ErrorCode::integrity, fmt::format("bad {} \"{}\"", what, text));
    }
    return static_cast<uint64_t>(t.sec);
}

// GNU sparse 1.0: the map leads the member's data as decimal lines (count, then offset and
// length pairs), padded to a 512-byte block. Returns the bytes it took.
uint64_t read_sparse_map_10(TarReader& tar, uint64_t stored, SparseMap& map, const EntryError& bad)
{
    std::string text;
    uint64_t consumed = 0;
    size_t pos = 0;
    auto next_line = [&]() -> std::string {
        while (true) {
            size_t nl = text.find('\n', pos);
            if (nl != std::string::npos) {
                std::string line = text.substr(pos, nl - pos);
                pos = nl + 1;
                return line;
            }
            if (consumed + 512 > stored || consumed + 512 > max_meta_bytes) {
                throw bad(ErrorCode::integrity, "the sparse map runs past the member's data");
            }
            uint8_t block[512];
            tar.read_exact(block, 512);
            consumed += 512;
            text.append(reinterpret_cast<const char*>(block), 512);
        }
    };
    const uint64_t count = decimal(next_line(), bad, "sparse map count");
    if (count > max_meta_bytes / 4) throw bad(ErrorCode::integrity, "the sparse map is too large");
    for (uint64_t i = 0; i < count; ++i) {
        const uint64_t off = decimal(next_line(), bad, "sparse map offset");
        const uint64_t len = decimal(next_line(), bad, "sparse map length");
        map.segments.emplace_back(off, len);
    }
    return consumed;
}

// The old GNU 'S' member: four (offset, length) pairs in the header, more in extension blocks.
void read_sparse_map_old(TarReader& tar, const uint8_t* h, SparseMap& map, const EntryError& bad)
{
    auto entries = [&](const uint8_t* block, size_t first, size_t n) {
        for (size_t i = 0; i < n; ++i) {
            const size_t at = first + 24 * i;
            if (block[at] == 0) return;  // unused slots are empty
            auto off = number(block, at, 12), len = number(block, at + 12, 12);
            if (!off || !len) throw bad(ErrorCode::integrity, "bad sparse map entry");
            map.segments.emplace_back(*off, *len);
        }
    };
    entries(h, 386, 4);
    auto real = number(h, 483, 12);
    if (!real) throw bad(ErrorCode::integrity, "bad sparse real size");
    map.real_size = *real;
    bool extended = h[482] != 0;
    uint8_t ext[512];
    for (size_t blocks = 0; extended; ++blocks) {
        if (blocks * 512 > max_meta_bytes) throw bad(ErrorCode::integrity, "the sparse map is too large");
        tar.read_exact(ext, 512);
        entries(ext, 0, 21);
        extended = ext[504] != 0;
    }
}

// Segments in increasing order, inside the file, adding up to the stored data.
void check_sparse_map(const SparseMap& map, uint64_t data_bytes, const EntryError& bad)
{
    if (map.real_size > max_entry_bytes) throw bad(ErrorCode::too_large, fmt::format("absurd sparse size of {} bytes", map.real_size));
    uint64_t end = 0, total = 0;
    for (auto [off, len] : map.segments) {
        if (off < end || len > map.real_size || off > map.real_size - len) {
            throw bad(ErrorCode::integrity, "the sparse map's segments overlap, are out of order or lie past the end");
        }
        end = off + len;
        total += len;
    }
    if (total != data_bytes) {
        throw bad(ErrorCode::integrity,
                  fmt::format("the sparse map describes {} bytes of data, the member holds {}", total, data_bytes));
    }
}

void refuse_nul(std::string_view text, const EntryError& bad, std::string_view what)
{
    if (text.find('\0') != std::string_view::npos) throw bad(ErrorCode::invalid_argument, fmt::format("the {} contains NUL", what));
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
        // zstd is detected in files only: name it rather than a checksum or truncation.
        auto zstd_error = [&] {
            return Error(ErrorCode::unsupported,
                         fmt::format("{}: the input is zstd-compressed, which is only detected in files; "
                                     "decompress it first (zstd -dc FILE | vhdbuild --from-tar - …)", name));
        };
        std::memset(h, 0, 4);
        try {
            if (!tar.read_block(h)) break;  // end without the two zero blocks: accepted
        } catch (const Error&) {
            if (header_at == 0 && std::memcmp(h, zstd_magic, 4) == 0) throw zstd_error();
            throw;
        }
        // Header checksum: the sum of all bytes with the checksum field read as spaces, as
        // unsigned or (old tars) signed bytes. Branch-free loops the compiler vectorises.
        uint32_t any = 0, usum = 0, high = 0;
        for (size_t i = 0; i < 512; ++i) {
            any |= h[i];
            usum += h[i];
            high += h[i] >> 7;
        }
        if (any == 0) {
            read_trailing_padding(in, name);  // to the compressed stream's checksum
            break;
        }
        for (size_t i = 148; i < 156; ++i) {
            usum -= h[i];
            high -= h[i] >> 7;
        }
        usum += 8 * ' ';
        const int64_t ssum = static_cast<int64_t>(usum) - 256 * static_cast<int64_t>(high);
        auto stored = number(h, 148, 8);
        if (!stored || (*stored != usum && static_cast<int64_t>(*stored) != ssum)) {
            if (header_at == 0 && std::memcmp(h, zstd_magic, 4) == 0) throw zstd_error();
            throw Error(ErrorCode::integrity, fmt::format("{}: bad header checksum at byte {}", name, header_at));
        }
        const char type = static_cast<char>(h[156]);
        auto size_field = number(h, 124, 12);

        if (type == 'x' || type == 'g') {
            if (!size_field) throw Error(ErrorCode::integrity, fmt::format("{}: bad size field at byte {}", name, header_at));
            parse_pax(tar.read_record(*size_field, "pax"), type == 'x' ? local : global, name);
            continue;
        }
        if (type == 'L' || type == 'K') {
            if (!size_field) throw Error(ErrorCode::integrity, fmt::format("{}: bad size field at byte {}", name, header_at));
            std::string s = tar.read_record(*size_field, "GNU long name");
            while (!s.empty() && s.back() == '\0') s.pop_back();
            (type == 'L' ? long_name : long_link) = s;
            continue;
        }

        PaxRecords pax = global;
        for (auto& [k, v] : local.values) pax.values[k] = v;
        pax.sparse_00 = std::move(local.sparse_00);
        local = PaxRecords{};

        std::string path = field(h, 0, 100);
        const bool ustar = std::memcmp(h + 257, "ustar\0", 6) == 0;
        if (ustar) {
            std::string prefix = field(h, 345, 155);
            if (!prefix.empty()) path = prefix + "/" + path;
        }
        if (long_name) path = *long_name;
        if (auto v = pax.find("path")) path = *v;
        if (auto v = pax.find("GNU.sparse.name")) path = *v;  // sparse 0.1 / 1.0: the real name
        std::string link = field(h, 157, 100);
        if (long_link) link = *long_link;
        if (auto v = pax.find("linkpath")) link = *v;
        long_name.reset();
        long_link.reset();
        const EntryError bad(name, path);
        refuse_nul(path, bad, "name");
        refuse_nul(link, bad, "link target");

        // Pax records override the header's fields, so a header field pax replaces may hold
        // anything (bsdtar leaves out-of-range values there).
        uint64_t size = 0;
        if (auto v = pax.find("size")) {
            FileTime t;
            if (!parse_time(*v, t) || t.nsec != 0 || t.sec < 0) throw bad(ErrorCode::integrity, "bad pax size");
            size = static_cast<uint64_t>(t.sec);
        } else if (!size_field) {
            throw Error(ErrorCode::integrity, fmt::format("{}: bad size field at byte {}", name, header_at));
        } else {
            size = *size_field;
        }
        if (size > max_entry_bytes) {
            throw Error(ErrorCode::too_large, fmt::format("{}: \"{}\" claims an absurd size of {} bytes", name, path, size));
        }

        Inode attrs;
        auto num = [&](size_t off, size_t len, const char* what) {
            auto v = number(h, off, len);
            if (!v) throw Error(ErrorCode::integrity, fmt::format("{}: bad {} field for \"{}\"", name, what, path));
            return *v;
        };
        attrs.mode = static_cast<uint32_t>(num(100, 8, "mode") & 07777);
        auto id = [&](size_t off, const char* key) -> uint32_t {
            uint64_t v = 0;
            if (auto text = pax.find(key)) {
                FileTime t;
                if (!parse_time(*text, t) || t.sec < 0 || t.nsec != 0) throw bad(ErrorCode::integrity, fmt::format("bad pax {}", key));
                v = static_cast<uint64_t>(t.sec);
            } else {
                v = num(off, 8, key);
            }
            if (v > UINT32_MAX) {
                throw bad(ErrorCode::invalid_argument, fmt::format("{} {} is out of range (ext4 ids are 32 bits)", key, v));
            }
            return static_cast<uint32_t>(v);
        };
        attrs.uid = id(108, "uid");
        attrs.gid = id(116, "gid");
        auto time = [&](const char* key, std::optional<FileTime> fallback) {
            FileTime t;
            if (auto text = pax.find(key)) {
                if (!parse_time(*text, t)) throw bad(ErrorCode::integrity, fmt::format("bad pax {}", key));
            } else if (fallback) {
                t = *fallback;
            } else {
                auto v = signed_number(h, 136, 12);
                if (!v) throw Error(ErrorCode::integrity, fmt::format("{}: bad mtime field for \"{}\"", name, path));
                t = FileTime{*v, 0};
            }
            if (t.sec < ext4_min_time || t.sec > ext4_max_time) {
                throw bad(ErrorCode::invalid_argument,
                          fmt::format("{} {} is outside ext4's range (1901-12-13 to 2446-05-10)", key, t.sec));
            }
            return t;
        };
        attrs.mtime = time("mtime", std::nullopt);
        attrs.atime = time("atime", attrs.mtime);
        attrs.ctime = time("ctime", attrs.mtime);
        for (const auto& [k, v] : pax.values) {
            if (k.rfind("SCHILY.xattr.", 0) == 0) {
                refuse_nul(k, bad, "extended attribute name");
                attrs.mutable_xattrs().push_back({k.substr(13), v});
            }
        }
        // POSIX ACLs as text (GNU tar --acls, bsdtar): stored as the xattrs the kernel uses.
        for (const char* kind : {"access", "default"}) {
            if (auto text = pax.find(std::string("SCHILY.acl.") + kind)) {
                const std::string xname = std::string("system.posix_acl_") + kind;
                auto& xs = attrs.mutable_xattrs();
                std::erase_if(xs, [&](const Xattr& x) { return std::string_view(x.name) == xname; });
                std::string value = acl_text_to_xattr(*text, fmt::format("{}: \"{}\": SCHILY.acl.{}", name, path, kind));
                // An ACL of the three base entries alone is just the mode: the kernel stores none.
                if (value.size() > 4 + 3 * 8) xs.push_back({xname, value});
            }
        }

        // GNU sparse members: the map, from pax records (0.0, 0.1), the data (1.0) or the
        // old 'S' header; the data segments follow.
        std::optional<SparseMap> sparse;
        if (type == 'S') {
            sparse.emplace();
            read_sparse_map_old(tar, h, *sparse, bad);
        } else if (auto major = pax.find("GNU.sparse.major")) {
            if (*major != "1" || (pax.find("GNU.sparse.minor") && *pax.find("GNU.sparse.minor") != "0")) {
                throw bad(ErrorCode::unsupported, "unsupported GNU sparse format version");
            }
            sparse.emplace();
            auto real = pax.find("GNU.sparse.realsize");
            if (!real) throw bad(ErrorCode::integrity, "GNU sparse 1.0 member without GNU.sparse.realsize");
            sparse->real_size = decimal(*real, bad, "GNU.sparse.realsize");
        } else if (auto map_text = pax.find("GNU.sparse.map")) {  // 0.1
            sparse.emplace();
            std::string_view rest = *map_text;
            std::vector<uint64_t> numbers;
            while (!rest.empty()) {
                const size_t comma = rest.find(',');
                numbers.push_back(decimal(rest.substr(0, comma), bad, "GNU.sparse.map"));
                if (comma == std::string_view::npos) break;
                rest.remove_prefix(comma + 1);
            }
            if (numbers.size() % 2 != 0) throw bad(ErrorCode::integrity, "GNU.sparse.map has an odd count");
            for (size_t i = 0; i < numbers.size(); i += 2) sparse->segments.emplace_back(numbers[i], numbers[i + 1]);
        } else if (!pax.sparse_00.empty()) {  // 0.0
            sparse.emplace();
            for (size_t i = 0; i < pax.sparse_00.size(); i += 2) {
                if (i + 1 >= pax.sparse_00.size() || pax.sparse_00[i].first != "GNU.sparse.offset" ||
                    pax.sparse_00[i + 1].first != "GNU.sparse.numbytes") {
                    throw bad(ErrorCode::integrity, "GNU.sparse.offset and GNU.sparse.numbytes do not pair up");
                }
                sparse->segments.emplace_back(decimal(pax.sparse_00[i].second, bad, "GNU.sparse.offset"),
                                              decimal(pax.sparse_00[i + 1].second, bad, "GNU.sparse.numbytes"));
            }
        }
        if (sparse && type != 'S' && !pax.find("GNU.sparse.major")) {
            auto real = pax.find("GNU.sparse.size");
            if (!real) throw bad(ErrorCode::integrity, "GNU sparse member without GNU.sparse.size");
            sparse->real_size = decimal(*real, bad, "GNU.sparse.size");
        }

        uint32_t kind = 0;
        switch (type) {
        case '0': case '\0': case '7': case 'S': kind = s_ifreg; break;
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
        if (sparse && kind != s_ifreg) throw bad(ErrorCode::integrity, "a sparse map on a member that is not a regular file");
        if (type == '0' && !path.empty() && path.back() == '/') kind = s_ifdir;  // old tars
        attrs.mode |= kind;
        writer.note_entry();

        // OCI whiteouts: they hide entries of the lower layers only, wherever they stand in
        // their layer's tar (FsTree::whiteout / opaque keep this layer's own entries).
        if (whiteouts != Whiteouts::keep_names) {
            auto [dir, base] = split_dir(path);
            if (base.rfind(".wh.", 0) == 0) {
                tree.split(path);  // confinement check
                const bool overlay = whiteouts == Whiteouts::overlay;
                if (base == ".wh..wh..opq") {
                    tree.opaque(dir, layer, overlay);
                } else {
                    const std::string hidden = base.substr(4);
                    if (hidden.empty() || hidden == "." || hidden == "..") {
                        throw bad(ErrorCode::invalid_argument, "a whiteout must name an entry (\".wh.\" followed by a name)");
                    }
                    Inode wh = attrs;
                    wh.mode = s_ifchr;
                    if (!wh.xattrs().empty()) wh.mutable_xattrs().clear();
                    tree.whiteout(dir.empty() ? hidden : dir + "/" + hidden, layer, overlay ? &wh : nullptr);
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
            const uint64_t major = num(329, 8, "devmajor"), minor = num(337, 8, "devminor");
            if (major > ext4_max_major || minor > ext4_max_minor) {
                throw bad(ErrorCode::invalid_argument, fmt::format("device {}:{} is beyond ext4's encoding (major < 4096, minor < 1048576)",
                                                                   major, minor));
            }
            attrs.dev_major = static_cast<uint32_t>(major);
            attrs.dev_minor = static_cast<uint32_t>(minor);
        }
        if (sparse) {
            uint64_t map_bytes = 0;
            if (pax.find("GNU.sparse.major")) map_bytes = read_sparse_map_10(tar, size, *sparse, bad);
            check_sparse_map(*sparse, size - map_bytes, bad);
            attrs.size = sparse->real_size;
            const InodeRef ref = tree.add(path, std::move(attrs), layer);
            for (auto [off, len] : sparse->segments) writer.write_data(ref, off, len, tar.stream(), path);
            tar.skip(TarReader::padding(size));
            continue;
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
