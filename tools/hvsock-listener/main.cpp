// SPDX-License-Identifier: MIT
// hvsock-listener: serves Hyper-V socket bridges outside the supervisor process.
//  - For a detached `start`: --state-dir D --name ID reads D/ID/runtime.json and serves the
//    runtime's detached services until the runtime stops (or SIGTERM).
//  - Standalone: --forward and --vsock describe the bridges on the command line.
// Diagnostics go to --log-file (capped and rotated, repeats collapsed: log_sink.hpp), else to
// stderr; the supervisor passes its hvsock-listener.log and also appends stderr there.
#include "compute_system_watch.hpp"
#include "log_sink.hpp"
#include "process_setup.hpp"
#include "runtime_spec.hpp"
#include "stop_signal.hpp"

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/time.hpp"
#include "hvsock/emulation_environment.hpp"
#include "hvsock/listener_set.hpp"
#include "hvsock/targets.hpp"
#include "protocol/runtime_dir.hpp"

#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "hvsup_build_config.h"
#include "common/arguments.hpp"

namespace {

using namespace hvsock_listener;
namespace hvsock = hvsup::hvsock;

const char* usage_text =
    "Usage: hvsock-listener --state-dir DIR --name RUNTIME_ID [--serial-pipe NAME]\n"
    "  or:  hvsock-listener [--forward HOST:PORT=VM:PORT]... [--vm VM --vsock PORT=HOST:PORT]...\n"
    "  or:  hvsock-listener --vm VM --serial-pipe NAME --serial-log PATH [--forward ...]... [--vsock ...]...\n"
    "\n"
    "Bridges Hyper-V sockets of a utility VM to the host.\n"
    "\n"
    "With --state-dir and --name, serves the detached services of the runtime recorded in\n"
    "DIR/RUNTIME_ID/runtime.json (its vsock listeners other than the result port, and its port\n"
    "forwards) and exits when the runtime is no longer starting or running, or on SIGTERM.\n"
    "Otherwise serves the bridges given on the command line until SIGTERM or Ctrl+C.\n"
    "\n"
    "Options:\n"
    "  --state-dir DIR          the supervisor state directory\n"
    "  --name ID                the runtime ID\n"
    "  --forward A:P=VM:GP      listen on TCP A:P and connect each client to vsock port GP of VM\n"
    "                           (A defaults to 127.0.0.1 when only P is given); repeatable\n"
    "  --vm GUID                the VM (HCS RuntimeId) for --vsock and --serial-pipe\n"
    "  --vsock PORT=HOST:HP     accept vsock PORT from the VM and connect it to TCP HOST:HP;\n"
    "                           repeatable\n"
    "  --serial-pipe NAME       also serve the COM1 pipe \\\\.\\pipe\\NAME, appending to the serial\n"
    "                           log (with --name: the runtime's serial.log)\n"
    "  --serial-log PATH        the serial log for standalone use\n"
    "  --emulation-dir DIR      use the loopback emulation rooted at DIR (default:\n"
    "                           $HVSUP_HVSOCK_EMULATION_DIR, else AF_HYPERV sockets)\n"
    "  --poll-ms N              how often runtime.json is checked (default 500)\n"
    "  --hcs-library PATH       HCS provider used to notice the compute system exiting (default\n"
    "                           System32 on Windows; without HCS only runtime.json is watched)\n"
    "  --hcs-api API            computecore or vmcompute\n"
    "  --ready-file PATH        once every listener is bound, write \"ready\" here (atomically);\n"
    "                           a supervisor waits for it before starting the VM\n"
    "  --log-file PATH          write diagnostics here instead of stderr, capped at\n"
    "                           $HVSUP_HELPER_LOG_MAX_BYTES (default 1M) and rotated to PATH.1;\n"
    "                           bursts of one repeated line are collapsed\n"
    "  -V, --version            print the version and exit\n"
    "  -h, --help               print this help and exit\n"
    "\n"
    "An option's value may also follow an '=' (--poll-ms=200).\n";

hvsup::Logger stderr_logger()
{
    return hvsup::Logger([](hvsup::LogLevel, std::string_view message) { log_line(message); });
}

struct Args {
    std::string state_dir, name, vm, serial_pipe, serial_log, emulation_dir, ready_file, hcs_library, hcs_api, log_file;
    std::vector<std::string> forwards, vsocks;
    long poll_ms = 500;
};

int usage_error(const std::string& message)
{
    std::fprintf(stderr, "hvsock-listener: %s\nTry 'hvsock-listener --help'.\n", message.c_str());
    return 2;
}

uint32_t parse_port(std::string_view text, uint32_t max, const std::string& what)
{
    unsigned long value = 0;
    if (text.empty() || text.size() > 10) throw std::invalid_argument(what);
    for (char c : text) {
        if (c < '0' || c > '9') throw std::invalid_argument(what);
        value = value * 10 + static_cast<unsigned long>(c - '0');
    }
    if (value == 0 || value > max) throw std::invalid_argument(what);
    return static_cast<uint32_t>(value);
}

// "127.0.0.1:8080=<vm>:80" or "8080=<vm>:80".
// The Hyper-V socket provider: --emulation-dir, else $HVSUP_HVSOCK_EMULATION_DIR (read here, at
// the edge), else AF_HYPERV (empty).
std::filesystem::path emulation_dir(const Args& args)
{
    if (!args.emulation_dir.empty()) return hvsup::files::from_utf8(args.emulation_dir);
    return hvsock::emulation_dir_from_environment();
}

std::pair<std::string, hvsock::PublishedPort> parse_forward(const std::string& text)
{
    const std::string what = "bad --forward " + text + " (want [HOST:]PORT=VM:GUESTPORT)";
    size_t eq = text.find('=');
    if (eq == std::string::npos) throw std::invalid_argument(what);
    std::string listen = text.substr(0, eq);
    std::string guest = text.substr(eq + 1);
    hvsock::PublishedPort p;
    p.protocol = "tcp";
    if (listen.find(':') == std::string::npos) {
        p.host = "127.0.0.1";
        p.host_port = static_cast<uint16_t>(parse_port(listen, 65535, what));
    } else {
        auto hp = hvsock::detail::split_host_port(listen);
        if (!hp || hp->port == 0) throw std::invalid_argument(what);
        p.host = hp->host.empty() ? "127.0.0.1" : hp->host;
        p.host_port = hp->port;
    }
    size_t colon = guest.rfind(':');
    if (colon == std::string::npos || !hvsock::try_parse_guid(guest.substr(0, colon))) throw std::invalid_argument(what);
    p.service_port = parse_port(guest.substr(colon + 1), 0xffffffffu, what);
    return {hvsock::to_string(hvsock::parse_guid(guest.substr(0, colon))), p};
}

hvsock::VsockService parse_vsock(const std::string& text)
{
    const std::string what = "bad --vsock " + text + " (want PORT=HOST:PORT)";
    size_t eq = text.find('=');
    if (eq == std::string::npos) throw std::invalid_argument(what);
    hvsock::VsockService v;
    v.port = parse_port(text.substr(0, eq), 0xffffffffu, what);
    v.target = text.substr(eq + 1);
    if (!hvsock::detail::parse_tcp_target(v.target)) throw std::invalid_argument(what);
    return v;
}

std::vector<std::unique_ptr<hvsock::ListenerSet>> start_runtime(const Args& args, StopSignal& stop)
{
    hvsup::protocol::RuntimeDir dir(args.state_dir, args.name);
    auto state = dir.load();
    if (!state) {
        throw hvsup::Error(hvsup::ErrorCode::not_found,
                           fmt::format("read windows-hyperv runtime state {}: runtime.json does not exist",
                                       hvsup::files::to_utf8(dir.runtime_file())));
    }
    hvsock::ListenerSpec spec = detached_listener_spec(*state, args.state_dir, args.name);
    spec.logger = stderr_logger();
    spec.emulation_dir = emulation_dir(args);
    if (!args.serial_pipe.empty()) {
        spec.serial_pipe = args.serial_pipe;
        spec.serial_log_path = hvsup::files::to_utf8(dir.serial_log());
    }
    std::vector<std::unique_ptr<hvsock::ListenerSet>> sets;
    if (!has_services(spec)) {
        log_line(fmt::format("runtime {} has no detached windows-hyperv services", args.name));
        stop.request_stop("nothing to serve");
        return sets;
    }
    sets.push_back(hvsock::ListenerSet::start(std::move(spec)));
    stop.add_source(runtime_state_source(args.state_dir, args.name, std::chrono::milliseconds(args.poll_ms)));
    stop.add_source(compute_system_source(args.hcs_library, args.hcs_api, state->compute_system_id,
                                          [](const std::string& line) { log_line(line); }));
    return sets;
}

std::vector<std::unique_ptr<hvsock::ListenerSet>> start_standalone(const Args& args)
{
    // One listener set per VM: forwards may name different VMs.
    std::map<std::string, hvsock::ListenerSpec> by_vm;
    auto spec_for = [&](const std::string& vm) -> hvsock::ListenerSpec& {
        auto& spec = by_vm[vm];
        spec.vm_id = vm;
        spec.logger = stderr_logger();
        spec.emulation_dir = emulation_dir(args);
        return spec;
    };
    for (const auto& f : args.forwards) {
        auto [vm, port] = parse_forward(f);
        spec_for(vm).published_ports.push_back(port);
    }
    if ((!args.vsocks.empty() || !args.serial_pipe.empty()) && args.vm.empty()) {
        throw std::invalid_argument("--vsock and --serial-pipe need --vm");
    }
    if (!args.vm.empty()) {
        if (!hvsock::try_parse_guid(args.vm)) throw std::invalid_argument("bad --vm " + args.vm + " (want a GUID)");
        auto& spec = spec_for(hvsock::to_string(hvsock::parse_guid(args.vm)));
        for (const auto& v : args.vsocks) spec.vsock_listeners.push_back(parse_vsock(v));
        if (!args.serial_pipe.empty()) {
            if (args.serial_log.empty()) throw std::invalid_argument("--serial-pipe needs --serial-log");
            spec.serial_pipe = args.serial_pipe;
            spec.serial_log_path = args.serial_log;
        }
    }
    if (by_vm.empty()) throw std::invalid_argument("nothing to serve: give --state-dir/--name, --forward or --vsock");
    std::vector<std::unique_ptr<hvsock::ListenerSet>> sets;
    for (auto& [vm, spec] : by_vm) sets.push_back(hvsock::ListenerSet::start(std::move(spec)));
    return sets;
}

}  // namespace

