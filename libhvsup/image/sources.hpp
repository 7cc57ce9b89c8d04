// SPDX-License-Identifier: MIT
// Tree sources: each reads one kind of input and feeds the writer's tree and data.
#pragma once

#include "image/byte_stream.hpp"
#include "image/ext4_writer.hpp"

#include <filesystem>
#include <string>

namespace hvsup::image {

enum class Whiteouts {
    keep_names,  // plain tar/directory: ".wh.*" names are ordinary files
    apply,       // OCI layers: ".wh.x" removes x, ".wh..wh..opq" empties the directory
    overlay,     // OCI layers kept as overlayfs whiteouts (0/0 char devices, opaque xattr)
};

// A directory tree (POSIX): lstat, no symlink following, hard links by (dev, ino), xattrs,
// devices, fifos, sockets, sparse files.
void add_directory(Ext4Writer& writer, const std::filesystem::path& dir);

// A tar stream (ustar, pax, GNU long names/links). `layer` orders OCI layers.
void add_tar(Ext4Writer& writer, ByteStream& in, const std::string& name, uint16_t layer = 0,
             Whiteouts whiteouts = Whiteouts::keep_names);

// Which manifest of an OCI index to build: by platform ("os/arch[/variant]"; empty: linux on
// the host's architecture) and by ref name (org.opencontainers.image.ref.name; empty: any).
struct OciSelection {
    std::string platform;
    std::string ref;
};

// The platform a build selects by default: linux on the architecture vhdbuild was built for.
std::string default_oci_platform();

// An OCI image layout directory: index.json -> manifest -> layers, in order.
void add_oci_layout(Ext4Writer& writer, const std::filesystem::path& dir, bool overlay, const OciSelection& selection = {});

}  // namespace hvsup::image
