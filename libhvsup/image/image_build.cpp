// SPDX-License-Identifier: MIT
#include "image/image_build.hpp"

#include "core/error.hpp"
#include "core/files.hpp"
#include "image/ext4_writer.hpp"
#include "image/guest_init.hpp"
#include "image/output_file.hpp"
#include "image/sources.hpp"
#include "image/vhd_footer.hpp"

#include <cctype>
#include <chrono>
#include <random>

#include <fmt/format.h>

namespace hvsup::image {
namespace {

Error bad(std::string_view field, std::string_view why)
{
    return Error(ErrorCode::invalid_argument, fmt::format("image request: {}: {}", field, why));
}

uint64_t read_size(const json::object& o, std::string_view key)
{
    const json::value* v = json::find(o, key);
    if (v == nullptr || v->is_null()) return 0;
    if (v->is_string()) return parse_size(std::string(v->as_string()), key);
    if (v->is_int64() && v->as_int64() >= 0) return static_cast<uint64_t>(v->as_int64());
    if (v->is_uint64()) return v->as_uint64();
    throw bad(key, "expected a byte count or a size such as \"512M\"");
}

// The output must not land inside the directory being imaged: the build would read its own
// previous output (or a later build would) into the image.
void check_output_outside(const std::filesystem::path& output, const std::filesystem::path& source)
{
    std::error_code ec;
    const auto src = std::filesystem::weakly_canonical(source, ec);
    if (ec) return;  // the source's own read reports a missing directory
    const auto out = std::filesystem::weakly_canonical(std::filesystem::absolute(output, ec), ec);
    if (ec) return;
    auto s = src.begin();
    auto o = out.begin();
    for (; s != src.end() && !s->empty(); ++s, ++o) {
        if (o == out.end() || *o != *s) return;
    }
    throw bad("output", fmt::format("{} is inside the fromDir source {}", files::to_utf8(output), files::to_utf8(source)));
}

}  // namespace

uint64_t parse_size(std::string_view text, std::string_view what)
{
    size_t i = 0;
    uint64_t v = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
        if (v > (UINT64_MAX - 9) / 10) throw bad(what, "size out of range");
        v = v * 10 + static_cast<uint64_t>(text[i] - '0');
    }
    if (i == 0) throw bad(what, fmt::format("\"{}\" is not a size", text));
    std::string unit(text.substr(i));
    for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (unit.size() > 1 && (unit.ends_with("IB"))) unit.resize(unit.size() - 2);
    else if (unit.size() > 1 && unit.back() == 'B') unit.pop_back();
    int shift = 0;
    if (unit.empty() || unit == "B") shift = 0;
    else if (unit == "K") shift = 10;
    else if (unit == "M") shift = 20;
    else if (unit == "G") shift = 30;
    else if (unit == "T") shift = 40;
    else throw bad(what, fmt::format("\"{}\": unknown unit", text));
    if (shift > 0 && v > (UINT64_MAX >> shift)) throw bad(what, "size out of range");
    return v << shift;
}

std::optional<std::array<uint8_t, 16>> parse_uuid(std::string_view text)
{
    std::array<uint8_t, 16> out{};
    if (text.size() != 36) return std::nullopt;
    size_t k = 0;
    for (size_t i = 0; i < 36;) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (text[i] != '-') return std::nullopt;
            ++i;
            continue;
        }
        auto hex = [](char c) -> int {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        };
        int hi = hex(text[i]), lo = hex(text[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out[k++] = static_cast<uint8_t>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

std::string format_uuid(const std::array<uint8_t, 16>& u)
{
    std::string s;
    for (size_t i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
        s += fmt::format("{:02x}", u[i]);
    }
    return s;
}

BuildRequest decode_build_request(std::string_view text)
{
    auto doc = json::parse(text, "image request");
    const auto& o = json::as_object(doc, "image request");
    BuildRequest r;
    int sources = 0;
    for (auto [key, kind] : {std::pair{"fromDir", BuildRequest::Source::dir}, std::pair{"fromTar", BuildRequest::Source::tar},
                             std::pair{"fromOci", BuildRequest::Source::oci}}) {
        std::string p = json::read_string(o, key, key);
        if (!p.empty()) {
            r.source = kind;
            r.source_path = p;
            ++sources;
        }
    }
    const bool empty = json::read_bool(o, "empty", "empty");
    if (sources > 1 || (sources == 1 && empty)) throw bad("source", "give exactly one of fromDir, fromTar, fromOci, empty");
    if (sources == 0 && !empty) throw bad("source", "give one of fromDir, fromTar, fromOci, or empty");
    r.output = json::read_string(o, "output", "output");
    if (r.output.empty()) throw bad("output", "required");
    if (uint64_t size = read_size(o, "size"); size != 0) r.fs.size_bytes = size;
    if (const json::value* f = json::find(o, "free"); f != nullptr && !f->is_null()) {
        // The headroom only sizes a content-sized image: with a fixed size it would be ignored.
        if (r.fs.size_bytes) throw bad("free", "only applies when no size is given (the size fixes the free space)");
        r.fs.free_bytes = read_size(o, "free");
    }
    if (empty && !r.fs.size_bytes) throw bad("size", "an empty volume needs a size");
    r.fs.label = json::read_string(o, "label", "label");
    if (r.fs.label.size() > 16) throw bad("label", "at most 16 bytes");
    for (char c : r.fs.label) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) throw bad("label", "control characters (newline, tab, NUL, ...) are not allowed");
    }
    const std::string uuid = json::read_string(o, "uuid", "uuid");
    if (!uuid.empty()) {
        auto u = parse_uuid(uuid);
        if (!u) throw bad("uuid", fmt::format("\"{}\" is not a UUID", uuid));
        if (*u == std::array<uint8_t, 16>{}) throw bad("uuid", "the nil UUID is not a filesystem UUID (tools read it as \"none\")");
        r.fs.uuid = *u;
        r.uuid_given = true;
    } else {
        std::random_device rd;
        for (size_t i = 0; i < 16; i += 4) {
            const uint32_t x = rd();
            for (size_t k = 0; k < 4; ++k) r.fs.uuid[i + k] = static_cast<uint8_t>(x >> (8 * k));
        }
        r.fs.uuid[6] = static_cast<uint8_t>((r.fs.uuid[6] & 0x0F) | 0x40);
        r.fs.uuid[8] = static_cast<uint8_t>((r.fs.uuid[8] & 0x3F) | 0x80);
    }
    if (json::find(o, "timestamp") != nullptr && !json::find(o, "timestamp")->is_null()) {
        r.fs.timestamp = json::read_int(o, "timestamp", "timestamp", 0, INT32_MAX * 4ll);
    } else {
        r.fs.timestamp = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    }
    r.raw = json::read_bool(o, "raw", "raw");
    r.fs.metadata_csum = json::read_bool(o, "metadataCsum", "metadataCsum");
    r.fs.bit64 = json::read_bool(o, "bit64", "bit64");
    if (const json::value* j = json::find(o, "journal"); j != nullptr && !j->is_null()) r.fs.journal = json::read_bool(o, "journal", "journal");
    r.overlay = json::read_bool(o, "overlay", "overlay");
    r.convert_backslash = json::read_bool(o, "convertBackslash", "convertBackslash");
    if (r.overlay && r.source != BuildRequest::Source::oci) throw bad("overlay", "only applies to fromOci");
    if (r.convert_backslash && r.source != BuildRequest::Source::tar && r.source != BuildRequest::Source::oci) {
        throw bad("convertBackslash", "only applies to fromTar and fromOci (a directory's names are taken as they are)");
    }
    r.oci_platform = json::read_string(o, "platform", "platform");
    r.oci_ref = json::read_string(o, "ref", "ref");
    if ((!r.oci_platform.empty() || !r.oci_ref.empty()) && r.source != BuildRequest::Source::oci) {
        throw bad(r.oci_platform.empty() ? "ref" : "platform", "only applies to fromOci");
    }
    if (const json::value* g = json::find(o, "guestInit"); g != nullptr && !g->is_null()) {
        r.guest_init = json::read_string(o, "guestInit", "guestInit");
        if (r.guest_init.empty()) throw bad("guestInit", "an empty path");
        if (empty) {
            throw bad("guestInit", "only applies to fromDir, fromTar and fromOci (an empty volume is a data disk)");
        }
    }
    return r;
}

