// hvsup-sim-guest: the "VM" of a started simulated compute system. It follows the guest
// contract (microagent-protocol.md §10) as the test scripts it, over the Hyper-V socket
// emulation transport (loopback TCP + port files under HVSUP_HVSOCK_EMULATION_DIR):
//   - reads the kernel command line from the compute-system document,
//   - connects to the COM1 pipe (E/pipes/<name>.port) and writes boot text,
//   - serves scripted published ports (guest listener per hostPort: echo or TCP proxy),
//   - delivers the scripted result (snake_case JSON + "\n") to the host result port,
//   - powers off after a delay, on SIGTERM (unless told to ignore shutdown), or crashes.
// Script: HVSUP_SIM_DIR/scripts/<id>.json (else default.json), member "guest":
//   {"serial": "text", "result": {...}, "resultPort": 1024, "resultDelayMs": 0,
//    "exitAfterMs": 100, "crashAfterMs": -1, "ignoreShutdown": false, "shellEcho": false,
//    "forwards": [{"hostPort": 18080, "echo": true} | {"hostPort": 18080, "target": "127.0.0.1:8080"}]}
#include "core/files.hpp"
#include "core/json.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
namespace json = hvsup::json;

namespace {

std::atomic<bool> shutdown_requested{false};

extern "C" void on_term(int)
{
    shutdown_requested = true;
}

std::string service_id(uint32_t port)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%08x-facb-11e6-bd58-64006a7986d3", port);
    return buf;
}

std::optional<int> read_port_file(const fs::path& file)
{
    std::ifstream in(file);
    int port = 0;
    if (!(in >> port) || port <= 0 || port > 65535) return std::nullopt;
    return port;
}

int connect_loopback(int port)
{
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// Reads the port file and connects, retrying every 50 ms until `limit`.
int connect_via(const fs::path& port_file, std::chrono::milliseconds limit)
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        if (auto port = read_port_file(port_file)) {
            int fd = connect_loopback(*port);
            if (fd >= 0) return fd;
        }
        if (std::chrono::steady_clock::now() >= deadline) return -1;
        std::this_thread::sleep_for(50ms);
    }
}

bool write_all(int fd, const std::string& data)
{
    size_t off = 0;
    while (off < data.size()) {
        const ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
        if (n <= 0) return false;
        off += static_cast<size_t>(n);
    }
    return true;
}

void pump(int from, int to)
{
    char buf[16384];
    for (;;) {
        const ssize_t n = ::recv(from, buf, sizeof buf, 0);
        if (n <= 0) break;
        if (!write_all(to, std::string(buf, static_cast<size_t>(n)))) break;
    }
    ::shutdown(to, SHUT_WR);
}

struct Listener {
    int fd = -1;
    fs::path port_file;
};

Listener listen_guest(const fs::path& emulation, const std::string& vm, uint32_t port)
{
    Listener l;
    l.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (l.fd < 0 || ::bind(l.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(l.fd, 16) != 0) {
        std::cerr << "guest: listen for port " << port << " failed\n";
        return Listener{};
    }
    socklen_t len = sizeof addr;
    ::getsockname(l.fd, reinterpret_cast<sockaddr*>(&addr), &len);
    l.port_file = emulation / vm / "guest" / (service_id(port) + ".port");
    hvsup::files::ensure_private_dir(l.port_file.parent_path());
    hvsup::files::write_atomic(l.port_file, std::to_string(ntohs(addr.sin_port)) + "\n");
    return l;
}

void serve(Listener l, bool echo, std::string target)
{
    for (;;) {
        int c = ::accept4(l.fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) return;
        std::thread([c, echo, target] {
            if (echo) {
                pump(c, c);
            } else {
                const auto colon = target.rfind(':');
                const int port = colon == std::string::npos ? 0 : std::atoi(target.c_str() + colon + 1);
                int t = port > 0 ? connect_loopback(port) : -1;
                if (t >= 0) {
                    std::thread back([c, t] { pump(t, c); });
                    pump(c, t);
                    back.join();
                    ::close(t);
                }
            }
            ::close(c);
        }).detach();
    }
}

std::string cmdline_value(const std::string& cmdline, const std::string& key)
{
    std::istringstream in(cmdline);
    std::string token;
    while (in >> token) {
        if (token.rfind(key + "=", 0) == 0) return token.substr(key.size() + 1);
    }
    return {};
}

// The "guest" member of the script for `id` (or the default script); {} when none.
json::object guest_script_peek(const fs::path& sim_dir, const std::string& id)
{
    for (const fs::path& f : {sim_dir / "scripts" / (id + ".json"), sim_dir / "scripts" / "default.json"}) {
        if (auto text = hvsup::files::read_if_exists(f, 16u << 20)) {
            json::value v = json::parse(*text, f.string());
            if (const json::object* g = json::read_object(json::as_object(v, "script"), "guest", "guest")) return *g;
            return {};
        }
    }
    return {};
}

int64_t member_int(const json::object& o, const char* key, int64_t fallback)
{
    if (json::find(o, key) == nullptr) return fallback;
    return json::read_int(o, key, key, -1, INT64_MAX);
}

}  // namespace

