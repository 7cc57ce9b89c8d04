// SPDX-License-Identifier: MIT
// The command table (protocol/command.hpp): every command of microagent-protocol.md §2.5 parses
// to its enumerator and back, unknown names keep their exact errors, and each row's class, lock
// mode and state guard are what the string comparisons it replaced decided.
#include "core/error.hpp"
#include "protocol/command.hpp"
#include "protocol/validate.hpp"
#include "supervisor/command_lock.hpp"

#include <catch2/catch.hpp>

#include <iterator>
#include <string>

using namespace hvsup;
using namespace hvsup::protocol;

namespace {

// Written down from the code before the table: classify_command (validate.cpp), lock_mode
// (command_lock.cpp), and which handler loaded runtime.json and refused how (ensure_can_start
// in prepare/start/run; "workspace <id> not found" in inspect and the controls, except for a
// delete that finds the runtime directory).
struct Expected {
    const char* name;
    Command command;
    CommandClass cls;
    LockMode lock;
    StateGuard guard;
};

// clang-format off
constexpr Expected expected[] = {
    {"host",       Command::host,       CommandClass::host,           LockMode::none,               StateGuard::none},
    {"check",      Command::check,      CommandClass::full_config,    LockMode::none,               StateGuard::none},
    {"prepare",    Command::prepare,    CommandClass::full_config,    LockMode::exclusive_create,   StateGuard::can_start},
    {"start",      Command::start,      CommandClass::full_config,    LockMode::exclusive_create,   StateGuard::can_start},
    {"run",        Command::run,        CommandClass::full_config,    LockMode::exclusive_create,   StateGuard::can_start},
    {"inspect",    Command::inspect,    CommandClass::state_dir_only, LockMode::observe,            StateGuard::recorded},
    {"console",    Command::console,    CommandClass::full_config,    LockMode::none,               StateGuard::none},
    {"stop",       Command::stop,       CommandClass::state_dir_only, LockMode::exclusive_existing, StateGuard::recorded},
    {"halt",       Command::halt,       CommandClass::state_dir_only, LockMode::exclusive_existing, StateGuard::recorded},
    {"kill",       Command::kill,       CommandClass::state_dir_only, LockMode::preempting,         StateGuard::recorded},
    {"quarantine", Command::quarantine, CommandClass::state_dir_only, LockMode::preempting,         StateGuard::recorded},
    {"delete",     Command::delete_,    CommandClass::state_dir_only, LockMode::exclusive_existing, StateGuard::recorded_or_dir},
};
// clang-format on

std::string parse_error(std::string_view name)
{
    try {
        (void)parse_command(name);
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::invalid_argument);
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("every protocol command parses to its enumerator and back", "[command]")
{
    CHECK(std::size(expected) == command_count);
    for (const Expected& e : expected) {
        INFO(e.name);
        CHECK(parse_command(e.name) == e.command);
        CHECK(find_command(e.name) == e.command);
        CHECK(command_name(e.command) == e.name);
        CHECK(command_info(e.command).command == e.command);
    }
}

TEST_CASE("a name that is no command keeps the exact errors", "[command]")
{
    CHECK(parse_error("") == "command is required");
    CHECK(parse_error(" \t") == "command is required");
    CHECK(parse_error("bogus") == "unknown command \"bogus\"");
    CHECK(parse_error("Run") == "unknown command \"Run\"");      // compared exactly: no case folding
    CHECK(parse_error(" run") == "unknown command \" run\"");    // nor trimming
    CHECK(parse_error("delete_") == "unknown command \"delete_\"");
    CHECK_FALSE(find_command("bogus").has_value());
    CHECK_FALSE(find_command("").has_value());

    Request request;
    request.command = "bogus";
    CHECK_THROWS_WITH(validate_request(request), "unknown command \"bogus\"");
}

TEST_CASE("each command's class, lock mode and state guard are what the code decided before the table", "[command]")
{
    for (const Expected& e : expected) {
        INFO(e.name);
        const CommandInfo& row = command_info(e.command);
        CHECK(row.cls == e.cls);
        CHECK(row.lock == e.lock);
        CHECK(row.guard == e.guard);
        CHECK(supervisor::lock_mode(e.name) == e.lock);
        // Preempting commands record while runtime.json exists; every other one only while it is
        // unchanged since the command read it.
        const Transition::Guard transition =
            e.lock == LockMode::preempting ? Transition::Guard::exists : Transition::Guard::unchanged;
        CHECK(supervisor::transition_guard(e.command) == transition);
        CHECK(supervisor::transition_guard(e.name) == transition);
    }
    CHECK(supervisor::lock_mode("bogus") == LockMode::none);
}

TEST_CASE("validate_request returns the parsed command", "[command]")
{
    Request host;
    host.command = "host";
    CHECK(validate_request(host) == Command::host);

    Request inspect;
    inspect.command = "inspect";
    inspect.identity = Identity{"req-1", "agent-1", "workload", "windows-hyperv", ""};
    inspect.config = Config{};
    inspect.config->state_dir = "/state";
    CHECK(validate_request(inspect) == Command::inspect);
}
