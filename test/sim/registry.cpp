// SPDX-License-Identifier: MIT
#include "registry.hpp"

#include "core/error.hpp"
#include "host.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>

namespace hvsup::sim {
namespace {

std::optional<int32_t> read_hresult(const json::object& o, std::string_view key)
{
    const json::value* v = json::find(o, key);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (v->is_int64()) return static_cast<int32_t>(static_cast<uint32_t>(v->get_int64()));
    if (v->is_uint64()) return static_cast<int32_t>(static_cast<uint32_t>(v->get_uint64()));
    if (v->is_string()) {
        const std::string s(v->get_string());
        return static_cast<int32_t>(static_cast<uint32_t>(std::stoul(s, nullptr, 0)));
    }
    throw Error(ErrorCode::invalid_argument, fmt::format("sim script: {} must be an HRESULT", key));
}

std::optional<json::object> read_json_object(const std::filesystem::path& file)
{
    auto text = files::read_if_exists(file, 16u << 20);
    if (!text) return std::nullopt;
    json::value v = json::parse(*text, file.string());
    if (!v.is_object()) return std::nullopt;
    return v.get_object();
}

}  // namespace

bool is_valid_id(const std::string& id)
{
    return files::is_safe_basename(id) && id.find_first_of(" \t\r\n") == std::string::npos;
}

std::filesystem::path Registry::directory()
{
    const char* dir = std::getenv("HVSUP_SIM_DIR");
    if (dir == nullptr || *dir == '\0') {
        throw Error(ErrorCode::unsupported, "HVSUP_SIM_DIR is not set: the HCS simulator has no host directory");
    }
    return std::filesystem::path(dir);
}

Registry::Registry(std::filesystem::path dir) : dir_(std::move(dir))
{
    for (const char* sub : {"systems", "exited", "exits", "scripts", "guests"}) files::ensure_private_dir(dir_ / sub);
}

files::FileLock Registry::lock() const
{
    return files::FileLock(dir_ / "lock");
}

std::filesystem::path Registry::system_file(const std::string& id) const
{
    return dir_ / "systems" / (id + ".json");
}

std::optional<SystemRecord> Registry::load(const std::string& id) const
{
    if (!is_valid_id(id)) return std::nullopt;
    auto o = read_json_object(system_file(id));
    if (!o) return std::nullopt;
    SystemRecord r;
    r.id = json::read_string(*o, "Id", "Id");
    r.runtime_id = json::read_string(*o, "RuntimeId", "RuntimeId");
    r.owner = json::read_string(*o, "Owner", "Owner");
    r.state = json::read_string(*o, "State", "State");
    r.guest_pid = json::read_int(*o, "GuestPid", "GuestPid", 0, INT32_MAX);
    r.stop_request = json::read_string(*o, "StopRequest", "StopRequest");
    r.start_completed = json::read_bool(*o, "StartCompleted", "StartCompleted");
    if (const json::value* d = json::find(*o, "Document")) r.document = *d;
    return r;
}

void Registry::save(const SystemRecord& r) const
{
    json::object o;
    o["Id"] = r.id;
    o["RuntimeId"] = r.runtime_id;
    o["Owner"] = r.owner;
    o["State"] = r.state;
    o["GuestPid"] = r.guest_pid;
    o["StopRequest"] = r.stop_request;
    o["StartCompleted"] = r.start_completed;
    o["Document"] = r.document;
    files::write_atomic(system_file(r.id), json::pretty(o) + "\n");
}

void Registry::remove(const std::string& id) const
{
    std::error_code ec;
    std::filesystem::remove(system_file(id), ec);
}

std::vector<SystemRecord> Registry::all() const
{
    std::vector<SystemRecord> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir_ / "systems", ec)) {
        const auto name = entry.path().filename().string();
        if (name.size() <= 5 || name.substr(name.size() - 5) != ".json") continue;
        if (auto r = load(name.substr(0, name.size() - 5))) out.push_back(std::move(*r));
    }
    return out;
}

void Registry::write_tombstone(const std::string& id, const std::string& exit_type) const
{
    files::write_atomic(dir_ / "exited" / (id + ".json"), json::compact(json::object{{"ExitType", exit_type}}) + "\n");
}

std::optional<std::string> Registry::tombstone(const std::string& id) const
{
    if (!is_valid_id(id)) return std::nullopt;
    auto o = read_json_object(dir_ / "exited" / (id + ".json"));
    if (!o) return std::nullopt;
    return json::read_string(*o, "ExitType", "ExitType");
}

void Registry::clear_exit_files(const std::string& id) const
{
    std::error_code ec;
    std::filesystem::remove(dir_ / "exited" / (id + ".json"), ec);
    std::filesystem::remove(dir_ / "exits" / (id + ".json"), ec);
}

