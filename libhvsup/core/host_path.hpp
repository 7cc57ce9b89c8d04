// SPDX-License-Identifier: MIT
// Paths handed to the host's VM worker (kernel, VHDs): HCS resolves them in its own service
// process, whose working directory is not the caller's, so only an absolute path means what
// the caller meant.
#pragma once

#include <string_view>

namespace hvsup::core {

// True for a path that does not depend on a working directory, in Windows or POSIX form on
// every platform (documents are planned on Linux for Windows hosts, and the simulator runs on
// Linux): "C:\dir\file", "C:/dir/file", UNC and device paths ("\\server\share\file",
// "\\?\C:\file"), and rooted paths ("/dir/file", "\dir\file"; on Windows the root of the
// current drive). Refused: "Image", "kernels\Image", "./Image", "..\Image" and the
// drive-relative "C:Image", which HCS would resolve against its own service's directory.
bool is_absolute_host_path(std::string_view path);

}  // namespace hvsup::core
