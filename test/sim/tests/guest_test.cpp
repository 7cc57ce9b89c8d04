// SPDX-License-Identifier: MIT
// The emulated guest against a test-made host side of the emulation transport: COM1 boot
// text, the result payload on the result port, published-port echo, and exits.
#include "sim_fixture.hpp"

#include "core/files.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <thread>

using namespace hvsup;
using namespace hvsup::simtest;
using namespace std::chrono_literals;

namespace {

// A loopback listener announced through a port file, accepting one connection and reading
// it to EOF on a thread.
class OneShotServer {
public:
    explicit OneShotServer(const std::filesystem::path& port_file)
    {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        REQUIRE(::listen(fd_, 4) == 0);
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        files::ensure_private_dir(port_file.parent_path());
        files::write_atomic(port_file, std::to_string(ntohs(addr.sin_port)) + "\n");
        data_ = std::async(std::launch::async, [fd = fd_] {
            int c = ::accept(fd, nullptr, nullptr);
            std::string out;
            if (c < 0) return out;
            char buf[4096];
            ssize_t n;
            while ((n = ::recv(c, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
            ::close(c);
            return out;
        });
    }
    ~OneShotServer() { ::close(fd_); }
    std::string wait() { return data_.get(); }

private:
    int fd_ = -1;
    std::future<std::string> data_;
};

}  // namespace

TEST_CASE("the guest writes boot text to COM1, delivers the result and powers off", "[hcs][sim][guest]")
{
    for (const auto& lib : {computecore_library(), vmcompute_library()}) {
        DYNAMIC_SECTION(lib)
        {
            SimHost host;
            auto client = hcs::HcsClient::load({lib, std::nullopt});
            const json::object result{{"exit_code", 0}, {"stdout", "ok\n"}, {"started_at", "2026-05-02T00:00:03.1Z"}};
            host.script(
                json::object{{"guest", json::object{{"serial", "hello from the guest\n"}, {"result", result}}}});
            auto in = host.inputs("agent-1");
            in.config.state_dir = (host.dir() / "state").string();
            in.config.shell_port = 41584;
            in.config.vsock_listeners.push_back(
                protocol::VsockListener{1024, in.config.state_dir + "/agent-1/result.json"});
            const std::string doc = supervisor::document_json(in);
            REQUIRE_THAT(doc, Catch::Contains("ComPorts"));

            OneShotServer serial(host.emulation_dir() / "pipes" / "microagent-agent-1-serial.port");
            auto system = client->create("agent-1", doc);
            const auto runtime_id = system.properties().runtime_id;
            OneShotServer result_port(host.emulation_dir() / runtime_id / "host" /
                                      (hcs::vsock_service_id(1024) + ".port"));
            host.grant(*client, runtime_id);
            system.start();

            const std::string payload = result_port.wait();
            CHECK(payload == json::compact(result) + "\n");
            auto exit = system.wait_for_exit(10s);
            REQUIRE(exit.has_value());
            CHECK(exit->exit_type == "GracefulExit");
            const std::string text = serial.wait();
            CHECK_THAT(text, Catch::Contains("Kernel command line: " + supervisor::kernel_command_line(in)));
            CHECK_THAT(text, Catch::Contains("microagent_shell_port=41584"));
            CHECK_THAT(text, Catch::Contains("hello from the guest\n"));
            CHECK_THAT(text, Catch::EndsWith("reboot: Power down\n"));
            CHECK(host.live_systems().empty());
        }
    }
}

TEST_CASE("the guest serves published ports on the emulation transport", "[hcs][sim][guest]")
{
    SimHost host;
    auto client = hcs::HcsClient::load({computecore_library(), std::nullopt});
    host.script(json::object{
        {"guest", json::object{{"forwards", json::array{json::object{{"hostPort", 18080}, {"echo", true}}}}}}});
    auto in = host.inputs("agent-p");
    in.config.network = protocol::NetworkConfig{};
    in.config.network->port_forwards.push_back(protocol::PortForward{"tcp", "127.0.0.1", 18080, 8080});
    auto system = client->create("agent-p", supervisor::document_json(in));
    const auto runtime_id = system.properties().runtime_id;
    host.grant(*client, runtime_id);
    system.start();

    const auto port_file = host.emulation_dir() / runtime_id / "guest" / (hcs::vsock_service_id(18080) + ".port");
    std::optional<std::string> port;
    for (int i = 0; i < 500 && !port; ++i) {
        port = files::read_if_exists(port_file, 64);
        if (!port) std::this_thread::sleep_for(10ms);
    }
    REQUIRE(port.has_value());
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(std::stoi(*port)));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::send(fd, "ping", 4, 0) == 4);
    ::shutdown(fd, SHUT_WR);
    std::string echoed;
    char buf[64];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) echoed.append(buf, static_cast<size_t>(n));
    ::close(fd);
    CHECK(echoed == "ping");

