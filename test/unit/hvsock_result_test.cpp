// SPDX-License-Identifier: MIT
// The result sink, serial capture, failure handling and teardown of ListenerSet.
#include "hvsock/listener_set.hpp"
#include "hvsock_support.hpp"

#include "core/error.hpp"
#include "core/result_target.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace hvsup::hvsock;
using namespace hvsock_test;

namespace {

const std::string vm_id = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

std::string slurp(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool has_tmp_files(const std::filesystem::path& dir)
{
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        if (e.path().filename().string().find(".tmp") != std::string::npos) return true;
    }
    return false;
}

struct ResultFixture {
    TempDir dir;
    LogCapture log;
    std::filesystem::path runtime = dir.path() / "state" / "agent-1";
    std::string result = (runtime / "result.json").string();
    ListenerSpec spec;

    ResultFixture()
    {
        std::filesystem::create_directories(runtime);
        spec.vm_id = vm_id;
        spec.emulation_dir = dir.path() / "hvsock";
        spec.logger = log.logger();
        spec.result_path = result;
        spec.vsock_listeners.push_back({1024, result});
    }
};

bool connect_refused(Guest& guest, uint32_t port)
{
    try {
        guest.connect(port);
        return false;
    } catch (const boost::system::system_error& e) {
        return e.code() == asio::error::connection_refused;
    }
}

}  // namespace

TEST_CASE("the first result connection is written atomically and signalled", "[hvsock]")
{
    ResultFixture f;
    Guest guest(f.dir.path() / "hvsock", vm_id);
    auto set = ListenerSet::start(f.spec);
    CHECK(set->wait_for_result(std::chrono::milliseconds(10)) == ResultWait::timed_out);

    const std::string payload = R"({"started_at":"2026-05-02T00:00:03Z","exit_code":0,"stdout":"ok\n"})" "\n";
    Stream s = guest.connect(1024);
    asio::write(s, asio::buffer(payload));
    s.shutdown(Stream::shutdown_send);
    CHECK(set->wait_for_result(std::chrono::seconds(20)) == ResultWait::received);
    CHECK(slurp(f.result) == payload);
    CHECK_FALSE(has_tmp_files(f.runtime));
    // Exactly one delivery: the result port no longer accepts.
    CHECK(connect_refused(guest, 1024));
    CHECK(set->wait_for_result(std::chrono::milliseconds(0)) == ResultWait::received);
}

TEST_CASE("the host closes a result connection only once the result is written and signalled", "[hvsock]")
{
    // A guest that waits for the host's close and then powers off must find its result kept:
    // run checks for the result once more when it sees the exit, without waiting.
    ResultFixture f;
    Guest guest(f.dir.path() / "hvsock", vm_id);
    auto set = ListenerSet::start(f.spec);
    const std::string payload = R"({"exit_code":0,"stdout":"ok\n"})" "\n";
    Stream s = guest.connect(1024);
    asio::write(s, asio::buffer(payload));
    s.shutdown(Stream::shutdown_send);
    char byte = 0;
    boost::system::error_code ec;
    s.read_some(asio::buffer(&byte, 1), ec);
    REQUIRE(ec == asio::error::eof);
    CHECK(set->wait_for_result(std::chrono::milliseconds(0)) == ResultWait::received);
    CHECK(slurp(f.result) == payload);
}

TEST_CASE("an oversized result fails with the reference error and leaves no file", "[hvsock]")
{
    ResultFixture f;
    Guest guest(f.dir.path() / "hvsock", vm_id);
    auto set = ListenerSet::start(f.spec);

    Stream s = guest.connect(1024);
    std::string chunk(1 << 20, 'r');
    boost::system::error_code ec;
    for (int i = 0; i < 16 && !ec; ++i) asio::write(s, asio::buffer(chunk), ec);
    asio::write(s, asio::buffer(std::string("!")), ec);  // byte 16 MiB + 1
    s.shutdown(Stream::shutdown_send, ec);
    try {
        set->wait_for_result(std::chrono::seconds(20));
        FAIL("an oversized result was accepted");
    } catch (const hvsup::Error& e) {
        CHECK(e.code() == hvsup::ErrorCode::too_large);
        CHECK(std::string(e.what()) == "windows-hyperv result for " + f.result + " exceeded 16777216 bytes");
    }
    CHECK_FALSE(std::filesystem::exists(f.result));
    CHECK_FALSE(has_tmp_files(f.runtime));
    CHECK(f.log.contains("exceeded 16777216 bytes"));
}

