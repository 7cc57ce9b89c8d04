// SPDX-License-Identifier: MIT
#include "hvsock/bridge.hpp"

#include "hvsock/kernel_copy.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <memory>

namespace hvsup::hvsock {
namespace {

namespace asio = boost::asio;

void close_both(Stream& a, Stream& b)
{
    boost::system::error_code ignored;
    a.close(ignored);
    b.close(ignored);
}

// End of stream on `from`: pass it on as a half-close.
void end_of_stream(Stream& from, Stream& to)
{
    boost::system::error_code ec;
    to.shutdown(asio::socket_base::shutdown_send, ec);
    if (ec && ec != asio::error::not_connected) close_both(from, to);
}

asio::awaitable<void> pump(Stream& from, Stream& to, BridgeCopy copy)
{
    bool kernel_copy_allowed = copy == BridgeCopy::automatic;
    // Not zero-filled: an idle connection commits no pages.
    std::unique_ptr<char[]> buffer;
    auto token = asio::as_tuple(asio::use_awaitable);
    for (;;) {
        if (!buffer) buffer.reset(new char[bridge_buffer_size]);
        auto [read_error, n] = co_await from.async_read_some(asio::buffer(buffer.get(), bridge_buffer_size), token);
        if (n > 0) {
            auto [write_error, written] = co_await asio::async_write(to, asio::buffer(buffer.get(), n), token);
            (void)written;
            if (write_error) {
                close_both(from, to);
                co_return;
            }
        }
        if (read_error == asio::error::eof) {
            end_of_stream(from, to);
            co_return;
        }
        if (read_error) {
            close_both(from, to);
            co_return;
        }
        if (kernel_copy_allowed && n == bridge_buffer_size) {
            // A full buffer means bulk data: let the kernel move the rest where the platform
            // can (Linux splice). Small exchanges never get here and cost no pipe.
            kernel_copy_allowed = false;
            buffer.reset();
            switch (co_await detail::kernel_copy(from, to)) {
            case detail::KernelCopyEnd::unavailable: break;  // carry on in user space
            case detail::KernelCopyEnd::eof: end_of_stream(from, to); co_return;
            case detail::KernelCopyEnd::error: close_both(from, to); co_return;
            }
        }
    }
}

}  // namespace

asio::awaitable<void> splice(Stream a, Stream b, BridgeCopy copy)
{
    using namespace asio::experimental::awaitable_operators;
    co_await (pump(a, b, copy) && pump(b, a, copy));
}

}  // namespace hvsup::hvsock