    system.shutdown();
    REQUIRE(system.wait_for_exit(10s).has_value());
    CHECK_FALSE(std::filesystem::exists(port_file));  // the guest's listener is gone with it
}

namespace {

std::string port_of(const std::filesystem::path& port_file)
{
    std::optional<std::string> port;
    for (int i = 0; i < 500 && !port; ++i) {
        port = files::read_if_exists(port_file, 64);
        if (!port) std::this_thread::sleep_for(10ms);
    }
    REQUIRE(port.has_value());
    return *port;
}

// Sends `text`, half-closes, and returns everything read back.
std::string round_trip(int port, const std::string& text)
{
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::send(fd, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size()));
    ::shutdown(fd, SHUT_WR);
    std::string out;
    char buf[256];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
    ::close(fd);
    return out;
}

}  // namespace

TEST_CASE("a scripted forward proxies to a TCP target, and the shell port echoes", "[hcs][sim][guest]")
{
    SimHost host;
    // The "service inside the guest": a one-shot TCP server that answers with a prefix.
    int server = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(server, 1) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(server, reinterpret_cast<sockaddr*>(&addr), &len);
    const int target_port = ntohs(addr.sin_port);
    auto service = std::async(std::launch::async, [server] {
        int c = ::accept(server, nullptr, nullptr);
        std::string in;
        char buf[256];
        ssize_t n;
        while ((n = ::recv(c, buf, sizeof buf, 0)) > 0) in.append(buf, static_cast<size_t>(n));
        const std::string reply = "pong:" + in;
        ::send(c, reply.data(), reply.size(), 0);
        ::close(c);
    });

    const json::array forwards{
        json::object{{"hostPort", 18081}, {"target", "127.0.0.1:" + std::to_string(target_port)}}};
    host.script(json::object{{"guest", json::object{{"forwards", forwards}, {"shellEcho", true}}}});
    auto client = hcs::HcsClient::load({vmcompute_library(), std::nullopt});
    auto in = host.inputs("agent-t");
    in.config.shell_port = 41584;
    auto system = client->create("agent-t", supervisor::document_json(in));
    const auto runtime_id = system.properties().runtime_id;
    host.grant(*client, runtime_id);
    system.start();

    const auto guest_dir = host.emulation_dir() / runtime_id / "guest";
    CHECK(round_trip(std::stoi(port_of(guest_dir / (hcs::vsock_service_id(18081) + ".port"))), "ping") == "pong:ping");
    service.get();
    ::close(server);
    CHECK(round_trip(std::stoi(port_of(guest_dir / (hcs::vsock_service_id(41584) + ".port"))), "ls\n") == "ls\n");

    system.terminate("kill");
    REQUIRE(system.wait_for_exit(10s).has_value());
    CHECK(host.live_systems().empty());
}

TEST_CASE("the guest process inherits no descriptor of the process that started it", "[hcs][sim][guest]")
{
    SimHost host;
    int held = ::socket(AF_INET, SOCK_STREAM, 0);  // deliberately without SOCK_CLOEXEC
    REQUIRE(held >= 0);
    const std::string held_link = std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(held)).string();
    auto client = hcs::HcsClient::load({computecore_library(), std::nullopt});
    auto system = client->create("agent-fd", supervisor::document_json(host.inputs("agent-fd")));
    host.grant(*client, system.properties().runtime_id);
    system.start();
    auto record = json::parse(*files::read_if_exists(host.sim_dir() / "systems" / "agent-fd.json", 1 << 20), "record");
    const auto pid = record.at("GuestPid").as_int64();
    std::vector<std::string> links;
    std::error_code ec;
    for (const auto& fd : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
        links.push_back(std::filesystem::read_symlink(fd.path(), ec).string());
    }
    CHECK_FALSE(links.empty());
    CHECK(std::find(links.begin(), links.end(), held_link) == links.end());
    ::close(held);
    system.terminate("kill");
    REQUIRE(system.wait_for_exit(10s).has_value());
}
