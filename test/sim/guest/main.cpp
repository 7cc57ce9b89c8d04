// SPDX-License-Identifier: MIT
// hvsup-sim-guest: the "VM" of a started simulated compute system. It follows the guest
// contract (microagent-protocol.md §10) as the test scripts it, over the Hyper-V socket
// emulation transport (loopback TCP + port files under HVSUP_HVSOCK_EMULATION_DIR):
//   - reads the kernel command line from the compute-system document,
//   - connects to the COM1 pipe and writes boot text (POSIX: E/pipes/<name>.port; Windows: the
//     real named pipe \\.\pipe\<name>, see platform.hpp),
//   - serves scripted published ports (guest listener per hostPort: echo or TCP proxy),
//   - delivers the scripted result (snake_case JSON + "\n") to the host result port,
//   - powers off after a delay, on a shutdown request (SIGTERM; on Windows the record's
//     StopRequest) unless told to ignore it, or crashes.
// Script: HVSUP_SIM_DIR/scripts/<id>.json (else default.json), member "guest":
//   {"serial": "text", "result": {...}, "resultPort": 1024, "resultDelayMs": 0,
//    "serialFloodBytes": 0,
//    "exitAfterMs": 100, "crashAfterMs": -1, "panicAfterMs": -1, "ignoreShutdown": false, "shellEcho": false,
//    "forwards": [{"hostPort": 18080, "echo": true} | {"hostPort": 18080, "target": "127.0.0.1:8080"}]}
// or {"boot": true}: no script, the image's own init runs (guest/boot.hpp, test/sim/README.md).
#include "core/files.hpp"
#include "core/json.hpp"
#include "guest/boot.hpp"
#include "guest/net.hpp"
#include "guest/platform.hpp"
#include "common/arguments.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
namespace json = hvsup::json;
using namespace hvsup::sim::guest;

namespace {

std::atomic<bool> shutdown_requested{false};

std::string service_id(uint32_t port)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%08x-facb-11e6-bd58-64006a7986d3", port);
    return buf;
}

void pump(tcp::socket& from, tcp::socket& to)
{
    char buf[16384];
    for (;;) {
        boost::system::error_code ec;
        const size_t n = from.read_some(asio::buffer(buf), ec);
        if (n == 0 || ec) break;
        if (!write_all(to, std::string(buf, n))) break;
    }
    boost::system::error_code ignored;
    to.shutdown(tcp::socket::shutdown_send, ignored);
}

struct Listener {
    std::shared_ptr<tcp::acceptor> acceptor;
    fs::path port_file;
};

