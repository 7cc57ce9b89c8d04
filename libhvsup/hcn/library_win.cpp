// SPDX-License-Identifier: MIT
#include "hcn/library.hpp"

namespace hvsup::hcn::detail {

SharedLibrary open_system_provider()
{
    return SharedLibrary::open_system("computenetwork.dll");
}

SharedLibrary open_system_allocator(const SharedLibrary&)
{
    return SharedLibrary::open_system("ole32.dll");
}

}  // namespace hvsup::hcn::detail
