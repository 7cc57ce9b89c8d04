// SPDX-License-Identifier: MIT
// The image builder front end: a build request (JSON, the same fields as vhdbuild's flags)
// -> source -> ext4 -> fixed VHD or raw, written to a temporary and renamed.
#pragma once

#include "core/json.hpp"
#include "image/fs_options.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace hvsup::image {

struct BuildRequest {
    enum class Source { empty, dir, tar, oci };
    Source source = Source::empty;
    std::string source_path;  // "-" for a tar on standard input
    std::string output;
    bool raw = false;
    bool overlay = false;
    bool convert_backslash = false;
    bool uuid_given = false;
    std::string oci_platform;  // "os/arch[/variant]"; empty: linux on the host's architecture
    std::string oci_ref;       // org.opencontainers.image.ref.name; empty: any
    std::string guest_init;    // host file installed as /sbin/microagent-init; empty: none
    FsOptions fs;
};

// Decodes {"fromDir"|"fromTar"|"fromOci": PATH, "empty": bool, "output": PATH, "size": N|"512M",
// "free": N|"64M", "label", "uuid", "timestamp", "raw", "metadataCsum", "journal", "bit64",
// "overlay", "convertBackslash", "platform", "ref", "guestInit": PATH}. Errors are
// invalid_argument naming the field; options that do not apply to the source or to each other
// (free with size, convertBackslash with fromDir, overlay/platform/ref without fromOci,
// guestInit with empty) are errors, not silently ignored.
BuildRequest decode_build_request(std::string_view json_text);

// "4096", "512K", "64M", "2G", "1T" (binary units; an optional "iB"/"B" suffix is accepted).
uint64_t parse_size(std::string_view text, std::string_view what);
std::optional<std::array<uint8_t, 16>> parse_uuid(std::string_view text);
std::string format_uuid(const std::array<uint8_t, 16>& uuid);

using BuildProgress = std::function<bool(uint64_t bytes, uint64_t entries)>;

// Builds the image; returns the summary document. Nothing is left at `output` on failure.
json::object build_image(const BuildRequest& request, const BuildProgress& progress);

// Footer (when present) and superblock of an image, as a JSON document.
json::object inspect_image(const std::string& path);

// Reads and verifies the fixed-VHD footer; throws integrity with the reason when invalid.
json::object verify_footer(const std::string& path);

}  // namespace hvsup::image
