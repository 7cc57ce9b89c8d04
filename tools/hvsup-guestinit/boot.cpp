// SPDX-License-Identifier: MIT
#include "boot.hpp"

#include "accounts.hpp"
#include "console.hpp"
#include "dhcp_client.hpp"
#include "kernel_cmdline.hpp"
#include "mounts.hpp"
#include "network.hpp"
#include "port_proxy.hpp"
#include "result.hpp"
#include "run_config.hpp"
#include "shell_service.hpp"
#include "vsock.hpp"
#include "workload.hpp"

#include <cerrno>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <unistd.h>

namespace hvsup::guestinit {

namespace {

// Whole file, or nullopt when it cannot be opened.
std::optional<std::string> read_text(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string under_root(const std::string& root, const std::string& path)
{
    return root == "/" ? path : root + path;
}

// The transport keys are read on their own, before the full parse: a command line that fails
// to parse must still leave a way to deliver that failure.
std::unique_ptr<VsockTransport> choose_transport(const BootOptions& o, const std::string& cmdline)
{
    std::string dir = o.emulation_dir;
    std::string vm = o.vm_id;
    std::string netns = o.emulation_netns;
    if (dir.empty()) {
        for (const auto& word : split_kernel_cmdline(cmdline)) {
            const std::string value = word.substr(word.find('=') + 1);
            if (word.rfind("microagent_vsock_emulation_dir=", 0) == 0) dir = value;
            if (word.rfind("microagent_vm_id=", 0) == 0) vm = value;
            if (word.rfind("microagent_vsock_emulation_netns=", 0) == 0) netns = value;
        }
    }
    if (dir.empty()) {
        if (!netns.empty()) throw ConfigError("microagent_vsock_emulation_netns needs microagent_vsock_emulation_dir");
        return make_af_vsock_transport();
    }
    return make_emulation_transport(dir, vm, netns);
}

bool send_result(VsockTransport* transport, uint16_t port, Result result)
{
    if (port == 0) {
        say("result port is 0: no result is delivered");
        return true;
    }
    if (transport == nullptr) {
        say("no vsock transport: the result cannot be delivered");
        return false;
    }
    const std::string payload = encode_result(std::move(result));
    const std::string failed = deliver(*transport, port, payload);
    if (!failed.empty()) {
        say("deliver result: " + failed);
        return false;
    }
    say("result delivered to vsock port " + std::to_string(port) + " (" + std::to_string(payload.size()) + " bytes)");
    return true;
}

// A failure before the workload ran: exit code 127 and the reason (§10).
bool fail_before_workload(VsockTransport* transport, uint16_t port, const std::string& started_at,
                          const std::string& why)
{
    say(why);
    Result r;
    r.started_at = started_at;
    r.exited_at = now_rfc3339();
    r.exit_code = 127;
    r.error = why;
    send_result(transport, port, std::move(r));
    return false;
}

bool boot_steps(const BootOptions& o)
{
    const std::string started_at = now_rfc3339();
    if (o.as_init) {
        const auto failures = mount_base();
        attach_console();
        for (const auto& failure : failures) say(failure);
    }

    const auto cmdline = read_text(o.cmdline_file);
    std::unique_ptr<VsockTransport> transport;
    std::string transport_error;
    try {
        transport = choose_transport(o, cmdline.value_or(""));
    } catch (const std::exception& e) {
        transport_error = std::string("vsock transport: ") + e.what();
    }
    if (transport) say("vsock transport: " + transport->describe());

    const std::string run_path = under_root(o.root, "/etc/microagent/run.json");
    const auto run_text = read_text(run_path);
    uint16_t port = run_text ? salvage_result_port(*run_text) : default_result_port;

    if (!transport_error.empty()) return fail_before_workload(nullptr, port, started_at, transport_error);
    if (!cmdline)
        return fail_before_workload(transport.get(), port, started_at, "read " + o.cmdline_file + ": cannot open");
    KernelConfig kernel;
    try {
        kernel = parse_kernel_cmdline(*cmdline);
    } catch (const std::exception& e) {
        return fail_before_workload(transport.get(), port, started_at, std::string("kernel command line: ") + e.what());
    }
    if (kernel.result_port) port = *kernel.result_port;
    if (!run_text) return fail_before_workload(transport.get(), port, started_at, "read " + run_path + ": cannot open");
    RunConfig run;
    Identity identity;
    try {
        run = parse_run_config(*run_text);
        if (!kernel.result_port) port = run.result_port;
        identity = resolve_identity(run, read_text(under_root(o.root, "/etc/passwd")).value_or(""));
    } catch (const std::exception& e) {
        return fail_before_workload(transport.get(), port, started_at, e.what());
    }

    std::vector<DataDisk> disks = kernel.disks;
    disks.insert(disks.end(), run.mounts.begin(), run.mounts.end());
    if (o.as_init) {
        try {
            mount_disks(disks);
        } catch (const std::exception& e) {
            return fail_before_workload(transport.get(), port, started_at, e.what());
        }
        if (const auto why = bring_up_loopback(); !why.empty()) say(why);
        // The host gave this address for the workload to be reached or to reach out: running
        // without it would fail later and less clearly.
        if (kernel.network) {
            if (auto why = configure_static_network(*kernel.network); !why.empty())
                return fail_before_workload(transport.get(), port, started_at, why);
        } else if (kernel.dhcp) {
            // Hyper-V's first synthetic NIC; the host writes ip=dhcp for bridged networking.
            if (auto why = configure_dhcp_network("eth0"); !why.empty())
                return fail_before_workload(transport.get(), port, started_at, why);
        }
        if (!run.hostname.empty() && ::sethostname(run.hostname.data(), run.hostname.size()) != 0) {
            say("set hostname " + run.hostname + ": " + error_text(errno));
        }
    } else if (!disks.empty()) {
        say("test mode: " + std::to_string(disks.size()) + " data disk mount(s) skipped");
    }

    std::optional<PortProxy> proxy;
    if (!run.host_forwards.empty()) {
        try {
            proxy.emplace(*transport, run.host_forwards);
        } catch (const std::exception& e) {
            return fail_before_workload(transport.get(), port, started_at, e.what());
        }
    }

    // The shell is served whatever the mode: it is how the host reaches a running guest.
    std::optional<ShellService> shell;
    if (kernel.shell_port != 0) {
        try {
            shell.emplace(*transport, kernel.shell_port, "/bin/sh",
                          workload_environment(Identity{0, 0, "/root", "root"}, {}));
        } catch (const std::exception& e) {
            return fail_before_workload(transport.get(), port, started_at, e.what());
        }
    }

    WorkloadSpec spec;
    spec.argv = run.argv;
    spec.env = workload_environment(identity, run.env);
    spec.working_dir = run.working_dir.empty() ? "/" : run.working_dir;
    spec.identity = identity;
    spec.timeout = run.timeout;
    say("running " + run.argv.front() + " as " + std::to_string(identity.uid) + ":" + std::to_string(identity.gid));
    WorkloadOutcome out = run_workload(spec);
    if (!out.error.empty()) say(out.error);
    if (out.started) say("workload exited with code " + std::to_string(out.exit_code));
    // Published ports live as long as the workload: a VM powers off after it anyway.
    if (proxy) proxy->stop();
    if (shell) shell->stop();
    reap_ended_children();

    Result r;
    r.started_at = out.started_at;
    r.exited_at = out.exited_at;
    r.exit_code = out.exit_code;
    r.stdout_data = std::move(out.stdout_data);
    r.stderr_data = std::move(out.stderr_data);
    r.stdout_truncated = out.stdout_truncated;
    r.stderr_truncated = out.stderr_truncated;
    r.error = out.error;
    const bool delivered = send_result(transport.get(), port, std::move(r));
    return delivered && out.started;
}

}  // namespace

bool boot(const BootOptions& options) noexcept
{
    try {
        return boot_steps(options);
    } catch (const std::exception& e) {
        say(std::string("unexpected failure: ") + e.what());
    } catch (...) {
        say("unexpected failure");
    }
    return false;
}

}  // namespace hvsup::guestinit
