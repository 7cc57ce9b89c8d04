// SPDX-License-Identifier: MIT
// Where `vhdbuild --guest-init` without a PATH finds hvsup-guestinit: beside the vhdbuild
// executable (this build tree, where both are in build/tools/, or an install of both into one
// bin/), in a tree with a directory per tool (tools/vhdbuild/vhdbuild next to
// tools/hvsup-guestinit/hvsup-guestinit), then in <prefix>/<libexecdir>/hvsup.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hvsup::tools {

// The running executable (/proc/self/exe; GetModuleFileNameW on Windows), or nullopt when the
// system cannot say.
std::optional<std::filesystem::path> current_executable();

// The places looked at, in order: `executable`'s directory, its build-tree sibling, then
// `installed` (the configured <prefix>/<libexecdir>/hvsup/hvsup-guestinit).
std::vector<std::filesystem::path> guest_init_candidates(const std::optional<std::filesystem::path>& executable,
                                                         const std::filesystem::path& installed);

struct GuestInitLookup {
    std::optional<std::filesystem::path> found;  // the first candidate that exists
    std::string error;                           // otherwise: every place looked at
};

GuestInitLookup find_default_guest_init(const std::optional<std::filesystem::path>& executable,
                                        const std::filesystem::path& installed);

}  // namespace hvsup::tools
