// SPDX-License-Identifier: MIT
// Windows has neither SIGPIPE nor a per-process descriptor limit to raise.
#include "process_setup.hpp"

namespace hvsock_listener {

std::string prepare_process() { return {}; }

}  // namespace hvsock_listener
