// SPDX-License-Identifier: MIT
// What the HCN binding needs of the platform (the same place as hcs/library.hpp): the system's
// provider and the allocator that frees the strings it returns. Platform code: library_win.cpp
// (computenetwork.dll and ole32.dll from System32), library_posix.cpp (neither exists:
// ErrorCode::unsupported).
#pragma once

#include "core/shared_library.hpp"

namespace hvsup::hcn::detail {

SharedLibrary open_system_provider();
SharedLibrary open_system_allocator(const SharedLibrary& provider);

}  // namespace hvsup::hcn::detail
