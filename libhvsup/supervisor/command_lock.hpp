// SPDX-License-Identifier: MIT
// The per-runtime command lock (docs/security.md, "Command lock"): lifecycle commands on one
// runtime are serialized across processes; kill and quarantine may preempt a holder, inspect
// never waits.
#pragma once

#include "core/files.hpp"
#include "core/log.hpp"
#include "protocol/command.hpp"
#include "protocol/runtime_dir.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace hvsup::supervisor {

// The lock file in the runtime directory.
inline constexpr const char* command_lock_file = "command.lock";

// Each command's mode is a column of protocol::command_table.
using protocol::LockMode;

// The lock mode of the command spelled `name` (LockMode::none for no command).
LockMode lock_mode(std::string_view name);

// The guard a command's transitions use: preempting commands (kill, quarantine) record even when
// they preempted a holder (the operator's word wins) but never recreate a deleted runtime; every
// other command records only while runtime.json is what it last read or wrote
// (protocol::Transition::Guard).
protocol::Transition::Guard transition_guard(protocol::Command command);
protocol::Transition::Guard transition_guard(std::string_view name);

class CommandLock {
public:
    // Takes `dir`'s lock as `command` requires. Throws ErrorCode::conflict naming the runtime
    // and the holder (command, pid, since) when an exclusive wait of `wait` runs out.
    static CommandLock take(const protocol::RuntimeDir& dir, const std::string& runtime_id, protocol::Command command,
                            std::chrono::milliseconds wait, std::chrono::milliseconds preempt_wait,
                            const Logger& logger);
    // The same for the command spelled `name`; no command takes no lock.
    static CommandLock take(const protocol::RuntimeDir& dir, const std::string& runtime_id, std::string_view name,
                            std::chrono::milliseconds wait, std::chrono::milliseconds preempt_wait,
                            const Logger& logger);

    CommandLock(CommandLock&& other) noexcept
        : lock_(std::move(other.lock_)), dir_(std::move(other.dir_)), remove_on_release_(other.remove_on_release_)
    {
        other.lock_.reset();
        other.remove_on_release_ = false;
    }
    CommandLock& operator=(CommandLock&&) = delete;
    // Releases the lock. When nothing is recorded any more — delete removed runtime.json, or a
    // start that created the directory was refused before its first write — the directory and
    // the lock file go too (the lock file is unlinked before it is released).
    ~CommandLock();

    bool held() const { return lock_.has_value(); }

private:
    CommandLock() = default;

    std::optional<files::FileLock> lock_;
    std::filesystem::path dir_;
    bool remove_on_release_ = false;
};

// "<command> (pid <pid>) since <time>" from the holder note beside the lock, or a generic text.
std::string describe_lock_holder(const protocol::RuntimeDir& dir);

}  // namespace hvsup::supervisor
