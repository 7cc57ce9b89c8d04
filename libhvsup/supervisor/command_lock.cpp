// SPDX-License-Identifier: MIT
#include "supervisor/command_lock.hpp"

#include "core/error.hpp"
#include "core/json.hpp"
#include "core/process.hpp"
#include "core/time.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <system_error>

namespace hvsup::supervisor {

using namespace hvsup::protocol;

namespace {

constexpr const char* lock_name = command_lock_file;
// Who holds the lock, written by the holder after it is granted. A separate file because a
// Windows byte-range lock makes the locked file unreadable to everyone else.
constexpr const char* holder_name = "command.holder";

void write_holder_note(const RuntimeDir& dir, Command command)
{
    json::object note;
    note["command"] = std::string(command_name(command));
    note["pid"] = process::current_pid();
    note["since"] = format_rfc3339(now());
    try {
        files::write_atomic(dir.file(holder_name), json::compact(note) + "\n");
    } catch (const Error&) {
        // Only a diagnostic for waiters; the lock itself is what serializes.
    }
}

}  // namespace

LockMode lock_mode(std::string_view name)
{
    const std::optional<Command> command = find_command(name);
    return command ? command_info(*command).lock : LockMode::none;
}

Transition::Guard transition_guard(Command command)
{
    return command_info(command).lock == LockMode::preempting ? Transition::Guard::exists : Transition::Guard::unchanged;
}

Transition::Guard transition_guard(std::string_view name)
{
    return lock_mode(name) == LockMode::preempting ? Transition::Guard::exists : Transition::Guard::unchanged;
}

std::string describe_lock_holder(const RuntimeDir& dir)
{
    try {
        if (auto text = files::read_state_file(dir.file(holder_name), 4096)) {
            const json::value v = json::parse(*text, "command holder");
            const json::object& o = json::as_object(v, "command holder");
            return fmt::format("{} (pid {}) since {}", json::read_string(o, "command", "command"),
                               json::read_int(o, "pid", "pid", 0, INT64_MAX), json::read_string(o, "since", "since"));
        }
    } catch (const Error&) {
    }
    return "another command";
}

CommandLock CommandLock::take(const RuntimeDir& dir, const std::string& runtime_id, std::string_view name,
                              std::chrono::milliseconds wait, std::chrono::milliseconds preempt_wait,
                              const Logger& logger)
{
    if (const std::optional<Command> command = find_command(name)) {
        return take(dir, runtime_id, *command, wait, preempt_wait, logger);
    }
    return CommandLock();
}

CommandLock CommandLock::take(const RuntimeDir& dir, const std::string& runtime_id, Command command,
                              std::chrono::milliseconds wait, std::chrono::milliseconds preempt_wait,
                              const Logger& logger)
{
    CommandLock out;
    const LockMode mode = command_info(command).lock;
    const std::string_view name = command_name(command);
    if (mode == LockMode::none) return out;
    out.dir_ = dir.path();
    const std::chrono::milliseconds attempt = mode == LockMode::observe      ? std::chrono::milliseconds(0)
                                              : mode == LockMode::preempting ? preempt_wait
                                                                             : wait;
    for (;;) {
        if (mode == LockMode::exclusive_create && !dir.exists()) {
            files::ensure_private_dir(dir.path());
            out.remove_on_release_ = true;
        } else if (!dir.exists()) {
            return out;  // nothing to serialize: the command reports the missing workspace
        }
        const auto lock_file = dir.file(lock_name);
        if (std::error_code ec; std::filesystem::exists(std::filesystem::symlink_status(lock_file, ec)) &&
                                !files::is_regular_file_no_follow(lock_file)) {
            // A link or directory where the lock file belongs: never followed. delete removes it
            // (as itself) and goes on; kill and inspect go on without the lock; the rest refuse.
            const std::string why = fmt::format("command lock {} is not a regular file (a link or directory was put "
                                                "there); hvsup never follows links in a runtime directory",
                                                files::to_utf8(lock_file));
            if (command == Command::delete_) {
                logger.log(LogLevel::warning, "delete {}: {}; removing it", runtime_id, why);
                files::remove_if_not_regular(lock_file);
            } else if (mode == LockMode::preempting || mode == LockMode::observe) {
                logger.log(LogLevel::warning, "{} {}: {}; acting without the lock", name, runtime_id, why);
                return out;
            } else {
                throw Error(ErrorCode::integrity, fmt::format("{}: remove it, or delete the workspace", why));
            }
        }
        try {
            if (auto got = files::FileLock::try_acquire(lock_file, attempt)) out.lock_.emplace(std::move(*got));
            break;
        } catch (const Error& e) {
            // The runtime was deleted while we waited: look again (a start recreates it).
            if (e.code() == ErrorCode::not_found) continue;
            // A lock that cannot be opened for writing (a read-only state directory) must not
            // keep kill from ending a VM, nor inspect from reading: both may act without it.
            if (mode != LockMode::preempting && mode != LockMode::observe) throw;
            logger.log(LogLevel::warning, "{} {}: cannot take the command lock ({}); acting without it", name,
                       runtime_id, e.what());
            return out;
        }
    }
    if (out.lock_) {
        if (command == Command::delete_) out.remove_on_release_ = true;
        write_holder_note(dir, command);
        return out;
    }
    out.remove_on_release_ = false;
    const std::string holder = describe_lock_holder(dir);
    if (mode == LockMode::preempting) {
        logger.log(LogLevel::warning, "{} {}: preempting {}, which holds the runtime's command lock", name,
                   runtime_id, holder);
        return out;
    }
    if (mode == LockMode::observe) return out;
    throw Error(ErrorCode::conflict,
                fmt::format("workspace {} is busy: {} holds its command lock (waited {} ms); try again when it "
                            "finishes, or kill it",
                            runtime_id, holder, wait.count()));
}

CommandLock::~CommandLock()
{
    if (!lock_) return;
    std::error_code ec;
    if (!remove_on_release_ || std::filesystem::exists(dir_ / "runtime.json", ec) || ec) return;
    // Nothing is recorded (delete removed it, or a start was refused before its first write):
    // the directory goes too. The lock file is unlinked while still held, so a waiter that
    // opened it notices and reopens by path (FileLock::try_acquire); then the lock is released
    // and the directory removed if nobody has put anything in it meanwhile.
    for (std::filesystem::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().filename() == lock_name) continue;
        try {
            files::remove_tree(it->path());  // links removed as links, never followed
        } catch (const Error&) {
            // Left behind; the directory then stays and the next delete finishes it.
        }
    }
    std::filesystem::remove(dir_ / lock_name, ec);
    lock_.reset();
    std::filesystem::remove(dir_, ec);  // not recursive: fails harmlessly when no longer empty
}

}  // namespace hvsup::supervisor
