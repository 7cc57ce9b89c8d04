// SPDX-License-Identifier: MIT
#include "protocol/codec.hpp"

#include "core/native_machine.hpp"

namespace hvsup::protocol {
namespace {

using json::array;
using json::object;

void put_if(object& o, std::string_view key, const std::string& s)
{
    if (!s.empty()) o[key] = s;
}

void put_if(object& o, std::string_view key, int64_t n)
{
    if (n != 0) o[key] = n;
}

void put_if(object& o, std::string_view key, bool b)
{
    if (b) o[key] = true;
}

void put_if(object& o, std::string_view key, const std::vector<std::string>& list)
{
    if (list.empty()) return;
    array a;
    for (const auto& s : list) a.emplace_back(s);
    o[key] = std::move(a);
}

void put_time(object& o, std::string_view key, const std::optional<Timestamp>& t)
{
    if (t) o[key] = format_rfc3339_nano(*t);
}

}  // namespace

json::value encode(const Identity& id)
{
    object o;
    o["requestID"] = id.request_id;
    o["runtimeID"] = id.runtime_id;
    o["role"] = id.role;
    o["backend"] = id.backend;
    put_if(o, "homeHash", id.home_hash);
    return o;
}

json::value encode(const NetworkConfig& n)
{
    object o;
    put_if(o, "mode", n.mode);
    put_if(o, "interface", n.interface_name);
    if (!n.port_forwards.empty()) {
        array forwards;
        for (const auto& f : n.port_forwards) {
            object fo;
            put_if(fo, "protocol", f.protocol);
            put_if(fo, "host", f.host);
            fo["hostPort"] = f.host_port;
            fo["guestPort"] = f.guest_port;
            forwards.emplace_back(std::move(fo));
        }
        o["portForwards"] = std::move(forwards);
    }
    put_if(o, "dns", n.dns);
    put_if(o, "routes", n.routes);
    put_if(o, "ip", n.ip);
    put_if(o, "subnet", n.subnet);
    put_if(o, "gateway", n.gateway);
    return o;
}

json::value encode(const Config& c)
{
    object o;
    o["kernelPath"] = c.kernel_path;
    o["rootfsPath"] = c.rootfs_path;
    put_if(o, "stateDir", c.state_dir);
    put_if(o, "memoryMiB", c.memory_mib);
    put_if(o, "cpuCount", c.cpu_count);
    if (!c.disks.empty()) {
        array disks;
        for (const auto& d : c.disks) {
            disks.emplace_back(object{{"name", d.name}, {"path", d.path}, {"mountpoint", d.mountpoint}, {"mode", d.mode}});
        }
        o["disks"] = std::move(disks);
    }
    if (!c.vsock_listeners.empty()) {
        array listeners;
        for (const auto& l : c.vsock_listeners) listeners.emplace_back(object{{"port", l.port}, {"target", l.target}});
        o["vsockListeners"] = std::move(listeners);
    }
    if (c.mediation) {
        object m;
        m["enabled"] = c.mediation->enabled;
        m["required"] = c.mediation->required;
        put_if(m, "port", static_cast<int64_t>(c.mediation->port));
        put_if(m, "target", c.mediation->target);
        m["failClosed"] = c.mediation->fail_closed;
        o["mediation"] = std::move(m);
    }
    if (c.network) o["network"] = encode(*c.network);
    put_if(o, "shellPort", static_cast<int64_t>(c.shell_port));
    put_if(o, "execPort", static_cast<int64_t>(c.exec_port));
    put_if(o, "guestShellPort", static_cast<int64_t>(c.guest_shell_port));
    put_if(o, "guestExecPort", static_cast<int64_t>(c.guest_exec_port));
    put_if(o, "serialInput", c.serial_input);
    put_if(o, "timeoutSeconds", c.timeout_seconds);
    return o;
}

json::value encode(const Event& e, TimePrecision precision)
{
    object o;
    o["identity"] = encode(e.identity);
    o["state"] = e.state;
    put_if(o, "detail", e.detail);
    o["observedAt"] = precision == TimePrecision::seconds ? format_rfc3339(e.observed_at)
                                                          : format_rfc3339_nano(e.observed_at);
    return o;
}

json::value encode(const ReadinessSignal& s)
{
    object o;
    o["ready"] = s.ready;
    put_time(o, "observedAt", s.observed_at);
    put_if(o, "detail", s.detail);
    put_if(o, "error", s.error);
    return o;
}

json::value encode(const RuntimeReadiness& r)
{
    object o;
    o["guestReady"] = encode(r.guest_ready);
    o["shellReady"] = encode(r.shell_ready);
    o["resultReady"] = encode(r.result_ready);
    o["mediationReady"] = encode(r.mediation_ready);
    return o;
}

json::value encode(const RuntimeResult& r)
{
    object o;
    o["identity"] = encode(r.identity);
    put_if(o, "backend", r.backend);
    put_if(o, "resultPath", r.result_path);
    put_time(o, "startedAt", r.started_at);
    put_time(o, "completedAt", r.completed_at);
    o["exitCode"] = r.exit_code;
    put_if(o, "stdout", r.stdout_text);
    put_if(o, "stderr", r.stderr_text);
    put_if(o, "error", r.error);
    return o;
}

json::value encode(const HostSupport& h)
{
    object o;
    put_if(o, "backend", h.backend);
    put_if(o, "architecture", h.architecture);
    o["frameworkAvailable"] = h.framework_available;
    o["virtualizationSupported"] = h.virtualization_supported;
    put_if(o, "supervisorPath", h.supervisor_path);
    put_if(o, "supervisorAvailable", h.supervisor_available);
    put_if(o, "guestInitPath", h.guest_init_path);
    put_if(o, "guestInitAvailable", h.guest_init_available);
    put_if(o, "binaryPath", h.binary_path);
    put_if(o, "binaryVersion", h.binary_version);
    put_if(o, "vsockAvailable", h.vsock_available);
    o["consoleAvailable"] = h.console_available;
    put_if(o, "consoleMode", h.console_mode);
    put_if(o, "userNetworkingAvailable", h.user_networking_available);
    put_if(o, "hcsApi", h.hcs_api);
    return o;
}

json::value encode(const KernelSupport& k)
{
    object o;
    put_if(o, "backend", k.backend);
    put_if(o, "architecture", k.architecture);
    put_if(o, "path", k.path);
    put_if(o, "status", k.status);
    put_if(o, "sha256", k.sha256);
    put_if(o, "error", k.error);
    return o;
}

json::value encode(const Response& r)
{
    object o;
    o["ok"] = r.ok;
    put_if(o, "backend", r.backend);
    if (r.event) o["event"] = encode(*r.event, TimePrecision::nanoseconds);
    if (r.host) o["host"] = encode(*r.host);
    if (r.kernel) o["kernel"] = encode(*r.kernel);
    if (r.readiness) o["readiness"] = encode(*r.readiness);
    if (r.result) o["result"] = encode(*r.result);
    put_if(o, "error", r.error);
    return o;
}

std::string encode_response_text(const Response& response) { return json::pretty(encode(response)) + "\n"; }

const char* host_architecture()
{
    // The host's machine at run time, not the compiler's target (an x64 build on ARM64).
    static const std::string machine = core::native_machine();
    return machine.c_str();
}

}  // namespace hvsup::protocol
