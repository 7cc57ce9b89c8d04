// SPDX-License-Identifier: MIT
// The compute-system operations of the simulated host: what each entry point does to the
// persistent state, synchronously. The export files decide how the outcome is reported.
#include "host.hpp"

#include "codes.hpp"
#include "core/error.hpp"
#include "guest/boot.hpp"
#include "validate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <random>

namespace hvsup::sim {
namespace {

bool is_guid(const std::string& s)
{
    if (s.size() != 36) return false;
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') return false;
        } else if (!std::isxdigit(static_cast<unsigned char>(c))) {
            return false;
        }
    }
    return true;
}

std::string new_guid()
{
    std::random_device rd;
    std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
    uint64_t a = gen();
    uint64_t b = gen();
    a = (a & 0xFFFFFFFFFFFF0FFFull) | 0x0000000000004000ull;
    b = (b & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;
    return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", static_cast<uint32_t>(a >> 32),
                       static_cast<uint32_t>((a >> 16) & 0xFFFF), static_cast<uint32_t>(a & 0xFFFF),
                       static_cast<uint32_t>(b >> 48), b & 0xFFFFFFFFFFFFull);
}

std::string lower(std::string s)
{
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

Outcome Host::create(const std::string& id, const std::string& configuration)
{
    if (!is_valid_id(id)) return fail(e_invalidarg, fmt::format("compute system id {} is not valid", json::quote(id)));
    const Script s = script(id);
    if (s.fail_create) return fail(*s.fail_create, "create failed (scripted)");
    if (s.service_disconnect == "create")
        return fail(hcs_service_disconnect, "lost communication with compute service (scripted)");
    HostLimits limits;
    limits.processors = s.host_processors;
    limits.architecture = s.architecture;
    if (!s.schema_versions.empty()) {
        auto best = *std::max_element(s.schema_versions.begin(), s.schema_versions.end());
        limits.max_schema_major = best.first;
        limits.max_schema_minor = best.second;
    }
    json::value document;
    if (auto bad = validate_document(configuration, limits, document)) return fail(bad->hresult, bad->message);
    auto reg_owner = registry();
    Registry& reg = *reg_owner;
    auto lock = reg.lock();
    auto existing = reg.load(id);
    if (existing && existing->state == "Running" && !guest_alive(existing->guest_pid)) {
        reg.remove(id);  // a dead guest nobody reaped: the id is free again
        existing.reset();
    }
    if (existing) return fail(hcs_already_exists, fmt::format("compute system {} already exists", id));
    SystemRecord r;
    r.id = id;
    r.runtime_id = is_guid(id) ? lower(id) : new_guid();
    r.owner =
        document.get_object().contains("Owner") ? std::string(document.get_object().at("Owner").get_string()) : "";
    r.state = "Created";
    r.document = document;
    reg.clear_exit_files(id);
    reg.save(r);
    return Outcome{};
}

Outcome Host::open(const std::string& id)
{
    const Script s = script(id);
    if (s.fail_open) return fail(*s.fail_open, "open failed (scripted)");
    if (!is_valid_id(id)) return fail(hcs_not_found, fmt::format("compute system {} does not exist", id));
    refresh(id);
    if (!registry()->load(id)) return fail(hcs_not_found, fmt::format("compute system {} does not exist", id));
    return Outcome{};
}

Outcome Host::start(Handle* h)
{
    auto reg_owner = registry();
    Registry& reg = *reg_owner;
    const Script s = script(h->id);
    std::string runtime_id;
    {
        auto lock = reg.lock();
        auto record = reg.load(h->id);
        if (!record)
            return fail(h->exited ? hcs_invalid_state : hcs_not_found,
                        fmt::format("compute system {} does not exist", h->id));
        if (record->state != "Created")
            return fail(hcs_invalid_state, fmt::format("compute system {} is {}", h->id, record->state));
        if (s.fail_start) return fail(*s.fail_start, "start failed (scripted)");
        // The boot mode needs root and loop devices: without them the start fails at once,
        // saying why, rather than starting a VM that never answers.
        if (json::read_bool(s.guest, "boot", "guest.boot")) {
            if (const std::string why = guest::boot_unavailable(); !why.empty())
                return fail(static_cast<int32_t>(0x80004005u), why);  // E_FAIL
        }
        if (s.service_disconnect == "start")
            return fail(hcs_service_disconnect, "lost communication with compute service (scripted)");
        std::vector<std::string> needs_access = boot_files(record->document);
        for (const auto& disk : attached_disks(record->document)) needs_access.push_back(disk);
        for (const auto& path : needs_access) {
            if (!reg.granted({record->runtime_id, record->id}, path)) {
                return fail(e_accessdenied, fmt::format("the VM was not granted access to {}", path));
            }
        }
        if (s.unexpected_exit_during_start) {
            reg.remove(h->id);
            reg.write_tombstone(h->id, "UnexpectedExit");
            runtime_id = record->runtime_id;
        } else {
            record->guest_pid = spawn_guest(reg.dir(), h->id, reg.guest_log(h->id));
            record->state = "Running";
            record->start_completed = !s.pending;  // a synchronous start is complete on return
            reg.save(*record);
        }
    }
    if (s.unexpected_exit_during_start) {
        announce_exit(h->id, "UnexpectedExit");
        return fail(hcs_terminated_during_start, "the virtual machine exited unexpectedly while starting (scripted)");
    }
    schedule_disconnect_if_scripted(h);
    return Outcome{};
}

Outcome Host::shutdown(Handle* h)
{
    auto reg_owner = registry();
    Registry& reg = *reg_owner;
    const Script s = script(h->id);
    refresh(h->id);
    auto lock = reg.lock();
    auto record = reg.load(h->id);
    if (!record) {
        if (h->exited) return fail(hcs_already_stopped, fmt::format("compute system {} is not running", h->id));
        return fail(hcs_not_found, fmt::format("compute system {} does not exist", h->id));
    }
    if (record->state != "Running")
        return fail(hcs_invalid_state, fmt::format("compute system {} is {}", h->id, record->state));
    if (s.fail_shutdown) return fail(*s.fail_shutdown, "shutdown failed (scripted)");
    record->stop_request = "shutdown";
    reg.save(*record);
    signal_guest(record->guest_pid, false);
    return Outcome{};
}

Outcome Host::terminate(Handle* h)
{
    auto reg_owner = registry();
    Registry& reg = *reg_owner;
    const Script s = script(h->id);
    refresh(h->id);
    int64_t pid = 0;
    {
        auto lock = reg.lock();
        auto record = reg.load(h->id);
        if (!record) {
            if (h->exited) return fail(hcs_already_stopped, fmt::format("compute system {} is not running", h->id));
            return fail(hcs_not_found, fmt::format("compute system {} does not exist", h->id));
        }
        if (s.fail_terminate) return fail(*s.fail_terminate, "terminate failed (scripted)");
        if (record->state != "Running") {
            reg.remove(h->id);
            reg.clear_exit_files(h->id);
            reg.write_tombstone(h->id, "ForcedExit");
        } else {
            record->stop_request = "terminate";
            reg.save(*record);
            pid = record->guest_pid;
            signal_guest(pid, true);
        }
    }
    if (pid == 0) {
        announce_exit(h->id, "ForcedExit");
        return Outcome{};
    }
    for (int i = 0; i < 500 && guest_alive(pid); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    refresh(h->id);
    return Outcome{};
}

Outcome Host::properties(Handle* h, const std::string& query)
{
    if (!query.empty()) {
        boost::json::error_code ec;
        auto q = boost::json::parse(query, ec);
        if (ec || !q.is_object()) return fail(hcs_invalid_json, "the property query is not a JSON object");
    }
    refresh(h->id);
    json::object p;
    p["Id"] = h->id;
    p["SystemType"] = "VirtualMachine";
    p["Name"] = h->id;
    auto record = registry()->load(h->id);
    if (record) {
        p["Owner"] = record->owner;
        p["RuntimeId"] = record->runtime_id;
        p["State"] = record->state;
        p["Stopped"] = false;
        return Outcome{0, json::compact(p)};
    }
    if (!h->exited) return fail(hcs_not_found, fmt::format("compute system {} does not exist", h->id));
    p["RuntimeId"] = h->runtime_id;
    p["State"] = "Stopped";
    p["Stopped"] = true;
    p["ExitType"] = h->exit_type;
    return Outcome{0, json::compact(p)};
}

Outcome Host::grant(const std::string& vm_id, const std::string& path)
{
    const Script s = script(vm_id);
    if (s.fail_grant) return fail(*s.fail_grant, "grant failed (scripted)");
    std::error_code ec;
    if (vm_id.empty() || path.empty()) return fail(e_invalidarg, "vm id and path are required");
    if (!std::filesystem::exists(path, ec)) return fail(e_file_not_found, fmt::format("{} was not found", path));
    auto reg_owner = registry();
    Registry& reg = *reg_owner;
    auto lock = reg.lock();
    reg.add_grant(vm_id, path);
    return Outcome{};
}

Outcome Host::service_properties(const std::string& query)
{
    boost::json::error_code ec;
    auto q = boost::json::parse(query, ec);
    if (ec || !q.is_object()) return fail(hcs_invalid_json, "the property query is not a JSON object");
    const Script s = script("");
    const json::value* types = q.is_object() ? json::find(q.get_object(), "PropertyTypes") : nullptr;
    if (types != nullptr && types->is_array() && !types->get_array().empty() &&
        types->get_array().front() == "ProcessorTopology") {
        return Outcome{0, json::compact(json::object{
                              {"Properties", json::array{json::object{{"LogicalProcessorCount", s.host_processors}}}}})};
    }
    json::array versions;
    for (const auto& [major, minor] : s.schema_versions)
        versions.push_back(json::object{{"Major", major}, {"Minor", minor}});
    json::object basic{{"SupportedSchemaVersions", versions}};
    return Outcome{0, json::compact(json::object{{"Properties", json::array{basic}}})};
}

}  // namespace hvsup::sim
