// SPDX-License-Identifier: MIT
// The supervisor protocol's commands (docs/protocol.md: "Validation", "Commands", "Lifecycle
// states") and the one table that says, per command, what validation, locking and recorded state
// it needs.
//
// How to add a command:
//   1. add an enumerator to `Command`;
//   2. add its row to `command_table`, at the enumerator's position (a static_assert checks);
//   3. add its handler row to Supervisor's handler table (supervisor/supervisor.cpp, also
//      static_assert-checked) and write the handler.
// Nothing else lists commands: validation, the command lock and dispatch all read this table.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace hvsup::protocol {

enum class Command : unsigned char {
    host,
    check,
    prepare,
    start,
    run,
    inspect,
    console,
    stop,
    halt,
    kill,
    quarantine,
    delete_,
};

// What validate_request checks (docs/protocol.md, "Validation").
enum class CommandClass {
    host,            // nothing validated
    full_config,     // identity + full config
    state_dir_only,  // identity + config.stateDir
};

// The per-runtime command lock (docs/security.md, "Command lock"; supervisor/command_lock.hpp).
enum class LockMode {
    none,                // no runtime state touched
    exclusive_create,    // wait a bounded time, create the runtime dir
    exclusive_existing,  // wait a bounded time; a missing runtime is not locked
    preempting,          // wait briefly, then act without the lock
    observe,             // never waits; repairs state only while holding the lock
};

// Which recorded runtime (runtime.json) a command may run from (docs/protocol.md, "Lifecycle
// states"); checked before its handler.
enum class StateGuard {
    none,             // reads no runtime state
    can_start,        // none recorded, or a state ensure_can_start allows (protocol/lifecycle.hpp)
    recorded,         // runtime.json must exist, else "workspace <id> not found"
    recorded_or_dir,  // as `recorded`, but a runtime directory without runtime.json is enough
};

struct CommandInfo {
    Command command;
    std::string_view name;  // the request's "command" string, compared exactly
    CommandClass cls;
    LockMode lock;
    StateGuard guard;
};

// clang-format off
inline constexpr std::array command_table{
    //          command              name          class                          lock                          guard
    CommandInfo{Command::host,       "host",       CommandClass::host,            LockMode::none,               StateGuard::none},
    CommandInfo{Command::check,      "check",      CommandClass::full_config,     LockMode::none,               StateGuard::none},
    CommandInfo{Command::prepare,    "prepare",    CommandClass::full_config,     LockMode::exclusive_create,   StateGuard::can_start},
    CommandInfo{Command::start,      "start",      CommandClass::full_config,     LockMode::exclusive_create,   StateGuard::can_start},
    CommandInfo{Command::run,        "run",        CommandClass::full_config,     LockMode::exclusive_create,   StateGuard::can_start},
    CommandInfo{Command::inspect,    "inspect",    CommandClass::state_dir_only,  LockMode::observe,            StateGuard::recorded},
    CommandInfo{Command::console,    "console",    CommandClass::full_config,     LockMode::none,               StateGuard::none},
    CommandInfo{Command::stop,       "stop",       CommandClass::state_dir_only,  LockMode::exclusive_existing, StateGuard::recorded},
    CommandInfo{Command::halt,       "halt",       CommandClass::state_dir_only,  LockMode::exclusive_existing, StateGuard::recorded},
    CommandInfo{Command::kill,       "kill",       CommandClass::state_dir_only,  LockMode::preempting,         StateGuard::recorded},
    CommandInfo{Command::quarantine, "quarantine", CommandClass::state_dir_only,  LockMode::preempting,         StateGuard::recorded},
    CommandInfo{Command::delete_,    "delete",     CommandClass::state_dir_only,  LockMode::exclusive_existing, StateGuard::recorded_or_dir},
};
// clang-format on

inline constexpr std::size_t command_count = command_table.size();

// True when row i describes Command(i) for every row (any table indexed by Command may use it).
template <typename Rows>
constexpr bool rows_in_command_order(const Rows& rows)
{
    if (rows.size() != command_count) return false;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (rows[i].command != static_cast<Command>(i)) return false;
    }
    return true;
}
static_assert(rows_in_command_order(command_table), "command_table must list every Command in enum order");

constexpr const CommandInfo& command_info(Command command) { return command_table[static_cast<std::size_t>(command)]; }

constexpr std::string_view command_name(Command command) { return command_info(command).name; }

// The command spelled exactly `name`, if any.
constexpr std::optional<Command> find_command(std::string_view name)
{
    for (const CommandInfo& row : command_table) {
        if (row.name == name) return row.command;
    }
    return std::nullopt;
}

}  // namespace hvsup::protocol
