// SPDX-License-Identifier: MIT
// Helper processes: spawn detached (the hvsock-listener helper), check, terminate and wait.
// POSIX implementation in process_posix.cpp, Windows (CreateProcessW/TerminateProcess) in
// process_win.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hvsup::process {

struct SpawnOptions {
    std::string executable;          // UTF-8 path
    std::vector<std::string> args;   // argv[1..], UTF-8
    std::string log_file;            // stdout and stderr appended here (created 0600); empty = discard
    bool detached = true;            // own session / process group, no console window
};

// Starts the process and returns its PID without waiting for it. Throws Error naming the
// executable on failure.
int64_t spawn(const SpawnOptions& options);

// True while `pid` names a live process (a zombie of ours counts as exited).
bool is_alive(int64_t pid);

// Terminates `pid` forcibly (SIGKILL / TerminateProcess) and waits up to `timeout` for it to
// exit. A process that is already gone is success. Throws Error when it survives.
void terminate(int64_t pid, std::chrono::milliseconds timeout);

// When `pid` started, as a number that only ever compares equal for the same process (POSIX:
// /proc/<pid>/stat field 22, clock ticks since boot; Windows: creation time from
// GetProcessTimes). Recorded with a PID, it proves later that the PID was not reused. nullopt
// when no such process can be inspected.
std::optional<int64_t> start_time(int64_t pid);

// The executable `pid` runs (UTF-8), or nullopt when it cannot be inspected (gone, or another
// user's process).
std::optional<std::string> executable_path(int64_t pid);

// Path of the running executable (UTF-8).
std::string current_executable();

// PID of the calling process.
int64_t current_pid();

}  // namespace hvsup::process
