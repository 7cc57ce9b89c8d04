// SPDX-License-Identifier: MIT
// Copying bytes between two connected streams, both ways, with half-close propagated and a
// fixed buffer per direction: a slow reader stalls its writer instead of growing memory.
// Bulk data moves in the kernel where the platform can (kernel_copy.hpp: Linux splice(2));
// everywhere else, and for small exchanges, through one user-space buffer per direction.
#pragma once

#include "hvsock/transport.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstddef>

namespace hvsup::hvsock {

// Bytes buffered per direction of a bridged connection; the most a bridge ever holds.
inline constexpr size_t bridge_buffer_size = 64 * 1024;

// How a bridge moves bytes. `automatic`: a direction whose read fills the whole buffer
// (bulk data) continues with the platform's in-kernel copy when there is one, else stays in
// user space. `user_space`: always the portable read/write pump (the only path on Windows).
enum class BridgeCopy { automatic, user_space };

// Copies a -> b and b -> a until both directions reach end of stream. End of stream on one
// side becomes shutdown(send) on the other; an error on either side closes both. Never throws.
// Either way at most bridge_buffer_size bytes per direction are held between read and write.
boost::asio::awaitable<void> splice(Stream a, Stream b, BridgeCopy copy = BridgeCopy::automatic);

}  // namespace hvsup::hvsock
