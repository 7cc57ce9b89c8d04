// SPDX-License-Identifier: MIT
// The failure-cleanup rule of start and run (docs/protocol.md, "start and run"): whatever was created
// is torn down. Steps are pushed as resources are created; a failed step runs them all once.
#pragma once

#include "core/error.hpp"

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace hvsup::supervisor {

// A start step that failed: `step` names it ("create failed"; empty when `cause` says it all)
// and `cause` is the bare error.
struct StartStepFailed {
    std::string step;
    std::string cause;
};

// Runs `body`; an Error it throws becomes StartStepFailed{step, what}.
template <typename Body>
decltype(auto) start_step(const char* step, Body&& body)
{
    try {
        return std::forward<Body>(body)();
    } catch (const Error& e) {
        throw StartStepFailed{step, e.what()};
    }
}

class StartRollback {
public:
    // An in-process handle (listeners, serial capture): closed first, in reverse order; never fails.
    void close_on_failure(std::function<void()> close) { closes_.push_back(std::move(close)); }
    // A host resource (endpoint, compute system, helper): released after the handles, in reverse
    // creation order; an Error it throws is collected and the rest still run.
    void release_on_failure(std::function<void()> release) { releases_.push_back(std::move(release)); }

    // Tears everything down once; returns the messages of the releases that failed.
    std::vector<std::string> run()
    {
        std::vector<std::string> problems;
        for (auto it = closes_.rbegin(); it != closes_.rend(); ++it) (*it)();
        for (auto it = releases_.rbegin(); it != releases_.rend(); ++it) {
            try {
                (*it)();
            } catch (const Error& e) {
                problems.push_back(e.what());
            }
        }
        commit();
        return problems;
    }

    // The start succeeded (or its own path now cleans up): nothing is torn down any more.
    void commit()
    {
        closes_.clear();
        releases_.clear();
    }

private:
    std::vector<std::function<void()>> closes_;
    std::vector<std::function<void()>> releases_;
};

}  // namespace hvsup::supervisor
