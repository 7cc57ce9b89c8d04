// SPDX-License-Identifier: MIT
// The simulated host's persistent state in HVSUP_SIM_DIR, shared by every process that loads
// the simulator (hvsup-cli create in one process, stop in another):
//   systems/<id>.json    one compute system (Id, RuntimeId, Owner, State, GuestPid, Document)
//   exited/<id>.json     tombstone of the last exit of <id> (ExitType), for other processes
//   exits/<id>.json      written by the guest when it powers off by itself (GracefulExit)
//   grants.json          [{"VmId", "Path"}] from GrantVmAccess
//   scripts/<id>.json    the test's script for <id>; scripts/default.json otherwise
//   guests/<id>.log      the emulated guest's own log
//   calls.jsonl          one line per entry-point call, for tests that count calls
// Every read-modify-write holds the lock file `lock`.
#pragma once

#include "core/files.hpp"
#include "core/json.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hvsup::sim {

struct SystemRecord {
    std::string id;
    std::string runtime_id;
    std::string owner;
    std::string state;  // "Created" | "Running"
    int64_t guest_pid = 0;
    std::string stop_request;      // "" | "shutdown" | "terminate"
    bool start_completed = false;  // the start was reported complete; the guest boots after it
    json::value document;
};

struct Script {
    bool pending = true;    // completion: "pending" (default) or "sync"
    int64_t delay_ms = 20;  // pending completion delay
    std::optional<int32_t> fail_create, fail_start, fail_shutdown, fail_terminate, fail_grant, fail_open;
    std::string service_disconnect;  // "", "create", "start", "wait"
    int64_t disconnect_after_ms = 50;
    bool unexpected_exit_during_start = false;
    std::vector<std::pair<int32_t, int32_t>> schema_versions;  // SupportedSchemaVersions
    int64_t host_processors = 16;
    std::string architecture = "amd64";  // "arm64" models a Hyper-V host on ARM64
    json::object guest;  // passed to hvsup-sim-guest untouched
};

class Registry {
public:
    // HVSUP_SIM_DIR; throws when unset.
    static std::filesystem::path directory();

    explicit Registry(std::filesystem::path dir);
    const std::filesystem::path& dir() const { return dir_; }

    files::FileLock lock() const;

    std::optional<SystemRecord> load(const std::string& id) const;
    void save(const SystemRecord& record) const;
    void remove(const std::string& id) const;
    std::vector<SystemRecord> all() const;

    void write_tombstone(const std::string& id, const std::string& exit_type) const;
    std::optional<std::string> tombstone(const std::string& id) const;
    void clear_exit_files(const std::string& id) const;
    // The guest's own exit note (exits/<id>.json), if any.
    std::optional<std::string> guest_exit_type(const std::string& id) const;

    void add_grant(const std::string& vm_id, const std::string& path) const;
    bool granted(const std::vector<std::string>& vm_ids, const std::string& path) const;

    Script script(const std::string& id) const;

    void log_call(const std::string& api, const std::string& call, const std::string& id) const;

    std::filesystem::path guest_log(const std::string& id) const;

private:
    std::filesystem::path system_file(const std::string& id) const;
    std::filesystem::path dir_;
};

// True when `id` can name a file (no separators, not "." / "..", not empty).
bool is_valid_id(const std::string& id);

}  // namespace hvsup::sim
