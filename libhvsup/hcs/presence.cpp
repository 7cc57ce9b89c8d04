// SPDX-License-Identifier: MIT
#include "hcs/presence.hpp"

#include "core/error.hpp"
#include "hcs/library.hpp"

#include <exception>
#include <utility>

namespace hvsup::hcs {

Presence probe_presence(std::optional<ApiKind> only) noexcept
{
    Presence presence;
    try {
        std::vector<std::pair<std::string, Error>> failures;
        for (const ApiKind kind : {ApiKind::computecore, ApiKind::vmcompute}) {
            if (only && *only != kind) continue;
            try {
                presence.found.push_back(
                    {kind, std::make_shared<SharedLibrary>(SharedLibrary::open_system(dll_name(kind)))});
            } catch (const Error& e) {
                failures.emplace_back(dll_name(kind), e);
            }
        }
        if (presence.found.empty()) presence.error = no_system_hcs_message(failures);
    } catch (const std::exception& e) {
        presence.found.clear();
        presence.error = no_system_hcs_message({{"HCS", Error(ErrorCode::unsupported, e.what())}});
    }
    return presence;
}

}  // namespace hvsup::hcs
