// SPDX-License-Identifier: MIT
#include "protocol/runtime_dir.hpp"

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/json.hpp"
#include "protocol/codec.hpp"
#include "protocol/event_history.hpp"

#include <fmt/format.h>

#include <system_error>

namespace hvsup::protocol {
namespace {

constexpr size_t max_runtime_file_bytes = 16u << 20;

}  // namespace

RuntimeDir::RuntimeDir(const std::string& state_dir, const std::string& runtime_id)
    : state_dir_(files::from_utf8(state_dir).make_preferred()),
      dir_((files::from_utf8(state_dir) / files::from_utf8(runtime_id)).make_preferred())
{
}

void RuntimeDir::require_trusted() const
{
    files::require_trusted_dir(state_dir_, files::DirTrust::state_dir);
    files::require_trusted_dir(dir_, files::DirTrust::runtime_dir);
}

std::filesystem::path RuntimeDir::file(std::string_view name) const { return dir_ / files::from_utf8(name); }

bool RuntimeDir::exists() const
{
    std::error_code ec;
    return std::filesystem::is_directory(std::filesystem::symlink_status(dir_, ec));
}

std::optional<RuntimeState> RuntimeDir::load() const
{
    const auto path = runtime_file();
    auto content = files::read_state_file(path, max_runtime_file_bytes);
    known_runtime_json_ = content.value_or(std::string());
    if (!content) return std::nullopt;
    try {
        json::value v = json::parse(*content, "runtime state");
        return decode_runtime_state(json::as_object(v, "runtime state"));
    } catch (const Error& e) {
        throw Error(ErrorCode::integrity, fmt::format("runtime state {} is malformed ({}); it was left untouched",
                                                      files::to_utf8(path), e.what()));
    }
}

std::vector<Event> RuntimeDir::events() const { return read_event_history(events_file()); }

RuntimeState RuntimeDir::record(const Transition& t)
{
    const std::string& id = t.identity.runtime_id;
    if (t.guard != Transition::Guard::none && !exists()) {
        throw Error(ErrorCode::not_found, fmt::format("workspace {} was deleted while this command ran", id));
    }
    require_trusted();
    files::ensure_private_dir(dir_);
    files::FileLock lock(file("events.json.lock"));

    const std::string expected = t.expected_runtime_json;
    const std::optional<RuntimeState> previous = load();
    if (t.guard == Transition::Guard::exists && !previous) {
        throw Error(ErrorCode::not_found, fmt::format("workspace {} was deleted while this command ran", id));
    }
    if (t.guard == Transition::Guard::unchanged && known_runtime_json_ != expected) {
        const std::string now_state = previous ? fmt::format("{}: {}", previous->event.state, previous->event.detail)
                                               : std::string("deleted");
        throw Error(ErrorCode::conflict,
                    fmt::format("workspace {} was changed by another command while this one ran (now {})", id, now_state));
    }
    RuntimeState s;
    s.event = Event{t.identity, t.state, t.detail, t.at};
    if (t.config) s.config = *t.config;
    else if (previous) s.config = previous->config;

    auto carry = [&](const std::string& given, std::string RuntimeState::*field) {
        s.*field = !given.empty() ? given : (previous && !t.reset_ids ? (*previous).*field : std::string());
    };
    carry(t.compute_system_id, &RuntimeState::compute_system_id);
    carry(t.compute_system_runtime_id, &RuntimeState::compute_system_runtime_id);
    carry(t.network_id, &RuntimeState::network_id);
    carry(t.network_endpoint_id, &RuntimeState::network_endpoint_id);
    if (t.listener_pid) {
        s.vsock_listener_pid = *t.listener_pid;
        s.vsock_listener_start_time = *t.listener_pid != 0 ? t.listener_start_time : 0;
    } else if (previous && !t.reset_ids) {
        s.vsock_listener_pid = previous->vsock_listener_pid;
        s.vsock_listener_start_time = previous->vsock_listener_start_time;
    }

    s.serial_log_path = files::to_utf8(serial_log());
    if (s.config.serial_input) s.serial_input_path = files::to_utf8(serial_input());
    if (t.state == state::starting || t.state == state::running) s.started_at = t.at;
    s.updated_at = t.at;
    s.readiness = recorded_readiness(t.state, s.config.serial_input, t.at);
    s.error = t.error;

    files::touch_private_file(serial_log());
    if (s.config.serial_input) files::touch_private_file(serial_input());
    // History first: a crash after this point leaves the newest event recorded, never lost.
    append_event(events_file(), s.event);
    files::write_atomic(event_file(), json::pretty(encode(s.event, TimePrecision::seconds)) + "\n");
    std::string text = json::pretty(encode(s)) + "\n";
    files::write_atomic(runtime_file(), text);
    known_runtime_json_ = std::move(text);
    return s;
}

void RuntimeDir::remove() const { files::remove_tree(dir_); }

void RuntimeDir::remove_except(std::string_view keep) const
{
    // The files that say what the runtime is go first, newest view first (runtime.json, then
    // event.json, then the history behind them), so every prefix of this order leaves a
    // directory that reads as deleted and never as a state without its history.
    const std::vector<std::filesystem::path> first = {runtime_file(), event_file(), events_file()};
    for (const auto& file : first) files::remove_tree(file);
    std::error_code ec;
    std::vector<std::filesystem::path> entries;
    for (std::filesystem::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().filename() != files::from_utf8(keep)) entries.push_back(it->path());
    }
    if (ec && ec != std::errc::no_such_file_or_directory) throw system_error(ec.value(), "list " + files::to_utf8(dir_));
    for (const auto& entry : entries) files::remove_tree(entry);
}

RuntimeReadiness recorded_readiness(const std::string& state, bool serial_input, Timestamp at)
{
    RuntimeReadiness r;
    if (state == state::running) {
        r.guest_ready = ReadinessSignal{true, at, "windows-hyperv compute system started", {}};
        if (serial_input) r.shell_ready = ReadinessSignal{true, at, "windows-hyperv shell socket is available", {}};
    }
    return r;
}

}  // namespace hvsup::protocol
