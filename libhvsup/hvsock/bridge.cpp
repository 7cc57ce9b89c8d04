#include "hvsock/bridge.hpp"

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

asio::awaitable<void> pump(Stream& from, Stream& to)
{
    // Not zero-filled: an idle connection commits no pages.
    std::unique_ptr<char[]> buffer(new char[bridge_buffer_size]);
    auto token = asio::as_tuple(asio::use_awaitable);
    for (;;) {
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
            boost::system::error_code ec;
            to.shutdown(asio::socket_base::shutdown_send, ec);
            if (ec && ec != asio::error::not_connected) close_both(from, to);
            co_return;
        }
        if (read_error) {
            close_both(from, to);
            co_return;
        }
    }
}

}  // namespace

asio::awaitable<void> splice(Stream a, Stream b)
{
    using namespace asio::experimental::awaitable_operators;
    co_await (pump(a, b) && pump(b, a));
}

}  // namespace hvsup::hvsock
