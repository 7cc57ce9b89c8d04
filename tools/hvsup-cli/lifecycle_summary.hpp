// SPDX-License-Identifier: MIT
// The one line a lifecycle subcommand prints for people instead of the response document
// (`hvsup-cli stop --runtime agent-1 ...` -> "agent-1: stopped (windows-hyperv compute system stopped)").
#pragma once

#include <boost/json/value.hpp>

#include <string>

namespace hvsup::cli {

// The summary of a response to COMMAND on RUNTIME_ID, without a newline: "<id>: <state>
// (<detail>)" with ", exit code N" when a guest result came back, or "<id>: <command> ok"
// for a response without an event (check). For a response with "ok": false it is the error:
// "<command> <id>: <error>", with the recorded state when there is one.
std::string lifecycle_summary(const std::string& command, const std::string& runtime_id, const boost::json::value& response);

}  // namespace hvsup::cli
