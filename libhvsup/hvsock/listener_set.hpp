// SPDX-License-Identifier: MIT
// The host listeners of one compute system (docs/hvsock.md, "What the supervisor calls"): published TCP ports,
// guest->host vsock listeners (TCP targets or the result sink) and the COM1 serial capture,
// served by one I/O thread. `run` uses it in-process; the hvsock-listener helper serves the
// detached subset for `start`.
#pragma once

#include "core/log.hpp"
#include "hvsock/transport.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hvsup::hvsock {

// Largest result a guest may deliver.
inline constexpr size_t result_limit_bytes = 16u * 1024u * 1024u;
// How long a published-port connection waits for the guest service to answer.
inline constexpr std::chrono::milliseconds guest_connect_timeout{10000};

// A host TCP port whose connections go to a vsock port in the guest. For a port forward of the
// protocol that port is `host_port` (the guest maps it to its own guest port: the hvsock
// service is the HOST port, docs/hvsock.md); standalone forwards may name another one.
struct PublishedPort {
    std::string protocol;      // "" or "tcp"; anything else is skipped with a warning
    std::string host;          // listen address; "" means 127.0.0.1
    uint16_t host_port = 0;
    uint32_t service_port = 0; // vsock port dialled in the guest; 0 means host_port
};

// A guest->host vsock listener: connections to vsock `port` go to `target` ("host:port"), or,
// when `target` is the spec's result_path, deliver the result.
struct VsockService {
    uint32_t port = 0;
    std::string target;
};

struct ListenerSpec {
    std::string vm_id;                           // HCS RuntimeId GUID (computeSystemRuntimeID)
    std::vector<PublishedPort> published_ports;
    std::vector<VsockService> vsock_listeners;
    std::string result_path;                     // <stateDir>/<runtimeID>/result.json; "" = none
    std::string serial_pipe;                     // \\.\pipe\<name> or <name>; "" = no capture
    std::string serial_log_path;                 // required with serial_pipe
    Logger logger;                               // called from the I/O thread; must be thread-safe
    std::filesystem::path emulation_dir;         // the loopback emulation; "" = AF_HYPERV (select_transport)
    std::chrono::milliseconds connect_timeout = guest_connect_timeout;  // for tests
};

// Checks every vsock listener target: "host:port" (host not empty, no '/' or '\\', port a
// uint16) or the result path. ErrorCode::invalid_argument reading
// `windows-hyperv vsock listener <port> target must be host:port or the workspace result path`.
void validate_targets(const ListenerSpec& spec);

enum class ResultWait {
    no_result_listener,  // the spec has no result sink: nothing to wait for
    received,            // result.json was written
    timed_out,           // nothing yet
    closed,              // close() came first
};

class ListenerSet {
public:
    // Validates the spec, then binds the serial pipe, every vsock listener and every published
    // port before returning, and starts serving. A bind failure closes whatever was bound and
    // throws Error: `listen windows-hyperv published tcp <host:port>: <why>`,
    // `listen windows-hyperv hvsocket port <p>: <why>`, `parse HCS runtime ID "<id>": <why>`,
    // `create windows-hyperv serial pipe <name>: <why>`, or the target validation error.
    static std::unique_ptr<ListenerSet> start(ListenerSpec spec);

    ~ListenerSet();  // close()
    ListenerSet(const ListenerSet&) = delete;
    ListenerSet& operator=(const ListenerSet&) = delete;

    // Blocks until the result sink finished, `timeout` passed or close() was called. A failed
    // delivery (oversized, unreadable, unwritable, accept error) throws Error with the
    // reference text, e.g. `windows-hyperv result for <target> exceeded 16777216 bytes`,
    // and keeps throwing it on later calls. Thread-safe.
    ResultWait wait_for_result(std::chrono::milliseconds timeout);

    // Stops every listener (port files removed, TCP ports released), closes open bridged
    // connections and the serial pipe, and joins the I/O thread. Later connections are refused.
    // Idempotent; thread-safe; must not be called from the logger.
    void close();

    // The published ports as bound ("127.0.0.1:18080"), in spec order (skipped ones omitted).
    std::vector<std::string> published_addresses() const;

    struct Impl;

private:
    explicit ListenerSet(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace hvsup::hvsock
