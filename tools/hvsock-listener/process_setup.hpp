// SPDX-License-Identifier: MIT
// Process-wide settings the helper applies before serving, as the reference (Go) helper's
// runtime does on its own: the open-file soft limit raised to the hard limit (each bridged
// connection holds two sockets, plus a pipe pair while it moves bulk data), and SIGPIPE
// ignored (a peer that went away is an error on that connection, not the helper's end).
#pragma once

#include <string>

namespace hvsock_listener {

// Applies the settings; returns a note for the log when one could not be applied ("" if all were).
std::string prepare_process();

}  // namespace hvsock_listener
