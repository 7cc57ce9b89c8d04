// SPDX-License-Identifier: MIT
// hvsup-cli's lifecycle subcommands (`hvsup-cli start --state-dir D --runtime ID ...`): the
// protocol request a subcommand stands for, built from its options. Kept apart from main.cpp so
// the command line and the protocol document meet in one place (docs/cli.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hvsup::cli {

struct LifecycleOptions {
    std::string command;                     // the subcommand: a protocol command name
    std::optional<std::string> runtime_id;   // --runtime (required)
    std::optional<std::string> request_id;   // --request-id (default: generated)
    std::optional<std::string> role;         // --role (default: workload)
    std::optional<std::string> config_path;  // --config FILE: the VM config object
    std::string state_dir;                   // --state-dir: config.stateDir (wins over the file's)
};

// True for the protocol commands hvsup-cli offers as subcommands (every command but host,
// which has its own subcommand, and console, which the backend does not implement).
bool is_lifecycle_command(std::string_view name);

// True for the commands that take a full config (kernelPath, rootfsPath, ...), so --config.
bool needs_full_config(std::string_view command);

struct LifecycleRequest {
    std::string json;         // the request document, when usage_error is empty
    std::string usage_error;  // why the options do not make a request (exit 2, nothing run)
};

// Builds the request: {"command", "identity": {requestID, runtimeID, role, backend}, "config"}.
// The config is the --config file's object as written (unknown keys kept for the library to
// judge) with --state-dir set as config.stateDir. A config file that cannot be read or is not
// a JSON object, a missing --runtime, --config or state directory, or a bad --role is a usage
// error naming the option. Everything else (runtime ID safety, config fields) is the library's
// validation, with the same messages as a JSON request.
LifecycleRequest build_lifecycle_request(const LifecycleOptions& options);

}  // namespace hvsup::cli
