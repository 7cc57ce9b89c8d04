// SPDX-License-Identifier: MIT
// Directory input on Windows: not provided. NTFS has no POSIX modes, owners, devices or
// symlink semantics to preserve; Windows callers stream a tar (--from-tar) instead.
#include "image/sources.hpp"

#include "core/error.hpp"

namespace hvsup::image {

void add_directory(Ext4Writer&, const std::filesystem::path&)
{
    throw Error(ErrorCode::unsupported, "directory input is not supported on Windows; build from a tar (fromTar) instead");
}

}  // namespace hvsup::image