int main(int argc, char** argv)
{
    fs::path sim_dir;
    std::string id;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--sim-dir")
            sim_dir = argv[i + 1];
        else if (flag == "--id")
            id = argv[i + 1];
    }
    if (sim_dir.empty() || id.empty()) {
        std::cerr << "usage: hvsup-sim-guest --sim-dir DIR --id ID\n";
        return 2;
    }
    struct sigaction sa {};
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);

    try {
        auto record_text = hvsup::files::read_if_exists(sim_dir / "systems" / (id + ".json"), 16u << 20);
        if (!record_text) {
            std::cerr << "guest " << id << ": no compute system record\n";
            return 3;
        }
        const json::value record = json::parse(*record_text, "record");
        const json::object& rec = record.get_object();
        const std::string runtime_id = json::read_string(rec, "RuntimeId", "RuntimeId");
        const json::object& doc = json::as_object(*json::find(rec, "Document"), "Document");
        const json::object* vm = json::read_object(doc, "VirtualMachine", "VirtualMachine");
        const json::object* chipset = vm ? json::read_object(*vm, "Chipset", "Chipset") : nullptr;
        std::string cmdline;
        if (chipset != nullptr) {
            if (const json::object* kd = json::read_object(*chipset, "LinuxKernelDirect", "kd")) {
                cmdline = json::read_string(*kd, "KernelCmdLine", "KernelCmdLine");
            } else if (const json::object* uefi = json::read_object(*chipset, "Uefi", "Uefi")) {
                if (const json::object* boot = json::read_object(*uefi, "BootThis", "BootThis")) {
                    cmdline = json::read_string(*boot, "OptionalData", "OptionalData");
                }
            }
        }
        std::string pipe;
        if (const json::object* devices = vm ? json::read_object(*vm, "Devices", "Devices") : nullptr) {
            if (const json::object* ports = json::read_object(*devices, "ComPorts", "ComPorts")) {
                if (const json::object* com1 = json::read_object(*ports, "0", "0"))
                    pipe = json::read_string(*com1, "NamedPipe", "NamedPipe");
            }
        }

        const json::object guest = guest_script_peek(sim_dir, id);
        // Boot only once the host reported the start complete (a VM runs after power-on);
        // give up waiting after 10 s, or stop when the system is gone.
        for (int i = 0; i < 1000; ++i) {
            auto text = hvsup::files::read_if_exists(sim_dir / "systems" / (id + ".json"), 16u << 20);
            if (!text) return 0;
            const json::value now = json::parse(*text, "record");
            if (json::read_bool(now.get_object(), "StartCompleted", "StartCompleted")) break;
            if (shutdown_requested &&
                !json::read_bool(guest_script_peek(sim_dir, id), "ignoreShutdown", "ignoreShutdown")) {
                hvsup::files::write_atomic(sim_dir / "exits" / (id + ".json"), "{\"ExitType\":\"GracefulExit\"}\n");
                return 0;
            }
            std::this_thread::sleep_for(10ms);
        }
        std::cerr << "guest " << id << " (" << runtime_id << ") booting: " << cmdline << "\n";

        const char* e = std::getenv("HVSUP_HVSOCK_EMULATION_DIR");
        const fs::path emulation = e != nullptr ? fs::path(e) : fs::path();

        int serial = -1;
        const std::string prefix = "\\\\.\\pipe\\";
        if (!pipe.empty() && !emulation.empty()) {
            const std::string name = pipe.rfind(prefix, 0) == 0 ? pipe.substr(prefix.size()) : pipe;
            serial = connect_via(emulation / "pipes" / (name + ".port"), 2000ms);
            if (serial >= 0) {
                write_all(serial, "hvsup-sim-guest: Linux version 6.12.22-sim (simulated)\n");
                write_all(serial, "Kernel command line: " + cmdline + "\n");
                write_all(serial, json::read_string(guest, "serial", "serial"));
            } else {
                std::cerr << "guest: serial pipe " << pipe << " is not served\n";
            }
        }

        std::vector<fs::path> port_files;
        if (!emulation.empty()) {
            if (const json::array* forwards = json::read_array(guest, "forwards", "forwards")) {
                for (const auto& f : *forwards) {
                    const json::object& fo = json::as_object(f, "forwards[]");
                    const auto port = static_cast<uint32_t>(json::read_int(fo, "hostPort", "hostPort", 1, 65535));
                    Listener l = listen_guest(emulation, runtime_id, port);
                    if (l.fd < 0) continue;
                    port_files.push_back(l.port_file);
                    std::thread(serve, l, json::read_bool(fo, "echo", "echo"),
                                json::read_string(fo, "target", "target"))
                        .detach();
                }
            }
            const std::string shell = cmdline_value(cmdline, "microagent_shell_port");
            if (json::read_bool(guest, "shellEcho", "shellEcho") && !shell.empty()) {
                Listener l = listen_guest(emulation, runtime_id, static_cast<uint32_t>(std::stoul(shell)));
                if (l.fd >= 0) {
                    port_files.push_back(l.port_file);
                    std::thread(serve, l, true, std::string()).detach();
                }
            }
        }

        const json::value* result = json::find(guest, "result");
        const bool has_result = result != nullptr && !result->is_null();
        const bool ignore_shutdown = json::read_bool(guest, "ignoreShutdown", "ignoreShutdown");
        const int64_t crash_after = member_int(guest, "crashAfterMs", -1);
        const int64_t exit_after = member_int(guest, "exitAfterMs", has_result ? 100 : -1);
        const auto booted = std::chrono::steady_clock::now();

        if (has_result && !emulation.empty()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(member_int(guest, "resultDelayMs", 0)));
            const auto port = static_cast<uint32_t>(member_int(guest, "resultPort", 1024));
            int fd = connect_via(emulation / runtime_id / "host" / (service_id(port) + ".port"), 15000ms);
            if (fd >= 0) {
                write_all(fd, json::compact(*result) + "\n");
                ::shutdown(fd, SHUT_WR);
                char drain[256];
                while (::recv(fd, drain, sizeof drain, 0) > 0) {
                }
                ::close(fd);
                std::cerr << "guest: result delivered to port " << port << "\n";
            } else {
                std::cerr << "guest: result port " << port << " refused for 15s\n";
            }
        }
        const auto result_done = std::chrono::steady_clock::now();

        auto cleanup = [&] {
            for (const auto& f : port_files) {
                std::error_code ec;
                fs::remove(f, ec);
            }
        };
        for (;;) {
            const auto now = std::chrono::steady_clock::now();
            if (crash_after >= 0 && now - booted >= std::chrono::milliseconds(crash_after)) {
                std::cerr << "guest: crashing as scripted\n";
                cleanup();
                return 1;
            }
            const bool timer = exit_after >= 0 && now - result_done >= std::chrono::milliseconds(exit_after);
            const bool asked = shutdown_requested && !ignore_shutdown;
            if (timer || asked) {
                if (serial >= 0) {
                    write_all(serial, "reboot: Power down\n");
                    ::close(serial);
                }
                cleanup();
                hvsup::files::write_atomic(sim_dir / "exits" / (id + ".json"), "{\"ExitType\":\"GracefulExit\"}\n");
                std::cerr << "guest: powered off (" << (asked ? "shutdown request" : "workload finished") << ")\n";
                return 0;
            }
            std::this_thread::sleep_for(10ms);
        }
    } catch (const std::exception& ex) {
        std::cerr << "guest " << id << ": " << ex.what() << "\n";
        return 4;
    }
}