int main(int argc, char** argv)
{
    // UTF-8 on Windows too, and the options that take a value also as --name=value
    // (common/arguments.hpp).
    hvsup::tools::Utf8Argv utf8_argv(argc, argv, {"--state-dir", "--name", "--vm", "--forward", "--vsock", "--serial-pipe",
                                                  "--serial-log", "--emulation-dir", "--hcs-library", "--hcs-api", "--ready-file",
                                                  "--log-file", "--poll-ms"});
    argc = utf8_argv.argc();
    argv = utf8_argv.argv();
    Args args;
    std::vector<std::string> argl(argv + 1, argv + argc);
    for (size_t i = 0; i < argl.size(); ++i) {
        const std::string& a = argl[i];
        auto value = [&](std::string& out) -> bool {
            if (i + 1 >= argl.size()) return false;
            out = argl[++i];
            return true;
        };
        std::string v;
        if (a == "--help" || a == "-h") {
            std::fputs(usage_text, stdout);
            return 0;
        } else if (a == "--version" || a == "-V") {
            std::printf("hvsock-listener %s\n", HVSUP_VERSION_STRING);
            return 0;
        } else if (a == "--windows-hyperv-listener") {
            // The reference helper's marker flag; accepted for compatibility.
        } else if (a == "--state-dir") {
            if (!value(args.state_dir)) return usage_error("--state-dir needs a value");
        } else if (a == "--name") {
            if (!value(args.name)) return usage_error("--name needs a value");
        } else if (a == "--vm") {
            if (!value(args.vm)) return usage_error("--vm needs a value");
        } else if (a == "--forward") {
            if (!value(v)) return usage_error("--forward needs a value");
            args.forwards.push_back(v);
        } else if (a == "--vsock") {
            if (!value(v)) return usage_error("--vsock needs a value");
            args.vsocks.push_back(v);
        } else if (a == "--serial-pipe") {
            if (!value(args.serial_pipe)) return usage_error("--serial-pipe needs a value");
        } else if (a == "--serial-log") {
            if (!value(args.serial_log)) return usage_error("--serial-log needs a value");
        } else if (a == "--emulation-dir") {
            if (!value(args.emulation_dir)) return usage_error("--emulation-dir needs a value");
        } else if (a == "--hcs-library") {
            if (!value(args.hcs_library)) return usage_error("--hcs-library needs a value");
        } else if (a == "--hcs-api") {
            if (!value(args.hcs_api)) return usage_error("--hcs-api needs a value");
        } else if (a == "--ready-file") {
            if (!value(args.ready_file)) return usage_error("--ready-file needs a value");
        } else if (a == "--log-file") {
            if (!value(args.log_file)) return usage_error("--log-file needs a value");
        } else if (a == "--poll-ms") {
            if (!value(v)) return usage_error("--poll-ms needs a value");
            try {
                args.poll_ms = std::stol(v);
            } catch (...) {
                return usage_error("bad --poll-ms " + v);
            }
            if (args.poll_ms < 10) return usage_error("bad --poll-ms " + v);
        } else {
            return usage_error("unknown argument " + a);
        }
    }
    const bool runtime_mode = !args.state_dir.empty() || !args.name.empty();
    if (runtime_mode && (args.state_dir.empty() || args.name.empty())) {
        return usage_error("--state-dir and --name go together");
    }
    if (runtime_mode && (!args.forwards.empty() || !args.vsocks.empty())) {
        return usage_error("--forward and --vsock cannot be combined with --state-dir/--name");
    }
    if (runtime_mode && !hvsup::files::is_safe_basename(args.name)) return usage_error("bad --name " + args.name);

    if (!args.log_file.empty()) {
        try {
            open_log_file(hvsup::files::from_utf8(args.log_file));
        } catch (const std::exception& e) {
            log_line(e.what());  // still on stderr
            return 1;
        }
    }
    if (std::string note = prepare_process(); !note.empty()) log_line(note);
    StopSignal stop;
    stop.add_source(signal_source());
    std::vector<std::unique_ptr<hvsock::ListenerSet>> sets;
    try {
        sets = runtime_mode ? start_runtime(args, stop) : start_standalone(args);
    } catch (const std::invalid_argument& e) {
        stop.request_stop("usage error");
        return usage_error(e.what());
    } catch (const std::exception& e) {
        log_line(e.what());
        stop.request_stop("failed");
        return 1;
    }
    if (!sets.empty()) {
        log_line("hvsock-listener serving");
    }
    if (!sets.empty() && !args.ready_file.empty()) {
        try {
            hvsup::files::write_atomic(hvsup::files::from_utf8(args.ready_file),
                                       "ready\n");
        } catch (const std::exception& e) {
            log_line(e.what());
            return 1;
        }
    }
    std::string reason = stop.wait();
    for (auto& s : sets) s->close();
    if (!sets.empty()) log_line("hvsock-listener stopped: " + reason);
    return 0;
}
