// SPDX-License-Identifier: MIT
// The emulation transport's contract: port files, refusal, mirror-image sides, timeouts.
#include "hvsock/listener_set.hpp"
#include "hvsock/port_file.hpp"
#include "hvsock/transport.hpp"
#include "hvsock_support.hpp"

#include "core/error.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace hvsup::hvsock;
using namespace hvsock_test;

namespace {

const std::string vm_id = "33333333-4444-5555-6666-777777777777";

std::string slurp(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

TEST_CASE("a host listener publishes its loopback port under host/<service>.port", "[hvsock]")
{
    TempDir dir;
    asio::io_context io;
    auto host = make_emulation_transport(dir.path(), Side::host);
    Address address{parse_guid(vm_id), vsock_service_id(1024)};
    auto acceptor = host->listen(io.get_executor(), address);
    const auto file = dir.path() / vm_id / "host" / "00000400-facb-11e6-bd58-64006a7986d3.port";
    const std::string text = slurp(file);
    REQUIRE(text.size() > 1);
    CHECK(text.back() == '\n');
    const int port = std::stoi(text);
    CHECK(port > 0);
    // It is a real loopback listener.
    tcp::socket s(io);
    s.connect(tcp::endpoint(asio::ip::address_v4::loopback(), static_cast<uint16_t>(port)));
    acceptor->close();
    CHECK_FALSE(std::filesystem::exists(file));
    CHECK_FALSE(std::filesystem::exists(dir.path() / vm_id / "guest"));
}

TEST_CASE("the guest side connects through host files and listens under guest/", "[hvsock]")
{
    TempDir dir;
    {
        Guest guest(dir.path(), vm_id);
        guest.listen(80, Guest::echo);
        CHECK(std::filesystem::exists(dir.path() / vm_id / "guest" / "00000050-facb-11e6-bd58-64006a7986d3.port"));
        // Nothing listens on the host side yet: refused, not a hang.
        CHECK_THROWS_AS(guest.connect(80), boost::system::system_error);
    }
    CHECK_FALSE(std::filesystem::exists(dir.path() / vm_id / "guest" / "00000050-facb-11e6-bd58-64006a7986d3.port"));
}

TEST_CASE("a port file is removed only by the listener that wrote it", "[hvsock]")
{
    TempDir dir;
    const auto file = dir.path() / "x" / "svc.port";
    detail::write_port_file(file, 4000);
    CHECK(detail::read_port_file(file) == 4000);
    detail::write_port_file(file, 4001);  // a newer listener replaced it
    detail::remove_port_file(file, 4000);
    CHECK(detail::read_port_file(file) == 4001);
    detail::remove_port_file(file, 4001);
    CHECK_FALSE(std::filesystem::exists(file));
    std::ofstream(file) << "junk\n";
    CHECK_FALSE(detail::read_port_file(file));
}

TEST_CASE("select_transport follows HVSUP_HVSOCK_EMULATION_DIR read at the edge", "[hvsock]")
{
    TempDir dir;
    CHECK(select_transport(dir.path())->name() == "emulation");
    const char* saved = std::getenv(emulation_dir_variable);
    std::string saved_value = saved ? saved : "";
    ::setenv(emulation_dir_variable, dir.path().c_str(), 1);
    CHECK(emulation_dir_from_environment() == dir.path());
    CHECK(select_transport(emulation_dir_from_environment())->name() == "emulation");
    ::unsetenv(emulation_dir_variable);
    CHECK(emulation_dir_from_environment().empty());
    // No AF_HYPERV off Windows: a clear error, not a crash.
    try {
        select_transport(emulation_dir_from_environment());
        FAIL("got a transport without Hyper-V sockets");
    } catch (const hvsup::Error& e) {
        CHECK(e.code() == hvsup::ErrorCode::unsupported);
        CHECK(std::string(e.what()).find("Hyper-V sockets are not available") != std::string::npos);
    }
    if (saved) ::setenv(emulation_dir_variable, saved_value.c_str(), 1);
}

TEST_CASE("a guest service that never answers times out and is logged", "[hvsock]")
{
    TempDir dir;
    LogCapture log;
    // A "guest" listener whose accept queue is full: further connection attempts hang (Linux
    // drops the SYNs) until the bridge's connect timeout gives up.
    asio::io_context io;
    tcp::acceptor stuck(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    stuck.listen(0);
    std::vector<tcp::socket> fillers;
    for (int i = 0; i < 4; ++i) {
        // Initiating an asynchronous connect sends the SYN; the handler never needs to run.
        fillers.emplace_back(io);
        fillers.back().async_connect(stuck.local_endpoint(), [](boost::system::error_code) {});
    }
    const uint16_t port = free_port();
    detail::write_port_file(dir.path() / vm_id / "guest" / (to_string(vsock_service_id(port)) + ".port"),
                            stuck.local_endpoint().port());
    ListenerSpec spec;
    spec.vm_id = vm_id;
    spec.emulation_dir = dir.path();
    spec.logger = log.logger();
    spec.connect_timeout = std::chrono::milliseconds(300);
    spec.published_ports.push_back({"tcp", "", port});
    auto set = ListenerSet::start(spec);
    tcp::socket client = connect_tcp(io, port);
    CHECK(eventually([&] { return log.contains("connect windows-hyperv guest hvsocket port " + std::to_string(port) + ": Connection timed out"); }, std::chrono::seconds(5)));
    INFO(log.all());
    CHECK(read_all(client).empty());
}
