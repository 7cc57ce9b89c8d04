// SPDX-License-Identifier: MIT
// The guest init a build installs as /sbin/microagent-init (request key "guestInit"): the
// file is checked on the host (a regular file holding an ELF executable) before anything is
// written, then added to the finished source tree, where /sbin may be the usr-merge symlink.
#pragma once

#include "image/ext4_writer.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace hvsup::image {

// Where the backend's kernel command line points init= (microagent-protocol.md §10).
inline constexpr std::string_view guest_init_name = "microagent-init";

// The largest guest init read (it is held in memory: a static init is a few MiB).
inline constexpr uint64_t guest_init_max_bytes = 128u << 20;

// Why the first bytes of a file are not an ELF executable (magic, class, byte order, version,
// e_type ET_EXEC or ET_DYN), or empty when they are one. `header` may be shorter than an ELF
// header (a short file); that is a reason too.
std::string elf_executable_problem(std::span<const uint8_t> header);

struct GuestInitFile {
    std::string path;  // as given (UTF-8), for messages
    std::string data;
};

// Reads `path` (symlinks on the host followed) and checks it; errors are invalid_argument
// naming the path: missing, not a regular file, too large, not an ELF executable.
GuestInitFile read_guest_init(const std::string& path);

// Adds the file to the tree as sbin/microagent-init, mode 0755, owner 0:0, times `timestamp`,
// replacing a non-directory entry of that name. A symlink at sbin is followed inside the
// image (usr-merge: sbin -> usr/sbin or /usr/sbin); a symlink anywhere else on the way, at the
// name itself, or a directory at the name, is refused naming the image path. Returns the path
// the file was added at ("usr/sbin/microagent-init" when sbin is the usr-merge link).
std::string install_guest_init(Ext4Writer& writer, const GuestInitFile& init, int64_t timestamp);

}  // namespace hvsup::image
