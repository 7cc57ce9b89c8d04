#include "hcs/teardown.hpp"

#include "hcs/hresult.hpp"

#include <fmt/format.h>

namespace hvsup::hcs {

const char* to_string(StopOutcome outcome) noexcept
{
    switch (outcome) {
        case StopOutcome::not_found:
            return "not found";
        case StopOutcome::exited:
            return "exited";
        case StopOutcome::terminated:
            return "terminated";
    }
    return "unknown";
}

StopOutcome stop_compute_system(HcsClient& client, const std::string& id, const StopOptions& options)
{
    std::optional<ComputeSystem> system;
    try {
        system.emplace(client.open(id, options.operation));
    } catch (const Error& e) {
        if (is_missing_compute_system(e)) return StopOutcome::not_found;
        throw;
    }
    if (options.graceful) {
        system->shutdown();
        if (system->wait_for_exit(options.grace)) return StopOutcome::exited;
    }
    system->terminate(options.operation);
    if (system->wait_for_exit(options.after_terminate)) return StopOutcome::terminated;
    std::string state = "unknown";
    try {
        state = system->properties(options.operation).state;
    } catch (const Error&) {
    }
    throw make_error(options.operation, fmt::format("compute system {} is still {} after terminate", id, state), 0);
}

}  // namespace hvsup::hcs
