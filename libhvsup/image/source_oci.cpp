// OCI image layout input: index.json -> (nested index ->) manifest -> layers, applied in order.
// Every blob used (manifests, the config, the layers) is checked against its descriptor's
// size and sha256 digest before it is used; a mismatch names the blob.
#include "image/sources.hpp"

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/json.hpp"
#include "image/sha256.hpp"

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

// Hashes the blob file and checks it against `d`; returns its path.
std::filesystem::path verified_blob(const std::filesystem::path& dir, const Descriptor& d, std::string_view what)
{
    const auto path = blob_path(dir, d.digest);
#ifdef _WIN32
    std::FILE* f = _wfopen(path.c_str(), L"rb");
#else
    std::FILE* f = std::fopen(path.c_str(), "rb");
#endif
    if (f == nullptr) {
        throw Error(ErrorCode::not_found, fmt::format("OCI layout: {} {} not found ({})", what, d.digest, files::to_utf8(path)));
    }
    Sha256 hash;
    uint64_t size = 0;
    std::vector<uint8_t> buf(1u << 20);
    while (true) {
        const size_t n = std::fread(buf.data(), 1, buf.size(), f);
        if (n == 0) break;
        hash.update(buf.data(), n);
        size += n;
    }
    const bool failed = std::ferror(f) != 0;
    std::fclose(f);
    if (failed) throw Error(ErrorCode::io, fmt::format("OCI layout: read {} {}", what, d.digest));
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
    auto text = files::read_if_exists(path, max_json_bytes);
    if (!text) throw Error(ErrorCode::not_found, fmt::format("OCI layout: {} {} not found ({})", what, d.digest, files::to_utf8(path)));
    Sha256 hash;
    hash.update(text->data(), text->size());
    check_digest(d, what, text->size(), hash);
    auto v = json::parse(*text, what);
    return json::as_object(v, what);
}

Descriptor first_manifest(const json::object& index)
{
    const json::array* manifests = json::read_array(index, "manifests", "index.manifests");
    if (manifests == nullptr || manifests->empty()) throw Error(ErrorCode::integrity, "OCI layout: the index lists no manifests");
    return descriptor(manifests->front(), "index.manifests[0]");
}

}  // namespace

void add_oci_layout(Ext4Writer& writer, const std::filesystem::path& dir, bool overlay)
{
    json::object doc = read_json(dir / "index.json", "index.json");
    Descriptor manifest = first_manifest(doc);
    for (int depth = 0;; ++depth) {
        doc = read_json_blob(dir, manifest, "manifest");
        if (json::find(doc, "manifests") == nullptr) break;
        if (depth > 4) throw Error(ErrorCode::integrity, "OCI layout: nested indexes too deep");
        manifest = first_manifest(doc);
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
