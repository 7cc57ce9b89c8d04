// SPDX-License-Identifier: MIT
// Connecting a socket with a deadline, shared by the transports and the TCP side of bridges.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <chrono>
#include <variant>

namespace hvsup::hvsock::detail {

// Connects `socket` (already open or not) to `endpoint`. Throws system_error with the
// connect error, or timed_out when `timeout` passes first (the attempt is cancelled).
template <typename Socket, typename Endpoint>
boost::asio::awaitable<void> connect_with_timeout(Socket& socket, const Endpoint& endpoint,
                                                  std::chrono::milliseconds timeout)
{
    using namespace boost::asio::experimental::awaitable_operators;
    auto token = boost::asio::as_tuple(boost::asio::use_awaitable);
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, timeout);
    auto outcome = co_await (socket.async_connect(endpoint, token) || timer.async_wait(token));
    if (outcome.index() == 1) {
        boost::system::error_code ignored;
        socket.close(ignored);
        throw boost::system::system_error(boost::asio::error::timed_out);
    }
    auto [ec] = std::get<0>(outcome);
    if (ec) throw boost::system::system_error(ec);
}

}  // namespace hvsup::hvsock::detail
