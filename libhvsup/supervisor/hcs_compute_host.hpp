// SPDX-License-Identifier: MIT
// ComputeHost over the HCS binding (libhvsup/hcs): the product's compute backend.
#pragma once

#include "hcs/client.hpp"
#include "hcs/document.hpp"
#include "supervisor/compute_document.hpp"
#include "supervisor/compute_host.hpp"

#include <memory>
#include <optional>
#include <string>

namespace hvsup::supervisor {

class HcsComputeHost final : public ComputeHost {
public:
    // `boot` unset = chosen per host by hcs::choose_boot_mode. `provider` is what doctor reports
    // about the library's exports (hcs::inspect_provider with the same load options).
    // `architecture` is the host's native machine ("" = core::native_machine() at run time);
    // tests pass "arm64" to get what an ARM64 host gets.
    HcsComputeHost(std::shared_ptr<hcs::HcsClient> client, std::optional<hcs::BootMode> boot,
                   hcs::ProviderReport provider = {}, std::string architecture = {});

    HostProbe probe() override;
    void check_access() override;
    void require_available() override {}
    CreatedSystem create(const CreateRequest& request) override;
    void start(const std::string& id) override;
    void shutdown(const std::string& id) override;
    void terminate(const std::string& id) override;
    std::unique_ptr<OpenSystem> open(const std::string& id) override;
    bool exists(const std::string& id) override;
    std::string state(const std::string& id) override;

private:
    DocumentInputs inputs(const CreateRequest& request);
    hcs::BootChoice boot_choice(const std::optional<hcs::schema::Version>& host_highest) const;

    std::shared_ptr<hcs::HcsClient> client_;
    std::optional<hcs::BootMode> boot_;
    hcs::ProviderReport provider_;
    std::string architecture_;
};

}  // namespace hvsup::supervisor
