// SPDX-License-Identifier: MIT
#include "core/error.hpp"
#include "protocol/codec.hpp"

#include <fmt/format.h>

#include <limits>

namespace hvsup::protocol {
namespace {

using json::object;

std::string join(std::string_view path, std::string_view key)
{
    return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
}

std::string str(const object& o, std::string_view key, std::string_view path)
{
    return json::read_string(o, key, join(path, key));
}

bool boolean(const object& o, std::string_view key, std::string_view path)
{
    return json::read_bool(o, key, join(path, key));
}

int64_t integer(const object& o, std::string_view key, std::string_view path)
{
    return json::read_int(o, key, join(path, key), std::numeric_limits<int64_t>::min(),
                          std::numeric_limits<int64_t>::max());
}

uint16_t u16(const object& o, std::string_view key, std::string_view path)
{
    return static_cast<uint16_t>(json::read_int(o, key, join(path, key), 0, 65535));
}

uint32_t u32(const object& o, std::string_view key, std::string_view path)
{
    return static_cast<uint32_t>(json::read_int(o, key, join(path, key), 0, 4294967295LL));
}

template <typename T, typename Fn>
std::vector<T> list(const object& o, std::string_view key, std::string_view path, Fn element)
{
    std::vector<T> out;
    const json::array* a = json::read_array(o, key, join(path, key));
    if (a == nullptr) return out;
    for (size_t i = 0; i < a->size(); ++i) {
        out.push_back(element((*a)[i], fmt::format("{}[{}]", join(path, key), i)));
    }
    return out;
}

std::vector<std::string> strings(const object& o, std::string_view key, std::string_view path)
{
    return list<std::string>(o, key, path, [](const json::value& v, const std::string& p) {
        if (!v.is_string()) {
            throw Error(ErrorCode::invalid_argument, fmt::format("{}: expected a string", p));
        }
        return std::string(v.get_string());
    });
}

std::optional<Timestamp> timestamp(const object& o, std::string_view key, std::string_view path)
{
    std::string text = str(o, key, path);
    if (text.empty()) return std::nullopt;
    auto t = parse_rfc3339(text);
    if (!t) {
        throw Error(ErrorCode::invalid_argument,
                    fmt::format("{}: {} is not an RFC 3339 timestamp", join(path, key), json::quote(text)));
    }
    return t;
}

NetworkConfig decode_network(const object& o, std::string_view path)
{
    NetworkConfig n;
    n.mode = str(o, "mode", path);
    n.interface_name = str(o, "interface", path);
    n.port_forwards = list<PortForward>(o, "portForwards", path, [](const json::value& v, const std::string& p) {
        const object& f = json::as_object(v, p);
        PortForward pf;
        pf.protocol = str(f, "protocol", p);
        pf.host = str(f, "host", p);
        pf.host_port = u16(f, "hostPort", p);
        pf.guest_port = u16(f, "guestPort", p);
        return pf;
    });
    n.dns = strings(o, "dns", path);
    n.routes = strings(o, "routes", path);
    n.ip = str(o, "ip", path);
    n.subnet = str(o, "subnet", path);
    n.gateway = str(o, "gateway", path);
    return n;
}

ReadinessSignal decode_signal(const object* o, std::string_view path)
{
    ReadinessSignal s;
    if (o == nullptr) return s;
    s.ready = boolean(*o, "ready", path);
    s.observed_at = timestamp(*o, "observedAt", path);
    s.detail = str(*o, "detail", path);
    s.error = str(*o, "error", path);
    return s;
}

}  // namespace

Identity decode_identity(const object& o, std::string_view path)
{
    Identity id;
    id.request_id = str(o, "requestID", path);
    id.runtime_id = str(o, "runtimeID", path);
    id.role = str(o, "role", path);
    id.backend = str(o, "backend", path);
    id.home_hash = str(o, "homeHash", path);
    return id;
}

Config decode_config(const object& o, std::string_view path)
{
    Config c;
    c.kernel_path = str(o, "kernelPath", path);
    c.rootfs_path = str(o, "rootfsPath", path);
    c.state_dir = str(o, "stateDir", path);
    c.memory_mib = integer(o, "memoryMiB", path);
    c.cpu_count = integer(o, "cpuCount", path);
    c.disks = list<Disk>(o, "disks", path, [](const json::value& v, const std::string& p) {
        const object& d = json::as_object(v, p);
        return Disk{str(d, "name", p), str(d, "path", p), str(d, "mountpoint", p), str(d, "mode", p)};
    });
    c.vsock_listeners = list<VsockListener>(o, "vsockListeners", path, [](const json::value& v, const std::string& p) {
        const object& l = json::as_object(v, p);
        return VsockListener{u32(l, "port", p), str(l, "target", p)};
    });
    if (const object* m = json::read_object(o, "mediation", join(path, "mediation"))) {
        const std::string mp = join(path, "mediation");
        Mediation med;
        med.enabled = boolean(*m, "enabled", mp);
        med.required = boolean(*m, "required", mp);
        med.port = u32(*m, "port", mp);
        med.target = str(*m, "target", mp);
        med.fail_closed = boolean(*m, "failClosed", mp);
        c.mediation = med;
    }
    if (const object* n = json::read_object(o, "network", join(path, "network"))) {
        c.network = decode_network(*n, join(path, "network"));
    }
    c.shell_port = u16(o, "shellPort", path);
    c.exec_port = u16(o, "execPort", path);
    c.guest_shell_port = u16(o, "guestShellPort", path);
    c.guest_exec_port = u16(o, "guestExecPort", path);
    c.serial_input = boolean(o, "serialInput", path);
    c.timeout_seconds = integer(o, "timeoutSeconds", path);
    return c;
}

Request decode_request(std::string_view text)
{
    if (text.size() > max_request_bytes) {
        throw Error(ErrorCode::invalid_argument, fmt::format("request exceeds {} bytes", max_request_bytes));
    }
    json::ParseOptions options;
    options.fold_keys = true;
    options.max_values = max_request_values;
    json::value v = json::parse(text, "request", options);
    try {
        const object& o = json::as_object(v, "request");
        Request r;
        r.command = json::read_string(o, "command", "command");
        if (const object* id = json::read_object(o, "identity", "identity")) {
            r.identity = decode_identity(*id, "identity");
        }
        if (const object* cfg = json::read_object(o, "config", "config")) {
            r.config = decode_config(*cfg, "config");
        }
        return r;
    } catch (const Error& e) {
        throw Error(ErrorCode::invalid_argument, fmt::format("decode request: {}", e.what()));
    }
}

Event decode_event(const object& o, std::string_view path)
{
    Event e;
    if (const object* id = json::read_object(o, "identity", join(path, "identity"))) {
        e.identity = decode_identity(*id, join(path, "identity"));
    }
    e.state = str(o, "state", path);
    e.detail = str(o, "detail", path);
    if (auto t = timestamp(o, "observedAt", path)) e.observed_at = *t;
    return e;
}

RuntimeReadiness decode_readiness(const object& o, std::string_view path)
{
    RuntimeReadiness r;
    r.guest_ready = decode_signal(json::read_object(o, "guestReady", join(path, "guestReady")), join(path, "guestReady"));
    r.shell_ready = decode_signal(json::read_object(o, "shellReady", join(path, "shellReady")), join(path, "shellReady"));
    r.result_ready = decode_signal(json::read_object(o, "resultReady", join(path, "resultReady")), join(path, "resultReady"));
    r.mediation_ready = decode_signal(json::read_object(o, "mediationReady", join(path, "mediationReady")), join(path, "mediationReady"));
    return r;
}

}  // namespace hvsup::protocol
