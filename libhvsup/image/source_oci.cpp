// SPDX-License-Identifier: MIT
// OCI image layout input: index.json -> (nested index ->) manifest -> layers, applied in order.
// Every blob used (manifests, the config, the layers) is checked against its descriptor's
// size and sha256 digest before it is used; a mismatch names the blob.
#include "image/sources.hpp"

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/json.hpp"
#include "image/sha256.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>
#include <vector>

#include <fmt/format.h>

namespace hvsup::image {
namespace {

constexpr size_t max_json_bytes = 4u << 20;

// A content descriptor: what a blob must be.
struct Descriptor {
    std::string digest;
    std::string media_type;
    std::optional<uint64_t> size;
};

std::filesystem::path blob_path(const std::filesystem::path& dir, const std::string& digest)
{
    const size_t colon = digest.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == digest.size()) {
        throw Error(ErrorCode::integrity, fmt::format("OCI layout: malformed digest \"{}\"", digest));
    }
    const std::string alg = digest.substr(0, colon), hex = digest.substr(colon + 1);
    for (char c : alg) {
        if (!std::isalnum(static_cast<unsigned char>(c))) throw Error(ErrorCode::integrity, fmt::format("OCI layout: malformed digest \"{}\"", digest));
    }
    for (char c : hex) {
        if (!std::isxdigit(static_cast<unsigned char>(c))) throw Error(ErrorCode::integrity, fmt::format("OCI layout: malformed digest \"{}\"", digest));
    }
    if (alg != "sha256") {
        throw Error(ErrorCode::unsupported, fmt::format("OCI layout: blob {}: only sha256 digests are supported", digest));
    }
    if (hex.size() != 64) throw Error(ErrorCode::integrity, fmt::format("OCI layout: malformed digest \"{}\"", digest));
    return dir / "blobs" / alg / hex;
}

Descriptor descriptor(const json::value& v, std::string_view what)
{
    const auto& o = json::as_object(v, what);
    Descriptor d;
    d.digest = json::read_string(o, "digest", fmt::format("{}.digest", what));
    if (d.digest.empty()) throw Error(ErrorCode::integrity, fmt::format("OCI layout: {} has no digest", what));
    d.media_type = json::read_string(o, "mediaType", fmt::format("{}.mediaType", what));
    if (const json::value* s = json::find(o, "size"); s != nullptr && !s->is_null()) {
        d.size = static_cast<uint64_t>(json::read_int(o, "size", fmt::format("{}.size", what), 0, INT64_MAX));
    }
    return d;
}

void check_digest(const Descriptor& d, std::string_view what, uint64_t size, Sha256& hash)
{
    if (d.size && *d.size != size) {
        throw Error(ErrorCode::integrity, fmt::format("OCI layout: {} {}: the blob is {} bytes, its descriptor says {}",
                                                      what, d.digest, size, *d.size));
    }
    const std::string got = "sha256:" + hash.hex();
    std::string want = d.digest;
    for (char& c : want) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (got != want) {
        throw Error(ErrorCode::integrity,
                    fmt::format("OCI layout: {} {}: digest mismatch (the blob's content hashes to {})", what, d.digest, got));
    }
}

// Blobs must be regular files (a link to one is fine): a FIFO or a link to a device would be
// read until an end that may never come, and a layer is read twice.
void require_regular(const std::filesystem::path& path, std::string_view what, const std::string& digest)
{
    std::error_code ec;
    const auto st = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(st)) {
        throw Error(ErrorCode::not_found, fmt::format("OCI layout: {} {} not found ({})", what, digest, files::to_utf8(path)));
    }
    if (!std::filesystem::is_regular_file(st)) {
        throw Error(ErrorCode::integrity,
                    fmt::format("OCI layout: {} {} is not a regular file ({})", what, digest, files::to_utf8(path)));
    }
}