TEST_CASE("a result of exactly 16 MiB is accepted", "[hvsock]")
{
    ResultFixture f;
    Guest guest(f.dir.path() / "hvsock", vm_id);
    auto set = ListenerSet::start(f.spec);
    Stream s = guest.connect(1024);
    std::string chunk(1 << 20, 'r');
    for (int i = 0; i < 16; ++i) asio::write(s, asio::buffer(chunk));
    s.shutdown(Stream::shutdown_send);
    CHECK(set->wait_for_result(std::chrono::seconds(20)) == ResultWait::received);
    CHECK(std::filesystem::file_size(f.result) == result_limit_bytes);
}

TEST_CASE("close releases a result waiter", "[hvsock]")
{
    ResultFixture f;
    auto set = ListenerSet::start(f.spec);
    std::thread closer([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        set->close();
    });
    CHECK(set->wait_for_result(std::chrono::seconds(60)) == ResultWait::closed);
    closer.join();
}

TEST_CASE("serial capture appends everything the guest writes to serial.log", "[hvsock]")
{
    ResultFixture f;
    const auto serial_log = f.runtime / "serial.log";
    { std::ofstream(serial_log) << "earlier\n"; }
    f.spec.serial_pipe = "\\\\.\\pipe\\microagent-agent-1-serial";
    f.spec.serial_log_path = serial_log.string();
    auto set = ListenerSet::start(f.spec);
    const auto pipe_file = f.dir.path() / "hvsock" / "pipes" / "microagent-agent-1-serial.port";
    REQUIRE(std::filesystem::exists(pipe_file));

    asio::io_context io;
    auto connect_pipe = [&] {
        std::ifstream in(pipe_file);
        int port = 0;
        in >> port;
        return connect_tcp(io, static_cast<uint16_t>(port));
    };
    {
        tcp::socket com1 = connect_pipe();
        asio::write(com1, asio::buffer(std::string("Linux version 6.6\n")));
        asio::write(com1, asio::buffer(std::string("init: ready\n")));
    }  // the guest closes COM1
    CHECK(eventually([&] { return slurp(serial_log) == "earlier\nLinux version 6.6\ninit: ready\n"; }));
    {
        // After a guest reboot COM1 is opened again and appended after the earlier text.
        tcp::socket com1 = connect_pipe();
        asio::write(com1, asio::buffer(std::string("second boot\n")));
    }
    CHECK(eventually([&] { return slurp(serial_log) == "earlier\nLinux version 6.6\ninit: ready\nsecond boot\n"; }));
    set->close();
    CHECK_FALSE(std::filesystem::exists(pipe_file));
}

TEST_CASE("a failed guest connection is logged and the published port keeps serving", "[hvsock]")
{
    TempDir dir;
    LogCapture log;
    Guest guest(dir.path() / "hvsock", vm_id);
    const uint16_t port = free_port();
    ListenerSpec spec;
    spec.vm_id = vm_id;
    spec.emulation_dir = dir.path() / "hvsock";
    spec.logger = log.logger();
    spec.published_ports.push_back({"tcp", "", port});
    auto set = ListenerSet::start(spec);

    asio::io_context io;
    {
        // Nothing listens in the guest yet: the client sees EOF, the failure is logged.
        tcp::socket s = connect_tcp(io, port);
        CHECK(read_all(s).empty());
        CHECK(eventually([&] { return log.contains("connect windows-hyperv guest hvsocket port " + std::to_string(port) + ": Connection refused"); }));
    }
    guest.listen(port, Guest::echo);
    tcp::socket s = connect_tcp(io, port);
    asio::write(s, asio::buffer(std::string("again")));
    s.shutdown(tcp::socket::shutdown_send);
    CHECK(read_all(s) == "again");
}

TEST_CASE("a failed target connection is logged and the vsock listener keeps serving", "[hvsock]")
{
    TempDir dir;
    LogCapture log;
    Guest guest(dir.path() / "hvsock", vm_id);
    const uint16_t target_port = free_port();
    const std::string target = "127.0.0.1:" + std::to_string(target_port);
    ListenerSpec spec;
    spec.vm_id = vm_id;
    spec.emulation_dir = dir.path() / "hvsock";
    spec.logger = log.logger();
    spec.vsock_listeners.push_back({4000, target});
    auto set = ListenerSet::start(spec);
    {
        Stream s = guest.connect(4000);
        CHECK(read_all(s).empty());
        CHECK(eventually([&] { return log.contains("connect windows-hyperv hvsocket target " + target + ": Connection refused"); }));
    }
    // The target comes up; the same listener now bridges.
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), target_port));
    Stream s = guest.connect(4000);
    tcp::socket peer(io);
    acceptor.accept(peer);
    asio::write(s, asio::buffer(std::string("mediated")));
    s.shutdown(Stream::shutdown_send);
    CHECK(read_all(peer) == "mediated");
}

