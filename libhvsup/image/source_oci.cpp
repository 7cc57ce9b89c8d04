// OCI image layout input: index.json -> (nested index ->) manifest -> layers, applied in order.
#include "image/sources.hpp"

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/json.hpp"

#include <cctype>

#include <fmt/format.h>

namespace hvsup::image {
namespace {

constexpr size_t max_json_bytes = 4u << 20;

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
    return dir / "blobs" / alg / hex;
}

json::object read_json(const std::filesystem::path& file, std::string_view what)
{
    auto text = files::read_if_exists(file, max_json_bytes);
    if (!text) throw Error(ErrorCode::not_found, fmt::format("OCI layout: {} not found ({})", what, files::to_utf8(file)));
    auto v = json::parse(*text, what);
    return json::as_object(v, what);
}

std::string first_manifest(const json::object& index)
{
    const json::array* manifests = json::read_array(index, "manifests", "index.manifests");
    if (manifests == nullptr || manifests->empty()) throw Error(ErrorCode::integrity, "OCI layout: the index lists no manifests");
    const auto& m = json::as_object(manifests->front(), "index.manifests[0]");
    return json::read_string(m, "digest", "index.manifests[0].digest");
}

}  // namespace

void add_oci_layout(Ext4Writer& writer, const std::filesystem::path& dir, bool overlay)
{
    json::object doc = read_json(dir / "index.json", "index.json");
    std::string digest = first_manifest(doc);
    for (int depth = 0;; ++depth) {
        doc = read_json(blob_path(dir, digest), "manifest " + digest);
        const std::string media = json::read_string(doc, "mediaType", "manifest.mediaType");
        if (json::find(doc, "manifests") == nullptr) break;
        if (depth > 4) throw Error(ErrorCode::integrity, "OCI layout: nested indexes too deep");
        digest = first_manifest(doc);
    }
    const json::array* layers = json::read_array(doc, "layers", "manifest.layers");
    if (layers == nullptr) throw Error(ErrorCode::integrity, "OCI layout: the manifest has no layers");
    uint16_t layer = 1;
    for (const auto& l : *layers) {
        const auto& obj = json::as_object(l, "manifest.layers[]");
        const std::string media = json::read_string(obj, "mediaType", "manifest.layers[].mediaType");
        if (media.find("zstd") != std::string::npos) {
            throw Error(ErrorCode::unsupported, fmt::format("OCI layout: zstd layers are not supported ({})", media));
        }
        const std::string d = json::read_string(obj, "digest", "manifest.layers[].digest");
        auto stream = open_stream(blob_path(dir, d));
        add_tar(writer, *stream, "layer " + d, layer, overlay ? Whiteouts::overlay : Whiteouts::apply);
        ++layer;
    }
}

}  // namespace hvsup::image