// Hashes the blob file and checks it against `d`; returns its path. Reads at most one byte
// more than the descriptor's size, so an over-long blob fails without being read to its end.
std::filesystem::path verified_blob(const std::filesystem::path& dir, const Descriptor& d, std::string_view what)
{
    const auto path = blob_path(dir, d.digest);
    require_regular(path, what, d.digest);
#ifdef _WIN32
    std::FILE* f = _wfopen(path.c_str(), L"rb");
#else
    std::FILE* f = std::fopen(path.c_str(), "rb");
#endif
    if (f == nullptr) {
        throw Error(ErrorCode::not_found, fmt::format("OCI layout: {} {} not found ({})", what, d.digest, files::to_utf8(path)));
    }
    const uint64_t limit = d.size ? *d.size + 1 : UINT64_MAX;
    Sha256 hash;
    uint64_t size = 0;
    std::vector<uint8_t> buf(1u << 20);
    while (size < limit) {
        const size_t n = std::fread(buf.data(), 1, static_cast<size_t>(std::min<uint64_t>(buf.size(), limit - size)), f);
        if (n == 0) break;
        hash.update(buf.data(), n);
        size += n;
    }
    const bool failed = std::ferror(f) != 0;
    std::fclose(f);
    if (failed) throw Error(ErrorCode::io, fmt::format("OCI layout: read {} {}", what, d.digest));
    if (d.size && size > *d.size) {
        throw Error(ErrorCode::integrity, fmt::format("OCI layout: {} {}: the blob is larger than the {} bytes its descriptor says",
                                                      what, d.digest, *d.size));
    }
    check_digest(d, what, size, hash);
    return path;
}

json::object read_json(const std::filesystem::path& file, std::string_view what)
{
    auto text = files::read_if_exists(file, max_json_bytes);
    if (!text) throw Error(ErrorCode::not_found, fmt::format("OCI layout: {} not found ({})", what, files::to_utf8(file)));
    auto v = json::parse(*text, what);
    return json::as_object(v, what);
}

// A manifest or nested index blob, checked against its descriptor, then parsed.
json::object read_json_blob(const std::filesystem::path& dir, const Descriptor& d, std::string_view what)
{
    const auto path = blob_path(dir, d.digest);
    require_regular(path, what, d.digest);
    auto text = files::read_if_exists(path, max_json_bytes);
    if (!text) throw Error(ErrorCode::not_found, fmt::format("OCI layout: {} {} not found ({})", what, d.digest, files::to_utf8(path)));
    Sha256 hash;
    hash.update(text->data(), text->size());
    check_digest(d, what, text->size(), hash);
    auto v = json::parse(*text, what);
    return json::as_object(v, what);
}

std::string lower(std::string_view s)
{
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

struct Platform {
    std::string os, architecture, variant;
};

Platform parse_platform(std::string_view text)
{
    Platform p;
    std::vector<std::string> parts;
    size_t start = 0;
    for (size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == '/') {
            parts.push_back(lower(text.substr(start, i - start)));
            start = i + 1;
        }
    }
    if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty() || (parts.size() == 3 && parts[2].empty())) {
        throw Error(ErrorCode::invalid_argument, fmt::format("platform \"{}\": expected OS/ARCHITECTURE[/VARIANT], e.g. linux/amd64", text));
    }
    p.os = parts[0];
    p.architecture = parts[1];
    if (parts.size() == 3) p.variant = parts[2];
    return p;
}

std::string platform_text(const json::object& entry)
{
    const json::value* pv = json::find(entry, "platform");
    if (pv == nullptr || !pv->is_object()) return "(no platform)";
    const auto& po = pv->as_object();
    std::string text = json::read_string(po, "os", "platform.os") + "/" + json::read_string(po, "architecture", "platform.architecture");
    if (std::string v = json::read_string(po, "variant", "platform.variant"); !v.empty()) text += "/" + v;
    return text;
}

// A manifest without a platform matches any (a single-platform image often has none). The
// variant is compared only when asked for; arm64's default variant is v8.
bool platform_matches(const json::object& entry, const Platform& want)
{
    const json::value* pv = json::find(entry, "platform");
    if (pv == nullptr || pv->is_null()) return true;
    if (!pv->is_object()) return false;
    const auto& po = pv->as_object();
    if (lower(json::read_string(po, "os", "platform.os")) != want.os) return false;
    if (lower(json::read_string(po, "architecture", "platform.architecture")) != want.architecture) return false;
    if (want.variant.empty()) return true;
    std::string variant = lower(json::read_string(po, "variant", "platform.variant"));
    if (variant.empty() && want.architecture == "arm64") variant = "v8";
    return variant == want.variant;
}

std::string ref_name(const json::object& entry)
{
    const json::value* av = json::find(entry, "annotations");
    if (av == nullptr || !av->is_object()) return {};
    const json::value* r = json::find(av->as_object(), "org.opencontainers.image.ref.name");
    return r != nullptr && r->is_string() ? std::string(r->as_string()) : std::string();
}

