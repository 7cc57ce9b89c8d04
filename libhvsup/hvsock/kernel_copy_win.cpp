// SPDX-License-Identifier: MIT
// Windows has no splice(2); AF_HYPERV and Winsock streams use the bridge's portable pump.
#include "hvsock/kernel_copy.hpp"

namespace hvsup::hvsock::detail {

boost::asio::awaitable<KernelCopyEnd> kernel_copy(Stream&, Stream&)
{
    co_return KernelCopyEnd::unavailable;
}

}  // namespace hvsup::hvsock::detail
