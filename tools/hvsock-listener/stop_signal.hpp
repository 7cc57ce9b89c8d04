// SPDX-License-Identifier: MIT
// Why and when hvsock-listener stops: the first stop source to fire wins. Sources run on their
// own threads and call request_stop(); main() waits. Today's sources: SIGTERM/SIGINT and the
// runtime.json poll; a "compute system exited" watch (HCS wait) plugs in the same way.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace hvsock_listener {

class StopSignal {
public:
    StopSignal() = default;
    ~StopSignal();
    StopSignal(const StopSignal&) = delete;
    StopSignal& operator=(const StopSignal&) = delete;

    // Records the first reason and wakes wait(). Thread-safe; later calls are ignored.
    void request_stop(std::string reason);
    bool stop_requested() const;
    // Blocks until a stop is requested; returns the reason.
    std::string wait();
    // Blocks up to `timeout`; true when a stop was requested.
    bool wait_for(std::chrono::milliseconds timeout);

    // Runs `source(*this)` on a thread owned by this object (joined by the destructor, so a
    // source must return once stop_requested() is true).
    void add_source(std::function<void(StopSignal&)> source);

private:
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::optional<std::string> reason_;
    std::vector<std::thread> threads_;
};

// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (call before any thread starts) and
// returns a source that turns them into a stop request.
std::function<void(StopSignal&)> signal_source();

// Stops when <runtime dir>/runtime.json disappears or its state is no longer starting/running.
std::function<void(StopSignal&)> runtime_state_source(std::string state_dir, std::string runtime_id,
                                                      std::chrono::milliseconds interval);

}  // namespace hvsock_listener
