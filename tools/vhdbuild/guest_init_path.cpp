// SPDX-License-Identifier: MIT
#include "guest_init_path.hpp"

namespace hvsup::tools {

std::vector<std::filesystem::path> guest_init_candidates(const std::optional<std::filesystem::path>& executable,
                                                         const std::filesystem::path& installed)
{
    std::vector<std::filesystem::path> out;
    if (executable && executable->has_parent_path()) {
        const auto dir = executable->parent_path();
        out.push_back(dir / "hvsup-guestinit");
        out.push_back((dir.parent_path() / "hvsup-guestinit" / "hvsup-guestinit").lexically_normal());
    }
    out.push_back(installed);
    return out;
}

GuestInitLookup find_default_guest_init(const std::optional<std::filesystem::path>& executable,
                                        const std::filesystem::path& installed)
{
    GuestInitLookup result;
    std::string looked;
    for (const auto& candidate : guest_init_candidates(executable, installed)) {
        std::error_code ec;
        // Whatever is there is taken: the image builder then says what is wrong with it (a
        // directory, not an ELF executable) rather than this lookup silently passing it by.
        if (std::filesystem::exists(candidate, ec)) {
            result.found = candidate;
            return result;
        }
        const auto text = candidate.u8string();
        looked += (looked.empty() ? "" : ", ") + std::string(text.begin(), text.end());
    }
    result.error = "--guest-init: no hvsup-guestinit found (looked at " + looked + "); give --guest-init PATH";
    if (!executable) result.error += " (the location of vhdbuild itself could not be read)";
    return result;
}

}  // namespace hvsup::tools
