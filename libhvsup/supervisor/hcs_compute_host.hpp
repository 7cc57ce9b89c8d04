// ComputeHost over the HCS binding (libhvsup/hcs): the product's compute backend.
#pragma once

#include "hcs/client.hpp"
#include "hcs/document.hpp"
#include "supervisor/compute_host.hpp"

#include <memory>

namespace hvsup::supervisor {

class HcsComputeHost final : public ComputeHost {
public:
    HcsComputeHost(std::shared_ptr<hcs::HcsClient> client, hcs::BootMode boot);

    HostProbe probe() override;
    void check_access() override;
    void require_available() override {}
    CreatedSystem create(const CreateRequest& request) override;
    void start(const std::string& id) override;
    void shutdown(const std::string& id) override;
    void terminate(const std::string& id) override;
    bool wait_for_exit(const std::string& id, std::chrono::milliseconds timeout) override;
    bool exists(const std::string& id) override;
    std::string state(const std::string& id) override;

    // The document a request would produce (for `plan`): no HCS call but the schema query.
    std::string document(const CreateRequest& request);

private:
    hcs::DocumentInputs inputs(const CreateRequest& request);

    std::shared_ptr<hcs::HcsClient> client_;
    hcs::BootMode boot_;
};

}  // namespace hvsup::supervisor
