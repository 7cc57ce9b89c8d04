// SPDX-License-Identifier: MIT
// The fixed-VHD reader: the footer decoder and checker on the last 512 bytes, then
// `vhdbuild inspect` / `verify` (footer plus ext4 superblock) on the input as a file.
// Only hvsup::Error may escape.
#include "core/error.hpp"
#include "image/image_build.hpp"
#include "image/vhd_footer.hpp"

#include "fuzz_util.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace hvsup;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size >= image::vhd::footer_size) {
        const auto d = image::vhd::decode(data + size - image::vhd::footer_size);
        (void)image::vhd::verify(d, size);
    }
    const auto file = fuzz::scratch_dir() / "disk.vhd";
    fuzz::write_file(file, std::string_view(reinterpret_cast<const char*>(data), size));
    try {
        (void)json::compact(image::inspect_image(file.string()));
    } catch (const Error&) {
    }
    try {
        (void)json::compact(image::verify_footer(file.string()));
    } catch (const Error&) {
    }
    return 0;
}
