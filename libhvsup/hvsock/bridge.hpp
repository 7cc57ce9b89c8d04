// Copying bytes between two connected streams, both ways, with half-close propagated and a
// fixed buffer per direction: a slow reader stalls its writer instead of growing memory.
#pragma once

#include "hvsock/transport.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstddef>

namespace hvsup::hvsock {

// Bytes buffered per direction of a bridged connection; the most a bridge ever holds.
inline constexpr size_t bridge_buffer_size = 64 * 1024;

// Copies a -> b and b -> a until both directions reach end of stream. End of stream on one
// side becomes shutdown(send) on the other; an error on either side closes both. Never throws.
boost::asio::awaitable<void> splice(Stream a, Stream b);

}  // namespace hvsup::hvsock
