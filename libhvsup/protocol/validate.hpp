// SPDX-License-Identifier: MIT
// Request validation in the reference's order with its exact error strings
// (docs/protocol.md, "Validation"). Normalisation (memory 512, cpu 2) happens first.
#pragma once

#include "protocol/command.hpp"
#include "protocol/types.hpp"

#include <string_view>

namespace hvsup::protocol {

// The request's command (protocol/command.hpp). Throws Error(ErrorCode::invalid_argument):
// `command is required` when `name` is blank, else `unknown command "<name>"` unless `name`
// is exactly a command's name.
Command parse_command(std::string_view name);

inline constexpr int64_t default_memory_mib = 512;
inline constexpr int64_t default_cpu_count = 2;
// Hyper-V's limits for one VM (240 TiB of memory, 2048 virtual processors; Windows Server
// 2025) and a year of host dispatch timeout: the largest values validate_config accepts.
// The processor count is further clamped to the host's logical processors when the compute
// system is created, as hcsshim does.
inline constexpr int64_t max_memory_mib = int64_t{240} * 1024 * 1024;
inline constexpr int64_t max_cpu_count = 2048;
inline constexpr int64_t max_timeout_seconds = int64_t{365} * 24 * 3600;

// Fills defaults (memory 0 → 512, cpu 0 → 2) in a full config.
void normalize_config(Config& config);

// Normalises and validates `request` in place and returns its parsed command. Throws
// Error(ErrorCode::invalid_argument) whose message is the reference's exact string.
Command validate_request(Request& request);
// The same for a request whose command was already parsed (parse_command) as `command`.
void validate_request(Request& request, Command command);

void validate_identity(const std::optional<Identity>& identity);
void validate_config(const std::optional<Config>& config);
void validate_network(const NetworkConfig& network);
void validate_mediation(const Mediation& mediation);

// True when `target` names <stateDir>/<runtimeID>/result.json by the one rule of
// core::is_result_target (either separator: the request may spell Windows paths on any host).
bool is_result_target(const Config& config, std::string_view runtime_id, std::string_view target);
bool has_result_listener(const Config& config, std::string_view runtime_id);

// Listener targets (checked before anything is created): each vsock listener target must be
// host:port or the workspace result path, else
// `windows-hyperv vsock listener <port> target must be host:port or the workspace result path`.
void validate_listener_targets(const Config& config, std::string_view runtime_id);

// True for "host:port" with a non-empty host free of '/' and '\' and a port that parses as a
// 16-bit number ("[::1]:80" included).
bool is_tcp_target(std::string_view target);

// Trimmed network mode with the empty mode meaning "user" (case-sensitive, as the reference).
std::string effective_network_mode(const std::optional<NetworkConfig>& network);

}  // namespace hvsup::protocol
