// SPDX-License-Identifier: MIT
// The OCI image layout reader: index.json -> (nested index ->) manifest -> layers. The input
// is split at each line "%%" into index.json and the blobs sha256:aaaa..., sha256:bbbb...,
// sha256:cccc... (64 hex digits each), which the seeds' documents refer to. Only
// hvsup::Error may escape.
#include "core/error.hpp"
#include "image/ext4_writer.hpp"
#include "image/sources.hpp"
#include "fuzz_image.hpp"

#include "fuzz_util.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using namespace hvsup;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string_view rest(reinterpret_cast<const char*>(data), size);
    std::vector<std::string_view> parts;
    while (parts.size() < 3) {
        const size_t sep = rest.find("\n%%\n");
        if (sep == std::string_view::npos) break;
        parts.push_back(rest.substr(0, sep));
        rest.remove_prefix(sep + 4);
    }
    parts.push_back(rest);

    const auto& dir = fuzz::scratch_dir();
    const auto blobs = dir / "blobs" / "sha256";
    std::filesystem::create_directories(blobs);
    const char names[] = {'a', 'b', 'c'};
    fuzz::write_file(dir / "index.json", parts[0]);
    for (size_t i = 0; i < 3; ++i) {
        const auto blob = blobs / std::string(64, names[i]);
        if (i + 1 < parts.size()) {
            fuzz::write_file(blob, parts[i + 1]);
        } else {
            std::filesystem::remove(blob);
        }
    }
    fuzz::NullOutput out;
    try {
        image::FsOptions options;
        options.journal = false;  // the journal is the same for every input: no coverage, much time
        options.free_bytes = 1u << 20;
        image::Ext4Writer writer(options, out);
        image::add_oci_layout(writer, dir, size % 2 == 0);
        (void)writer.finish();
    } catch (const Error&) {
    }
    return 0;
}
