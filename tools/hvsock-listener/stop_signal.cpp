// SPDX-License-Identifier: MIT
#include "stop_signal.hpp"

#include "protocol/runtime_dir.hpp"
#include "protocol/types.hpp"


namespace hvsock_listener {

StopSignal::~StopSignal()
{
    request_stop("shutting down");
    for (auto& t : threads_) t.join();
}

void StopSignal::request_stop(std::string reason)
{
    {
        std::lock_guard lock(mutex_);
        if (reason_) return;
        reason_ = std::move(reason);
    }
    cv_.notify_all();
}

bool StopSignal::stop_requested() const
{
    std::lock_guard lock(mutex_);
    return reason_.has_value();
}

std::string StopSignal::wait()
{
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return reason_.has_value(); });
    return *reason_;
}

bool StopSignal::wait_for(std::chrono::milliseconds timeout)
{
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return reason_.has_value(); });
}

void StopSignal::add_source(std::function<void(StopSignal&)> source)
{
    threads_.emplace_back([this, source = std::move(source)] { source(*this); });
}

std::function<void(StopSignal&)> runtime_state_source(std::string state_dir, std::string runtime_id,
                                                      std::chrono::milliseconds interval)
{
    return [state_dir = std::move(state_dir), runtime_id = std::move(runtime_id), interval](StopSignal& stop) {
        hvsup::protocol::RuntimeDir dir(state_dir, runtime_id);
        while (!stop.wait_for(interval)) {
            std::optional<hvsup::protocol::RuntimeState> state;
            try {
                state = dir.load();
            } catch (const std::exception&) {
                continue;  // replaced by rename while we read, or briefly malformed: look again
            }
            if (!state) {
                stop.request_stop("runtime.json is gone");
            } else if (state->event.state != hvsup::protocol::state::starting &&
                       state->event.state != hvsup::protocol::state::running) {
                stop.request_stop("runtime state is " + state->event.state);
            }
        }
    };
}

}  // namespace hvsock_listener