json::object build_image(const BuildRequest& request, const BuildProgress& progress)
{
    const auto started = std::chrono::steady_clock::now();
    const auto out_path = files::from_utf8(request.output);
    if (request.source == BuildRequest::Source::dir) check_output_outside(out_path, files::from_utf8(request.source_path));
    // Checked before the output exists: a wrong path fails the build at once.
    std::optional<GuestInitFile> guest_init;
    if (!request.guest_init.empty()) guest_init = read_guest_init(request.guest_init);
    auto out = OutputFile::create(out_path);
    // The tree's metadata spills to a file beside the output (on the same disk, not in RAM).
    SpillArena metadata(out_path.has_parent_path() ? out_path.parent_path() : std::filesystem::path("."));
    Ext4Writer writer(request.fs, *out, &metadata);
    writer.tree().set_path_options({request.convert_backslash});
    if (progress) writer.set_progress(progress);
    switch (request.source) {
    case BuildRequest::Source::empty: break;
    case BuildRequest::Source::dir: add_directory(writer, files::from_utf8(request.source_path)); break;
    case BuildRequest::Source::tar: {
        auto in = open_stream(files::from_utf8(request.source_path));
        add_tar(writer, *in, request.source_path == "-" ? "standard input" : request.source_path);
        break;
    }
    case BuildRequest::Source::oci:
        add_oci_layout(writer, files::from_utf8(request.source_path), request.overlay, {request.oci_platform, request.oci_ref});
        break;
    }
    std::string guest_init_at;  // where it landed: /usr/sbin/... when /sbin is the usr-merge link
    if (guest_init) guest_init_at = "/" + install_guest_init(writer, *guest_init, request.fs.timestamp);
    const FsSummary s = writer.finish();
    uint64_t disk = s.fs_bytes;
    if (request.fs.size_bytes) disk = (*request.fs.size_bytes + 4095) / 4096 * 4096;
    out->set_size(disk);
    if (!request.raw) {
        auto footer = vhd::encode(vhd::make_fixed(disk, request.fs.timestamp, request.fs.uuid));
        out->write_at(footer.data(), footer.size(), disk);
    }
    out->commit();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    json::object summary{
        {"output", request.output},
        {"format", request.raw ? "raw" : "vhd"},
        {"diskBytes", disk},
        {"fileBytes", disk + (request.raw ? 0 : vhd::footer_size)},
        {"fsBytes", s.fs_bytes},
        {"blocks", s.blocks},
        {"freeBlocks", s.free_blocks},
        {"freeBytes", s.free_blocks * 4096},
        {"inodes", s.inodes},
        {"freeInodes", s.free_inodes},
        {"files", s.files},
        {"directories", s.directories},
        {"symlinks", s.symlinks},
        {"specials", s.specials},
        {"dataBytes", s.data_bytes},
        {"groups", s.groups},
        {"journalBlocks", s.journal_blocks},
        {"uuid", format_uuid(request.fs.uuid)},
        {"label", request.fs.label},
        {"seconds", seconds},
    };
    if (guest_init) summary["guestInit"] = guest_init_at;
    return summary;
}

}  // namespace hvsup::image
