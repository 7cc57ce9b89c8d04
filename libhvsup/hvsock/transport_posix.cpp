// SPDX-License-Identifier: MIT
// POSIX hosts have no AF_HYPERV; only the emulation transport exists here.
#include "hvsock/transport.hpp"

#include "core/error.hpp"

namespace hvsup::hvsock {

std::shared_ptr<Transport> make_platform_transport()
{
    throw Error(ErrorCode::unsupported,
                std::string("Hyper-V sockets are not available on this host (set ") + emulation_dir_variable +
                    " to use the loopback emulation)");
}

}  // namespace hvsup::hvsock
