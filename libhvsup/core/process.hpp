// Helper processes: spawn detached (the hvsock-listener helper), check, terminate and wait.
// POSIX implementation in process_posix.cpp, Windows (CreateProcessW/TerminateProcess) in
// process_win.cpp.
#pragma once

#include <chrono>
#include <cstdint>
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

// Path of the running executable (UTF-8).
std::string current_executable();

// PID of the calling process.
int64_t current_pid();

}  // namespace hvsup::process