std::optional<std::string> Registry::guest_exit_type(const std::string& id) const
{
    auto o = read_json_object(dir_ / "exits" / (id + ".json"));
    if (!o) return std::nullopt;
    std::string t = json::read_string(*o, "ExitType", "ExitType");
    return t.empty() ? std::string("GracefulExit") : t;
}

void Registry::add_grant(const std::string& vm_id, const std::string& path) const
{
    const auto file = dir_ / "grants.json";
    json::array grants;
    if (auto text = files::read_if_exists(file, 16u << 20)) {
        json::value v = json::parse(*text, "grants.json");
        if (v.is_array()) grants = v.get_array();
    }
    grants.push_back(json::object{{"VmId", vm_id}, {"Path", path}});
    files::write_atomic(file, json::pretty(grants) + "\n");
}

bool Registry::granted(const std::vector<std::string>& vm_ids, const std::string& path) const
{
    auto text = files::read_if_exists(dir_ / "grants.json", 16u << 20);
    if (!text) return false;
    json::value v = json::parse(*text, "grants.json");
    if (!v.is_array()) return false;
    std::error_code ec;
    const auto want = std::filesystem::weakly_canonical(path, ec);
    for (const auto& g : v.get_array()) {
        if (!g.is_object()) continue;
        const auto vm = json::read_string(g.get_object(), "VmId", "VmId");
        const auto p = json::read_string(g.get_object(), "Path", "Path");
        bool vm_ok = false;
        for (const auto& id : vm_ids) {
            if (!id.empty() && id == vm) vm_ok = true;
        }
        if (!vm_ok) continue;
        if (p == path || std::filesystem::weakly_canonical(p, ec) == want) return true;
    }
    return false;
}

Script Registry::script(const std::string& id) const
{
    std::optional<json::object> o;
    if (is_valid_id(id)) o = read_json_object(dir_ / "scripts" / (id + ".json"));
    if (!o) o = read_json_object(dir_ / "scripts" / "default.json");
    Script s;
    s.schema_versions = {{2, 0}, {2, 1}, {2, 2}, {2, 3}, {2, 4}, {2, 5}};
    if (!o) return s;
    const std::string completion = json::read_string(*o, "completion", "completion");
    if (completion == "sync") s.pending = false;
    if (json::find(*o, "delayMs") != nullptr) s.delay_ms = json::read_int(*o, "delayMs", "delayMs", 0, 600000);
    if (const json::object* fail = json::read_object(*o, "fail", "fail")) {
        s.fail_create = read_hresult(*fail, "create");
        s.fail_start = read_hresult(*fail, "start");
        s.fail_shutdown = read_hresult(*fail, "shutdown");
        s.fail_terminate = read_hresult(*fail, "terminate");
        s.fail_grant = read_hresult(*fail, "grant");
        s.fail_open = read_hresult(*fail, "open");
    }
    s.service_disconnect = json::read_string(*o, "serviceDisconnect", "serviceDisconnect");
    if (json::find(*o, "disconnectAfterMs") != nullptr) {
        s.disconnect_after_ms = json::read_int(*o, "disconnectAfterMs", "disconnectAfterMs", 0, 600000);
    }
    s.unexpected_exit_during_start = json::read_bool(*o, "unexpectedExitDuringStart", "unexpectedExitDuringStart");
    if (const json::array* versions = json::read_array(*o, "schemaVersions", "schemaVersions")) {
        s.schema_versions.clear();
        for (const auto& v : *versions) {
            const auto& vo = json::as_object(v, "schemaVersions[]");
            s.schema_versions.emplace_back(static_cast<int32_t>(json::read_int(vo, "Major", "Major", 0, 100)),
                                           static_cast<int32_t>(json::read_int(vo, "Minor", "Minor", 0, 100)));
        }
    }
    if (json::find(*o, "hostProcessors") != nullptr) {
        s.host_processors = json::read_int(*o, "hostProcessors", "hostProcessors", 1, 4096);
    }
    if (json::find(*o, "architecture") != nullptr) {
        s.architecture = json::read_string(*o, "architecture", "architecture");
        if (s.architecture != "amd64" && s.architecture != "arm64")
            throw Error(ErrorCode::invalid_argument, "script architecture must be amd64 or arm64");
    }
    if (const json::object* guest = json::read_object(*o, "guest", "guest")) s.guest = *guest;
    return s;
}

void Registry::log_call(const std::string& api, const std::string& call, const std::string& id) const
{
    const std::string line = json::compact(json::object{
                                 {"pid", current_pid()}, {"api", api}, {"call", call}, {"id", id}}) +
                             "\n";
    std::ofstream out(dir_ / "calls.jsonl", std::ios::app | std::ios::binary);
    out << line;
}

std::filesystem::path Registry::guest_log(const std::string& id) const
{
    return dir_ / "guests" / (id + ".log");
}

}  // namespace hvsup::sim
