// SPDX-License-Identifier: MIT
// The state files of one runtime: <stateDir>/<runtimeID>/ (docs/protocol.md, "State files").
// Every transition is written under the runtime's cross-process lock, each file atomically,
// directories 0700 and files 0600 on POSIX.
#pragma once

#include "protocol/runtime_state.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hvsup::protocol {

// One lifecycle transition to record. Empty IDs and an unset config or listener PID are
// carried over from the previous runtime.json (so compute and network IDs survive stops).
struct Transition {
    Identity identity;
    std::string state;
    std::string detail;
    std::optional<Config> config;
    std::string compute_system_id;
    std::string compute_system_runtime_id;
    std::string network_id;
    std::string network_endpoint_id;
    std::optional<int64_t> listener_pid;  // 0 clears the recorded helper PID
    int64_t listener_start_time = 0;      // with listener_pid: the helper's process::start_time
    bool reset_ids = false;               // true: forget recorded compute/network IDs (prepare)
    std::string error;
    Timestamp at{};
    // What must hold, under the state lock, for the transition to be written (docs/security.md,
    // "Command lock"). `exists`: runtime.json is present (a runtime deleted meanwhile is not
    // recreated). `unchanged`: runtime.json is still exactly `expected_runtime_json` (empty
    // text: absent), i.e. no other command recorded since this one last read or wrote it.
    enum class Guard { none, exists, unchanged } guard = Guard::none;
    std::string expected_runtime_json;
};

class RuntimeDir {
public:
    // `state_dir` and `runtime_id` come from a validated request (runtime_id is a safe basename).
    RuntimeDir(const std::string& state_dir, const std::string& runtime_id);

    const std::filesystem::path& path() const { return dir_; }
    std::filesystem::path file(std::string_view name) const;
    std::filesystem::path event_file() const { return file("event.json"); }
    std::filesystem::path events_file() const { return file("events.json"); }
    std::filesystem::path runtime_file() const { return file("runtime.json"); }
    std::filesystem::path serial_log() const { return file("serial.log"); }
    std::filesystem::path serial_input() const { return file("serial.in"); }
    std::filesystem::path result_file() const { return file("result.json"); }
    std::filesystem::path listener_log() const { return file("hvsock-listener.log"); }

    // True when the runtime directory exists as a directory (a link to one does not count).
    bool exists() const;

    // Throws ErrorCode::integrity naming the path and the fix unless the state directory and
    // (when it exists) the runtime directory may be trusted: files::require_trusted_dir.
    void require_trusted() const;

    // runtime.json, or nullopt when it does not exist. A malformed file throws
    // ErrorCode::integrity.
    std::optional<RuntimeState> load() const;
    // The text of runtime.json as this object last loaded or recorded it ("" when absent).
    const std::string& known_runtime_json() const { return known_runtime_json_; }
    std::vector<Event> events() const;

    // Records `t`: ensures the directory, serial.log (and serial.in when the config asks for
    // serial input), appends to events.json, then replaces event.json and runtime.json.
    // Returns the runtime state written. Throws without touching runtime.json when the
    // previous runtime.json or events.json is malformed, and ErrorCode::conflict (or not_found
    // for a runtime deleted meanwhile) when t.guard does not hold.
    RuntimeState record(const Transition& t);

    // Removes the runtime directory and everything in it.
    void remove() const;
    // Removes everything in the runtime directory but the top-level entry `keep` (a lock file
    // its caller holds: Windows cannot remove an open file's directory): runtime.json first so
    // that a concurrent reader sees the runtime gone rather than half-removed, then event.json,
    // then events.json, then the rest, so a delete killed half-way never leaves an event.json
    // without the history it belongs to. Links are removed as links, never followed.
    void remove_except(std::string_view keep) const;

private:
    std::filesystem::path state_dir_;
    std::filesystem::path dir_;
    mutable std::string known_runtime_json_;
};

// E2 readiness recorded with each transition (docs/protocol.md, "State files").
RuntimeReadiness recorded_readiness(const std::string& state, bool serial_input, Timestamp at);

}  // namespace hvsup::protocol
