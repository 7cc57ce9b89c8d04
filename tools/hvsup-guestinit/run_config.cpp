// SPDX-License-Identifier: MIT
#include "run_config.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cmath>

namespace hvsup::guestinit {

namespace json = boost::json;

namespace {

ConfigError bad(std::string_view key, std::string_view why)
{
    return ConfigError("run.json " + std::string(key) + " " + std::string(why));
}

// The first of `names` present in `o` (aliases: the reference's key first).
const json::value* find(const json::object& o, std::initializer_list<std::string_view> names, std::string_view& used)
{
    for (const auto name : names) {
        if (const auto* v = o.if_contains(name)) {
            used = name;
            return v;
        }
    }
    return nullptr;
}

std::string string_of(const json::value& v, std::string_view key)
{
    if (!v.is_string()) throw bad(key, "must be a string");
    const auto& s = v.get_string();
    if (s.find('\0') != json::string::npos) throw bad(key, "must not contain NUL");
    return std::string(s);
}

std::vector<std::string> strings_of(const json::value& v, std::string_view key)
{
    if (!v.is_array()) throw bad(key, "must be an array of strings");
    std::vector<std::string> out;
    size_t i = 0;
    for (const auto& item : v.get_array()) {
        out.push_back(string_of(item, std::string(key) + "[" + std::to_string(i++) + "]"));
    }
    return out;
}

uint64_t unsigned_of(const json::value& v, std::string_view key, uint64_t max)
{
    uint64_t n = 0;
    if (v.is_uint64())
        n = v.get_uint64();
    else if (v.is_int64() && v.get_int64() >= 0)
        n = static_cast<uint64_t>(v.get_int64());
    else
        throw bad(key, "must be a non-negative integer");
    if (n > max) throw bad(key, "must be at most " + std::to_string(max));
    return n;
}

std::chrono::milliseconds timeout_of(const json::value& v, std::string_view key)
{
    double seconds = 0;
    if (v.is_double())
        seconds = v.get_double();
    else if (v.is_int64())
        seconds = static_cast<double>(v.get_int64());
    else if (v.is_uint64())
        seconds = static_cast<double>(v.get_uint64());
    else
        throw bad(key, "must be a number of seconds");
    // A week bounds the arithmetic; a workload that needs longer can say 0 (no timeout).
    if (!std::isfinite(seconds) || seconds < 0 || seconds > 7 * 24 * 3600.0) {
        throw bad(key, "must be between 0 and 604800 seconds");
    }
    return std::chrono::milliseconds(static_cast<int64_t>(std::ceil(seconds * 1000)));
}

std::vector<DataDisk> mounts_of(const json::value& v)
{
    if (!v.is_array()) throw bad("mounts", "must be an array");
    std::vector<DataDisk> out;
    size_t i = 0;
    for (const auto& item : v.get_array()) {
        const std::string key = "mounts[" + std::to_string(i++) + "]";
        if (!item.is_object()) throw bad(key, "must be an object");
        const auto& o = item.get_object();
        DataDisk d;
        const auto* device = o.if_contains("device");
        const auto* mountpoint = o.if_contains("mountpoint");
        if (device == nullptr || mountpoint == nullptr) throw bad(key, "needs device and mountpoint");
        d.device = string_of(*device, key + ".device");
        d.mountpoint = string_of(*mountpoint, key + ".mountpoint");
        if (d.device.rfind("/dev/", 0) != 0) throw bad(key + ".device", "must be a /dev/ path");
        if (d.mountpoint.size() < 2 || d.mountpoint.front() != '/' || d.mountpoint.find("..") != std::string::npos) {
            throw bad(key + ".mountpoint", "must be an absolute path other than / without ..");
        }
        const auto* mode = o.if_contains("mode");
        d.read_only = parse_mount_mode(d.mountpoint, mode == nullptr ? "rw" : string_of(*mode, key + ".mode"));
        out.push_back(std::move(d));
    }
    return out;
}

std::vector<HostForward> forwards_of(const json::value& v)
{
    if (!v.is_array()) throw bad("hostForwards", "must be an array");
    std::vector<HostForward> out;
    size_t i = 0;
    for (const auto& item : v.get_array()) {
        const std::string key = "hostForwards[" + std::to_string(i++) + "]";
        if (!item.is_object()) throw bad(key, "must be an object");
        const auto& o = item.get_object();
        HostForward f;
        if (const auto* p = o.if_contains("protocol"); p != nullptr) f.protocol = string_of(*p, key + ".protocol");
        const auto* host = o.if_contains("hostPort");
        const auto* guest = o.if_contains("guestPort");
        if (host == nullptr || guest == nullptr) throw bad(key, "needs hostPort and guestPort");
        f.host_port = static_cast<uint16_t>(unsigned_of(*host, key + ".hostPort", 65535));
        f.guest_port = static_cast<uint16_t>(unsigned_of(*guest, key + ".guestPort", 65535));
        if (f.host_port == 0) throw bad(key + ".hostPort", "must be a positive uint16");
        if (f.guest_port == 0) throw bad(key + ".guestPort", "must be a positive uint16");
        out.push_back(std::move(f));
    }
    return out;
}

}  // namespace

RunConfig parse_run_config(std::string_view json_text)
{
    boost::system::error_code ec;
    const json::value doc = json::parse(json_text, ec);
    if (ec) throw ConfigError("run.json is not valid JSON: " + ec.message());
    if (!doc.is_object()) throw ConfigError("run.json must be a JSON object");
    const auto& o = doc.get_object();
    RunConfig r;
    std::string_view key;

    const auto* command = find(o, {"command", "argv"}, key);
    if (command == nullptr) throw ConfigError("run.json command is required");
    r.argv = strings_of(*command, key);
    if (r.argv.empty() || r.argv.front().empty()) throw bad(key, "must name a program");

    if (const auto* v = find(o, {"env"}, key); v != nullptr && !v->is_null()) {
        r.env = strings_of(*v, key);
        for (size_t i = 0; i < r.env.size(); ++i) {
            const size_t eq = r.env[i].find('=');
            if (eq == std::string::npos || eq == 0) throw bad("env[" + std::to_string(i) + "]", "must be KEY=VALUE");
        }
    }
    if (const auto* v = find(o, {"workingDir", "cwd"}, key); v != nullptr) {
        r.working_dir = string_of(*v, key);
        if (!r.working_dir.empty() && r.working_dir.front() != '/') throw bad(key, "must be an absolute path");
    }
    if (const auto* v = find(o, {"user"}, key); v != nullptr) r.user = string_of(*v, key);
    if (const auto* v = find(o, {"uid"}, key); v != nullptr)
        r.uid = static_cast<uint32_t>(unsigned_of(*v, key, 0xfffffffe));
    if (const auto* v = find(o, {"gid"}, key); v != nullptr)
        r.gid = static_cast<uint32_t>(unsigned_of(*v, key, 0xfffffffe));
    if (const auto* v = find(o, {"timeoutSeconds", "timeout"}, key); v != nullptr) r.timeout = timeout_of(*v, key);
    if (const auto* v = find(o, {"port"}, key); v != nullptr)
        r.result_port = static_cast<uint16_t>(unsigned_of(*v, key, 65535));
    if (const auto* v = find(o, {"mode"}, key); v != nullptr) {
        r.mode = string_of(*v, key);
        if (r.mode != "" && r.mode != "service" && r.mode != "managed-service") {
            throw bad(key, "must be \"\", \"service\" or \"managed-service\" (got \"" + r.mode + "\")");
        }
    }
    if (const auto* v = find(o, {"mounts"}, key); v != nullptr && !v->is_null()) r.mounts = mounts_of(*v);
    if (const auto* v = find(o, {"hostname"}, key); v != nullptr) r.hostname = string_of(*v, key);
    if (const auto* v = find(o, {"hostForwards"}, key); v != nullptr && !v->is_null())
        r.host_forwards = forwards_of(*v);
    return r;
}

uint16_t salvage_result_port(std::string_view json_text) noexcept
{
    try {
        boost::system::error_code ec;
        const json::value doc = json::parse(json_text, ec);
        if (ec || !doc.is_object()) return default_result_port;
        const auto* port = doc.get_object().if_contains("port");
        if (port == nullptr) return default_result_port;
        return static_cast<uint16_t>(unsigned_of(*port, "port", 65535));
    } catch (...) {
        return default_result_port;
    }
}

}  // namespace hvsup::guestinit
