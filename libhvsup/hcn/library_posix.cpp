// SPDX-License-Identifier: MIT
#include "core/error.hpp"
#include "core/json.hpp"
#include "hcn/library.hpp"

namespace hvsup::hcn::detail {

SharedLibrary open_system_provider()
{
    throw Error(ErrorCode::unsupported, "HCN networking is only available on windows");
}

SharedLibrary open_system_allocator(const SharedLibrary& provider)
{
    throw Error(ErrorCode::unsupported, json::quote(provider.name()) +
                                            " does not export CoTaskMemFree, which a provider needs where there is "
                                            "no ole32.dll");
}

}  // namespace hvsup::hcn::detail