// Picks the one manifest of `index` that matches the ref (when given) and the platform.
Descriptor select_manifest(const json::object& index, const Platform& platform, const std::string& ref, std::string_view where)
{
    const json::array* manifests = json::read_array(index, "manifests", "index.manifests");
    if (manifests == nullptr || manifests->empty()) throw Error(ErrorCode::integrity, fmt::format("OCI layout: {} lists no manifests", where));
    std::vector<size_t> by_ref, chosen;
    std::string refs, platforms;
    for (size_t i = 0; i < manifests->size(); ++i) {
        const auto& entry = json::as_object((*manifests)[i], "index.manifests[]");
        const std::string name = ref_name(entry);
        if (!name.empty()) refs += (refs.empty() ? "" : ", ") + name;
        if (!ref.empty() && name != ref) continue;
        by_ref.push_back(i);
        platforms += (platforms.empty() ? "" : ", ") + platform_text(entry);
        if (platform_matches(entry, platform)) chosen.push_back(i);
    }
    const std::string want = platform.os + "/" + platform.architecture + (platform.variant.empty() ? "" : "/" + platform.variant);
    if (by_ref.empty()) {
        throw Error(ErrorCode::not_found, fmt::format("OCI layout: {} has no manifest with ref name \"{}\" (ref names: {})", where,
                                                      ref, refs.empty() ? "none" : refs));
    }
    if (chosen.empty()) {
        throw Error(ErrorCode::not_found, fmt::format("OCI layout: {} has no manifest for platform {} (platforms: {}); choose "
                                                      "one with --platform", where, want, platforms));
    }
    if (chosen.size() > 1) {
        throw Error(ErrorCode::invalid_argument,
                    fmt::format("OCI layout: {} has {} manifests for platform {}{} (ref names: {}); choose one with --ref", where,
                                chosen.size(), want, ref.empty() ? "" : " and ref " + ref, refs.empty() ? "none" : refs));
    }
    return descriptor((*manifests)[chosen.front()], fmt::format("index.manifests[{}]", chosen.front()));
}

}  // namespace

std::string default_oci_platform()
{
#if defined(__x86_64__) || defined(_M_X64)
    return "linux/amd64";
#elif defined(__aarch64__) || defined(_M_ARM64)
    return "linux/arm64";
#elif defined(__i386__) || defined(_M_IX86)
    return "linux/386";
#elif defined(__arm__)
    return "linux/arm";
#elif defined(__riscv) && __riscv_xlen == 64
    return "linux/riscv64";
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
    return "linux/ppc64le";
#elif defined(__s390x__)
    return "linux/s390x";
#else
    return "linux/unknown";
#endif
}

void add_oci_layout(Ext4Writer& writer, const std::filesystem::path& dir, bool overlay, const OciSelection& selection)
{
    const Platform platform = parse_platform(selection.platform.empty() ? default_oci_platform() : selection.platform);
    if (std::error_code ec; std::filesystem::exists(dir / "index.json", ec) && !std::filesystem::is_regular_file(dir / "index.json", ec)) {
        throw Error(ErrorCode::integrity, fmt::format("OCI layout: index.json is not a regular file ({})", files::to_utf8(dir / "index.json")));
    }
    json::object doc = read_json(dir / "index.json", "index.json");
    Descriptor manifest = select_manifest(doc, platform, selection.ref, "index.json");
    for (int depth = 0;; ++depth) {
        doc = read_json_blob(dir, manifest, "manifest");
        if (json::find(doc, "manifests") == nullptr) break;
        if (depth > 4) throw Error(ErrorCode::integrity, "OCI layout: nested indexes too deep");
        // The ref name selects at the top; a nested index is chosen by platform alone.
        manifest = select_manifest(doc, platform, {}, fmt::format("index {}", manifest.digest));
    }
    if (const json::value* config = json::find(doc, "config"); config != nullptr && !config->is_null()) {
        verified_blob(dir, descriptor(*config, "manifest.config"), "config");
    }
    const json::array* layers = json::read_array(doc, "layers", "manifest.layers");
    if (layers == nullptr) throw Error(ErrorCode::integrity, "OCI layout: the manifest has no layers");
    std::vector<Descriptor> descs;
    for (const auto& l : *layers) descs.push_back(descriptor(l, "manifest.layers[]"));
    // Every layer is checked before the first is applied: a bad blob fails fast, before
    // any data is written.
    std::vector<std::filesystem::path> paths;
    for (const auto& d : descs) paths.push_back(verified_blob(dir, d, "layer"));
    uint16_t layer = 1;
    for (size_t i = 0; i < descs.size(); ++i) {
        // The compression (none, gzip, zstd) is detected from the data; the media type is
        // only informative (Docker's types name gzip differently).
        auto stream = open_stream(paths[i]);
        add_tar(writer, *stream, "layer " + descs[i].digest, layer, overlay ? Whiteouts::overlay : Whiteouts::apply);
        ++layer;
    }
}

}  // namespace hvsup::image
