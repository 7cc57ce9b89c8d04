// SPDX-License-Identifier: MIT
// POSIX ACLs as tar archives carry them: the text of SCHILY.acl.access / SCHILY.acl.default
// (GNU tar: one entry a line; bsdtar: comma-separated, named entries with the numeric id as a
// fourth field), converted to the VFS value of system.posix_acl_access / _default.
#pragma once

#include <string>
#include <string_view>

namespace hvsup::image {

// "user::rw-,user:1000:r--,group::r--,mask::rw-,other::r--" -> version 2 header + sorted
// {le16 tag, le16 perm, le32 id} entries. Named entries need a numeric id (the qualifier or
// bsdtar's fourth field): names cannot be resolved against the image's users. Throws
// invalid_argument naming `what` for malformed or incomplete ACLs.
std::string acl_text_to_xattr(std::string_view text, std::string_view what);

}  // namespace hvsup::image