Listener listen_guest(const fs::path& emulation, const std::string& vm, uint32_t port)
{
    Listener l;
    try {
        l.acceptor = std::make_shared<tcp::acceptor>(io(), tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    } catch (const std::exception& e) {
        std::cerr << "guest: listen for port " << port << " failed: " << e.what() << "\n";
        return Listener{};
    }
    l.port_file = emulation / vm / "guest" / (service_id(port) + ".port");
    hvsup::files::ensure_private_dir(l.port_file.parent_path());
    hvsup::files::write_atomic(l.port_file, std::to_string(l.acceptor->local_endpoint().port()) + "\n");
    return l;
}

void serve(Listener l, bool echo, std::string target)
{
    for (;;) {
        auto c = std::make_shared<tcp::socket>(io());
        boost::system::error_code ec;
        l.acceptor->accept(*c, ec);
        if (ec) return;
        std::thread([c, echo, target] {
            if (echo) {
                pump(*c, *c);
            } else {
                const auto colon = target.rfind(':');
                const int port = colon == std::string::npos ? 0 : std::atoi(target.c_str() + colon + 1);
                auto t = port > 0 ? connect_loopback(port) : nullptr;
                if (t) {
                    std::thread back([c, t] { pump(*t, *c); });
                    pump(*c, *t);
                    back.join();
                }
            }
            boost::system::error_code ignored;
            c->close(ignored);
        }).detach();
    }
}

// Ends the guest without running destructors: detached threads still block in accept() on
// sockets of the shared io_context, as a powered-off VM's services simply vanish.
[[noreturn]] void power_off(int code)
{
    std::cerr.flush();
    std::cout.flush();
    std::_Exit(code);
}

// Whether a panicking kernel resets: panic=N with N != 0 (panic=-1 at once). Without it Linux
// spins forever after the panic message.
bool panic_resets(const std::string& cmdline, const std::string& value)
{
    return !value.empty() && value != "0" && cmdline.find(" panic=" + value) != std::string::npos;
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

// The SCSI disks in /dev/sdX order: controllers, then their attachments, by number.
std::vector<BootDisk> scsi_disks(const json::object* devices)
{
    std::vector<BootDisk> out;
    const json::object* scsi = devices != nullptr ? json::read_object(*devices, "Scsi", "Scsi") : nullptr;
    if (scsi == nullptr) return out;
    auto numbered = [](const json::object& o) {
        std::vector<std::pair<unsigned long, const json::value*>> v;
        for (const auto& m : o) v.emplace_back(std::stoul(std::string(m.key())), &m.value());
        std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        return v;
    };
    for (const auto& [c, controller] : numbered(*scsi)) {
        const json::object* attachments =
            json::read_object(json::as_object(*controller, "Scsi"), "Attachments", "Attachments");
        if (attachments == nullptr) continue;
        for (const auto& [n, a] : numbered(*attachments)) {
            const json::object& ao = json::as_object(*a, "Attachments");
            out.push_back(BootDisk{hvsup::files::from_utf8(json::read_string(ao, "Path", "Path")),
                                   json::read_bool(ao, "ReadOnly", "ReadOnly")});
        }
    }
    return out;
}

// The boot mode: the image's init runs until it powers off (an exit the host records like the
// scripted guest's), resets (boots again, unless StopOnReset), or dies (a crash).
int boot_for_real(const fs::path& sim_dir, const std::string& id, BootPlan plan, bool stop_on_reset)
{
    try {
        for (;;) {
            const BootEnd end = boot_image(plan, shutdown_requested);
            if (end == BootEnd::crashed) return 1;
            if (end == BootEnd::reset && !stop_on_reset && !shutdown_requested) continue;
            hvsup::files::write_atomic(sim_dir / "exits" / (id + ".json"), "{\"ExitType\":\"GracefulExit\"}\n");
            std::cerr << "guest: the init powered off\n";
            return 0;
        }
    } catch (const std::exception& e) {
        std::cerr << "guest " << id << ": " << e.what() << "\n";
        return 4;
    }
}

}  // namespace

int run(const fs::path& sim_dir, const std::string& id)
{
    watch_shutdown(sim_dir, id, shutdown_requested);

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
        // A reset with StopOnReset ends the VM (a guest reboot becomes an exit); without it
        // the VM boots again.
        const bool stop_on_reset = vm != nullptr && json::read_bool(*vm, "StopOnReset", "StopOnReset");
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
        const fs::path emulation = e != nullptr ? hvsup::files::from_utf8(e) : fs::path();

        if (json::read_bool(guest, "boot", "boot")) {
            BootPlan plan;
            plan.vm_id = runtime_id;
            plan.cmdline = cmdline;
            plan.disks = scsi_disks(vm ? json::read_object(*vm, "Devices", "Devices") : nullptr);
            plan.emulation = emulation;
            const std::string prefix = "\\\\.\\pipe\\";
            plan.pipe_name = pipe.rfind(prefix, 0) == 0 ? pipe.substr(prefix.size()) : pipe;
            plan.state_dir = sim_dir / "boot" / id;
            return boot_for_real(sim_dir, id, std::move(plan), stop_on_reset);
        }

        std::unique_ptr<SerialPort> serial;
        const std::string prefix = "\\\\.\\pipe\\";
        if (!pipe.empty()) {
            const std::string name = pipe.rfind(prefix, 0) == 0 ? pipe.substr(prefix.size()) : pipe;
            serial = open_serial(name, emulation, 2000ms);
            if (serial) {
                serial->write("hvsup-sim-guest: Linux version 6.12.22-sim (simulated)\n");
                serial->write("Kernel command line: " + cmdline + "\n");
                serial->write(json::read_string(guest, "serial", "serial"));
                // A guest flooding COM1 (the serial.log cap's test): N bytes of console noise.
                int64_t flood = member_int(guest, "serialFloodBytes", 0);
                const std::string chunk(64 * 1024 - 1, 'F');
                while (flood > 0) {
                    const size_t n = static_cast<size_t>(std::min<int64_t>(flood, static_cast<int64_t>(chunk.size())));
                    if (!serial->write(chunk.substr(0, n - 1) + "\n")) break;
                    flood -= static_cast<int64_t>(n);
                }
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
                    if (!l.acceptor) continue;
                    port_files.push_back(l.port_file);
                    std::thread(serve, l, json::read_bool(fo, "echo", "echo"),
                                json::read_string(fo, "target", "target"))
                        .detach();
                }
            }
            const std::string shell = cmdline_value(cmdline, "microagent_shell_port");
            if (json::read_bool(guest, "shellEcho", "shellEcho") && !shell.empty()) {
                Listener l = listen_guest(emulation, runtime_id, static_cast<uint32_t>(std::stoul(shell)));
                if (l.acceptor) {
                    port_files.push_back(l.port_file);
                    std::thread(serve, l, true, std::string()).detach();
                }
            }
        }

        const json::value* result = json::find(guest, "result");
        const bool has_result = result != nullptr && !result->is_null();
        const bool ignore_shutdown = json::read_bool(guest, "ignoreShutdown", "ignoreShutdown");
        const int64_t crash_after = member_int(guest, "crashAfterMs", -1);
        const int64_t panic_after = member_int(guest, "panicAfterMs", -1);
        bool panicked = false;
        const int64_t exit_after = member_int(guest, "exitAfterMs", has_result ? 100 : -1);
        const auto booted = std::chrono::steady_clock::now();

        if (has_result && !emulation.empty()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(member_int(guest, "resultDelayMs", 0)));
            const auto port = static_cast<uint32_t>(member_int(guest, "resultPort", 1024));
            auto socket = connect_via(emulation / runtime_id / "host" / (service_id(port) + ".port"), 15000ms);
            if (socket) {
                write_all(*socket, json::compact(*result) + "\n");
                boost::system::error_code ec;
                socket->shutdown(tcp::socket::shutdown_send, ec);
                char drain[256];
                while (!ec && socket->read_some(asio::buffer(drain), ec) > 0) {
                }
                socket->close(ec);
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
            if (!panicked && panic_after >= 0 && now - booted >= std::chrono::milliseconds(panic_after)) {
                panicked = true;
                if (serial) serial->write("Kernel panic - not syncing: hvsup-sim-guest: scripted panic\n");
                const bool resets = panic_resets(cmdline, cmdline_value(cmdline, "panic"));
                if (resets && stop_on_reset) {
                    // The reset is the VM's end: HCS reports the exit like a power-off.
                    if (serial) serial->write("reboot: Restarting system\n");
                    cleanup();
                    hvsup::files::write_atomic(sim_dir / "exits" / (id + ".json"), "{\"ExitType\":\"GracefulExit\"}\n");
                    std::cerr << "guest: panicked and reset; StopOnReset ends the VM\n";
                    return 0;
                }
                // No reset (the kernel spins) or a reset without StopOnReset (the VM boots
                // again and again): either way it never finishes nor answers a shutdown.
                std::cerr << "guest: panicked; " << (resets ? "rebooting without StopOnReset" : "no panic= reset, hanging")
                          << "\n";
            }
            const bool timer = !panicked && exit_after >= 0 && now - result_done >= std::chrono::milliseconds(exit_after);
            const bool asked = shutdown_requested && !ignore_shutdown && !panicked;
            if (timer || asked) {
                if (serial) {
                    serial->write("reboot: Power down\n");
                    serial.reset();
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

int main(int argc, char** argv)
{
    const std::vector<std::string> args = hvsup::tools::utf8_arguments(argc, argv);
    fs::path sim_dir;
    std::string id;
    for (size_t i = 1; i + 1 < args.size(); i += 2) {
        if (args[i] == "--sim-dir")
            sim_dir = hvsup::files::from_utf8(args[i + 1]);
        else if (args[i] == "--id")
            id = args[i + 1];
    }
    if (sim_dir.empty() || id.empty()) {
        std::cerr << "usage: hvsup-sim-guest --sim-dir DIR --id ID\n";
        return 2;
    }
    power_off(run(sim_dir, id));
}
