// Stopping a compute system the way the later reference does (microagent-protocol.md §4.6,
// E3 teardown): ask the guest to shut down, wait a bounded time for the exit, then terminate
// and wait again; a system that survives fails with its HCS State.
#pragma once

#include "hcs/client.hpp"

#include <chrono>
#include <string>

namespace hvsup::hcs {

struct StopOptions {
    bool graceful = true;                      // false: terminate straight away (kill, delete)
    Timeout grace = std::chrono::seconds(15);  // wait after the shutdown request
    Timeout after_terminate = std::chrono::seconds(120);
    std::string operation = "stop";  // error label, e.g. "halt", "kill", "delete"
};

enum class StopOutcome {
    not_found,   // HCS did not know the compute system (already gone)
    exited,      // the guest powered off after the shutdown request
    terminated,  // terminate was needed (or asked for) and the system is gone
};

const char* to_string(StopOutcome outcome) noexcept;

// Opens `id` and stops it. Throws the HCS error of the open (other than not-found), of the
// shutdown or terminate, ServiceDisconnect while waiting, or
// "windows-hyperv HCS <operation>: compute system <id> is still <State> after terminate".
StopOutcome stop_compute_system(HcsClient& client, const std::string& id, const StopOptions& options);

}  // namespace hvsup::hcs
