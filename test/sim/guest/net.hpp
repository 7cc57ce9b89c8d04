// SPDX-License-Identifier: MIT
// Loopback TCP for the emulated guest, blocking and portable (Boost.Asio over BSD sockets or
// Winsock): the Hyper-V socket emulation transport seen from inside the "VM".
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace hvsup::sim::guest {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// One context for every socket of the guest; only blocking calls are made on it.
inline asio::io_context& io()
{
    static asio::io_context context;
    return context;
}

inline std::optional<int> read_port_file(const std::filesystem::path& file)
{
    std::ifstream in(file);
    int port = 0;
    if (!(in >> port) || port <= 0 || port > 65535) return std::nullopt;
    return port;
}

inline std::shared_ptr<tcp::socket> connect_loopback(int port)
{
    auto s = std::make_shared<tcp::socket>(io());
    boost::system::error_code ec;
    s->connect(tcp::endpoint(asio::ip::address_v4::loopback(), static_cast<unsigned short>(port)), ec);
    if (ec) return nullptr;
    return s;
}

// Reads the port file and connects, retrying every 50 ms until `limit`.
inline std::shared_ptr<tcp::socket> connect_via(const std::filesystem::path& port_file, std::chrono::milliseconds limit)
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        if (auto port = read_port_file(port_file)) {
            if (auto s = connect_loopback(*port)) return s;
        }
        if (std::chrono::steady_clock::now() >= deadline) return nullptr;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

inline bool write_all(tcp::socket& s, const std::string& data)
{
    boost::system::error_code ec;
    asio::write(s, asio::buffer(data), ec);
    return !ec;
}

}  // namespace hvsup::sim::guest
