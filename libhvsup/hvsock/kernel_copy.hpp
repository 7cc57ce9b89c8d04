// SPDX-License-Identifier: MIT
// The platform's in-kernel copy between two connected streams, used by the bridge for bulk
// data (bridge.cpp). Linux: splice(2) through a pipe, so the bytes never pass through user
// space (kernel_copy_posix.cpp). Windows has none (kernel_copy_win.cpp): the bridge keeps
// its portable read/write pump, which is also the fallback everywhere.
#pragma once

#include "hvsock/transport.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstddef>

namespace hvsup::hvsock::detail {

enum class KernelCopyEnd {
    unavailable,  // nothing was moved; the caller continues with the user-space pump
    eof,          // `from` reached end of stream and every byte read was written to `to`
    error,        // a read or write failed, or a socket was closed; bytes may have been lost
};

// The most bytes the kernel copy holds between its read and its write (one pipe).
inline constexpr size_t kernel_copy_capacity = 64 * 1024;

// Moves bytes from `from` to `to` until end of stream on `from` or an error, with the same
// bounded read -> write -> read discipline as the user-space pump: it reads again only
// after everything read has been written, so a slow reader stalls the writer. Never
// shuts down or closes either stream (the caller does) and never raises SIGPIPE.
// Runs on the streams' executor; both streams must stay alive until it returns.
boost::asio::awaitable<KernelCopyEnd> kernel_copy(Stream& from, Stream& to);

}  // namespace hvsup::hvsock::detail