TEST_CASE("teardown refuses new connections and removes port files", "[hvsock]")
{
    ResultFixture f;
    Guest guest(f.dir.path() / "hvsock", vm_id);
    const uint16_t port = free_port();
    guest.listen(port, Guest::echo);
    f.spec.vsock_listeners.push_back({5000, "127.0.0.1:9"});
    f.spec.published_ports.push_back({"tcp", "", port});
    auto set = ListenerSet::start(f.spec);
    asio::io_context io;
    tcp::socket open_conn = connect_tcp(io, port);
    asio::write(open_conn, asio::buffer(std::string("x")));
    char c;
    asio::read(open_conn, asio::buffer(&c, 1));

    set->close();
    set->close();  // idempotent
    CHECK(connect_refused(guest, 1024));
    CHECK(connect_refused(guest, 5000));
    CHECK(std::filesystem::is_empty(f.dir.path() / "hvsock" / vm_id / "host"));
    tcp::socket s(io);
    boost::system::error_code ec;
    s.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port), ec);
    CHECK(ec == asio::error::connection_refused);
    // Connections open at teardown are closed too.
    CHECK(read_all(open_conn).empty());
}

TEST_CASE("a bind failure closes what was bound and names the address", "[hvsock]")
{
    ResultFixture f;
    asio::io_context io;
    tcp::acceptor taken(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    const uint16_t port = taken.local_endpoint().port();
    f.spec.published_ports.push_back({"tcp", "127.0.0.1", port});
    try {
        ListenerSet::start(f.spec);
        FAIL("bound a port that is in use");
    } catch (const hvsup::Error& e) {
        CHECK(std::string(e.what()) ==
              "listen windows-hyperv published tcp 127.0.0.1:" + std::to_string(port) + ": Address already in use");
    }
    // The result listener bound before the failure is gone again.
    CHECK(std::filesystem::is_empty(f.dir.path() / "hvsock" / vm_id / "host"));
}

TEST_CASE("a vsock listener that cannot listen names its port", "[hvsock]")
{
    ResultFixture f;
    // The emulation directory is a file, so no port file can be written.
    std::ofstream(f.dir.path() / "hvsock") << "not a directory";
    try {
        ListenerSet::start(f.spec);
        FAIL("listened without a transport");
    } catch (const hvsup::Error& e) {
        CHECK(std::string(e.what()).rfind("listen windows-hyperv hvsocket port 1024: ", 0) == 0);
    }
}

TEST_CASE("listener targets must be host:port or the result path", "[hvsock]")
{
    ResultFixture f;
    for (const char* bad : {"result.json", "/tmp/other/result.json", "9900", ":9900", "host:99999", "a/b:80"}) {
        INFO(bad);
        ListenerSpec spec = f.spec;
        spec.vsock_listeners.push_back({2048, bad});
        try {
            ListenerSet::start(spec);
            FAIL("accepted target");
        } catch (const hvsup::Error& e) {
            CHECK(e.code() == hvsup::ErrorCode::invalid_argument);
            CHECK(std::string(e.what()) ==
                  "windows-hyperv vsock listener 2048 target must be host:port or the workspace result path");
        }
    }
    CHECK(hvsup::core::is_result_target(f.result, f.result));
    CHECK(hvsup::core::is_result_target((f.runtime / "." / "result.json").string(), f.result));
    CHECK_FALSE(hvsup::core::is_result_target("127.0.0.1:1", f.result));
}

TEST_CASE("a result target spelled differently still gets the result sink", "[hvsock]")
{
    // The rule the request validation applies (core::is_result_target): the listeners must agree,
    // or a request that validates would fail here as a bad host:port.
    ResultFixture f;
    const std::string spelled = (f.runtime / ".." / f.runtime.filename() / "result.json").string() + "  ";
    ListenerSpec spec = f.spec;
    for (auto& l : spec.vsock_listeners) {
        if (l.target == f.result) l.target = spelled;
    }
    auto set = ListenerSet::start(spec);
    CHECK(set->wait_for_result(std::chrono::milliseconds(0)) != ResultWait::no_result_listener);
    set->close();
}

TEST_CASE("a VM id that is not a GUID is rejected", "[hvsock]")
{
    ResultFixture f;
    f.spec.vm_id = "agent-1";
    try {
        ListenerSet::start(f.spec);
        FAIL("accepted a non-GUID VM id");
    } catch (const hvsup::Error& e) {
        CHECK(std::string(e.what()).rfind("parse HCS runtime ID \"agent-1\": ", 0) == 0);
    }
}
