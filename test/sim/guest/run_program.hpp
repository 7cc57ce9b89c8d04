// SPDX-License-Identifier: MIT
// Runs a helper program of the boot mode (iproute2's ip, debugfs) and waits for it (Linux).
#pragma once

#include <string>
#include <vector>

namespace hvsup::sim::guest {

// Runs `args` (args[0] looked up on PATH) in the calling thread's namespaces, its output going
// to the simulator's log; "" when it exited 0, else what failed ("ip link ...: failed (its
// message is in the guest's log)", or why it could not start, naming `missing_hint` when the
// program is not on PATH).
std::string run_program(std::vector<std::string> args, const std::string& missing_hint = "");

}  // namespace hvsup::sim::guest
