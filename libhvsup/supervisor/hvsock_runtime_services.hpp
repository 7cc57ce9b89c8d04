// SPDX-License-Identifier: MIT
// RuntimeServices over the Hyper-V socket layer (libhvsup/hvsock) and helper processes
// (core/process): the product's listeners, serial capture and detached listener helper.
#pragma once

#include "core/log.hpp"
#include "hvsock/emulation_environment.hpp"
#include "supervisor/runtime_services.hpp"

#include <filesystem>
#include <functional>
#include <string>

namespace hvsup::supervisor {

class HvsockRuntimeServices final : public RuntimeServices {
public:
    // `helper_path`: the hvsock-listener executable launched for detached starts. The helper
    // gets the same HCS provider and API, so it notices its compute system exit.
    // `emulation_dir`: names the Hyper-V socket provider each time in-process listeners, a
    // serial capture or probe() need one: the loopback emulation rooted at the directory it
    // returns, or AF_HYPERV when that is empty. The default asks $HVSUP_HVSOCK_EMULATION_DIR at
    // that moment, as C ABI callers (and the binding tests) expect.
    HvsockRuntimeServices(
        std::string helper_path, std::string hcs_library, std::string hcs_api, Logger logger,
        std::function<std::filesystem::path()> emulation_dir = hvsock::emulation_dir_from_environment);

    std::unique_ptr<SerialLogCapture> start_serial_capture(const std::string& pipe_name,
                                                           const std::string& log_path) override;
    std::unique_ptr<RuntimeListeners> start_listeners(const std::string& vm_runtime_id, const protocol::Config& config,
                                                      const std::string& result_path) override;
    HelperProcess launch_helper(const std::string& state_dir, const std::string& runtime_id,
                                const std::string& log_path) override;
    void stop_helper(const HelperProcess& helper) override;
    bool helper_alive(const HelperProcess& helper) override;
    std::string probe() override;

private:
    // True when `helper.pid` is alive, runs helper_path_ and (when recorded) started at
    // helper.start_time: a PID read from runtime.json is signalled only then.
    bool is_our_helper(const HelperProcess& helper) const;

    std::string helper_path_;
    std::string hcs_library_;
    std::string hcs_api_;
    Logger logger_;
    std::function<std::filesystem::path()> emulation_dir_;
};

// hvsock-listener beside the running executable (hvsock-listener.exe on Windows).
std::string default_helper_path();

}  // namespace hvsup::supervisor
