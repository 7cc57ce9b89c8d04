// SPDX-License-Identifier: MIT
// Builds the protocol request of a lifecycle subcommand (lifecycle_request.hpp).
#include "lifecycle_request.hpp"

#include "common/arguments.hpp"

#include <boost/json.hpp>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>

namespace hvsup::cli {
namespace {

constexpr std::array<std::string_view, 10> lifecycle_commands = {
    "check", "prepare", "start", "run", "inspect", "stop", "halt", "kill", "quarantine", "delete"};
constexpr std::array<std::string_view, 4> full_config_commands = {"check", "prepare", "start", "run"};

// The same bound as a request: a config file is a part of one.
constexpr size_t max_config_bytes = 16u << 20;

// A request ID unique per call (the protocol echoes it in events): the subcommand and the time
// in nanoseconds, which two calls from one shell do not share.
std::string generated_request_id(const std::string& command)
{
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return "hvsup-cli-" + command + "-" + std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
}

LifecycleRequest usage(std::string message)
{
    return {{}, std::move(message)};
}

// Reads and parses the --config file; on failure returns the usage error naming it.
std::string read_config(const std::string& path, boost::json::object& out)
{
    std::ifstream in(hvsup::tools::utf8_path(path), std::ios::binary);
    if (!in) return "--config " + path + ": cannot read: " + std::strerror(errno);
    std::string text;
    char buf[65536];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        text.append(buf, static_cast<size_t>(in.gcount()));
        if (text.size() > max_config_bytes) return "--config " + path + ": larger than 16777216 bytes";
    }
    // As lenient as the library's own decoder where it matters for a hand-written file:
    // nesting to its limit, and bytes that are not UTF-8 left for it to replace.
    boost::json::parse_options parse_options;
    parse_options.max_depth = 64;
    parse_options.allow_invalid_utf8 = true;
    boost::json::error_code ec;
    boost::json::value value = boost::json::parse(text, ec, {}, parse_options);
    if (ec) return "--config " + path + ": not JSON: " + ec.message();
    if (!value.is_object()) return "--config " + path + ": must hold a JSON object (the VM config)";
    out = std::move(value.get_object());
    return {};
}

}  // namespace

bool is_lifecycle_command(std::string_view name)
{
    for (auto c : lifecycle_commands) {
        if (c == name) return true;
    }
    return false;
}

bool needs_full_config(std::string_view command)
{
    for (auto c : full_config_commands) {
        if (c == command) return true;
    }
    return false;
}

LifecycleRequest build_lifecycle_request(const LifecycleOptions& options)
{
    const std::string& command = options.command;
    if (!is_lifecycle_command(command)) return usage("unknown subcommand " + command);
    if (!options.runtime_id) return usage(command + " needs --runtime ID");
    const std::string role = options.role.value_or("workload");
    if (role != "workload" && role != "enforcer") return usage("--role takes workload or enforcer, not '" + role + "'");
    if (needs_full_config(command) && !options.config_path) {
        return usage(command + " needs --config FILE (the VM config: kernelPath, rootfsPath, ...)");
    }

    boost::json::object config;
    if (options.config_path) {
        if (std::string error = read_config(*options.config_path, config); !error.empty()) return usage(error);
    }
    // The command line wins over the file. A key of another spelling ("StateDir") stays, but
    // the protocol decoder lets the last key win and this one is added last.
    if (!options.state_dir.empty()) config["stateDir"] = options.state_dir;
    bool has_state_dir = false;
    for (const auto& entry : config) {
        std::string key(entry.key());
        for (char& ch : key) ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
        if (key == "statedir") has_state_dir = true;
    }
    if (!has_state_dir) return usage(command + " needs --state-dir DIR (or stateDir in the --config file)");

    boost::json::object request;
    request["command"] = command;
    request["identity"] = boost::json::object{
        {"requestID", options.request_id.value_or(generated_request_id(command))},
        {"runtimeID", *options.runtime_id},
        {"role", role},
        {"backend", "windows-hyperv"},
    };
    request["config"] = std::move(config);
    return {boost::json::serialize(request), {}};
}

}  // namespace hvsup::cli
