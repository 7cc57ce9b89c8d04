// SPDX-License-Identifier: MIT
#include "hvsock/transport.hpp"

namespace hvsup::hvsock {

std::shared_ptr<Transport> select_transport(const std::filesystem::path& emulation_dir)
{
    if (!emulation_dir.empty()) return make_emulation_transport(emulation_dir, Side::host);
    return make_platform_transport();
}

}  // namespace hvsup::hvsock
