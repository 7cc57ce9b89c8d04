// SPDX-License-Identifier: MIT
// Runs the workload as a child of the init: its own session and process group, the given
// environment, directory and ids; its output streamed to the console and collected (bounded)
// for the result; a timeout or a stop request kills its process group. While it runs, every
// other child that ends is reaped too (PID 1 inherits all orphans).
#pragma once

#include "accounts.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace hvsup::guestinit {

struct WorkloadSpec {
    std::vector<std::string> argv;
    std::vector<std::string> env;  // complete environment, "KEY=VALUE"
    std::string working_dir = "/";
    Identity identity;
    std::chrono::milliseconds timeout{0};        // 0 = none
    size_t capture_limit = 16u * 1024u * 1024u;  // per stream; the rest is streamed, not kept
    // After the workload exits, how long its output pipes may stay open (held by background
    // processes it left) before they are killed and the output closed.
    std::chrono::milliseconds drain_limit{1000};
};

struct WorkloadOutcome {
    bool started = false;
    int exit_code = 127;     // the exit status, or 128 + signal; 127 when it did not start
    std::string error;       // why it did not start, timed out or was stopped; "" otherwise
    std::string started_at;  // RFC 3339 UTC
    std::string exited_at;
    std::string stdout_data;  // at most capture_limit bytes each
    std::string stderr_data;
    bool stdout_truncated = false;
    bool stderr_truncated = false;
};

// Blocks SIGCHLD and the stop signals (SIGTERM, SIGINT, SIGUSR1, SIGUSR2) for the init; the
// workload loop takes them from a signalfd. Call once at start-up, before any child exists.
void block_init_signals();

// Runs it to the end. Never throws for the workload's own failures (they are in the outcome).
WorkloadOutcome run_workload(const WorkloadSpec& spec);

// Reaps every child that has already ended (PID 1's duty outside the workload loop too).
void reap_ended_children() noexcept;

// The base environment of a workload: PATH, HOME, USER/LOGNAME (when named), TERM, then
// run.json's entries (a later KEY replaces an earlier one).
std::vector<std::string> workload_environment(const Identity& id, const std::vector<std::string>& extra);

}  // namespace hvsup::guestinit
