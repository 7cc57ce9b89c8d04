// SPDX-License-Identifier: MIT
#include "compute_system_watch.hpp"

#include "core/error.hpp"
#include "hcs/client.hpp"

#include <chrono>
#include <optional>

namespace hvsock_listener {

std::function<void(StopSignal&)> compute_system_source(std::string hcs_library, std::string hcs_api,
                                                       std::string compute_system_id,
                                                       std::function<void(const std::string&)> log)
{
    return [=](StopSignal& stop) {
        std::optional<hvsup::hcs::ComputeSystemHandle> system;
        try {
            hvsup::hcs::LoadOptions load;
            load.library_path = hcs_library;
            if (hcs_api == "computecore") load.force_api = hvsup::hcs::ApiKind::computecore;
            if (hcs_api == "vmcompute") load.force_api = hvsup::hcs::ApiKind::vmcompute;
            auto client = hvsup::hcs::HcsClient::load(load);
            try {
                system.emplace(client->open(compute_system_id, "wait open"));
            } catch (const hvsup::Error& e) {
                if (hvsup::hcs::HcsClient::is_missing_compute_system(e)) {
                    stop.request_stop("compute system " + compute_system_id + " is gone");
                    return;
                }
                throw;
            }
        } catch (const hvsup::Error& e) {
            log(std::string("not watching the compute system: ") + e.what());
            return;
        }
        while (!stop.stop_requested()) {
            try {
                if (system->wait_for_exit(std::chrono::milliseconds(250))) {
                    stop.request_stop("compute system " + compute_system_id + " exited");
                    return;
                }
            } catch (const hvsup::Error& e) {
                stop.request_stop(std::string("compute system watch failed: ") + e.what());
                return;
            }
        }
    };
}

}  // namespace hvsock_listener
