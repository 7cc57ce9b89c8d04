// SPDX-License-Identifier: MIT
#include "supervisor/hcs_compute_host.hpp"

#include "core/error.hpp"
#include "core/native_machine.hpp"

#include <fmt/format.h>

namespace hvsup::supervisor {

namespace {

std::string exports_detail(const hcs::ProviderReport& provider)
{
    if (!provider.loaded) return {};
    auto api = [](const char* name, const std::string& missing) {
        return missing.empty() ? fmt::format("{} API complete", name) : fmt::format("{} API lacks {}", name, missing);
    };
    return fmt::format("{}: {}; {}", provider.library, api("computecore (v2)", provider.missing_v2),
                       api("vmcompute (v1)", provider.missing_v1));
}

// One HCS handle; none when HCS did not know the system (it has exited).
class HcsOpenSystem final : public OpenSystem {
public:
    explicit HcsOpenSystem(std::optional<hcs::ComputeSystemHandle> handle) : handle_(std::move(handle)) {}
    bool wait_for_exit(std::chrono::milliseconds timeout, std::stop_token stop) override
    {
        return !handle_ || handle_->wait_for_exit(timeout, std::move(stop)).has_value();
    }

private:
    std::optional<hcs::ComputeSystemHandle> handle_;
};

}  // namespace

HcsComputeHost::HcsComputeHost(std::shared_ptr<hcs::HcsClient> client, std::optional<hcs::BootMode> boot,
                               hcs::ProviderReport provider, std::string architecture)
    : client_(std::move(client)),
      boot_(boot),
      provider_(std::move(provider)),
      architecture_(architecture.empty() ? core::native_machine() : std::move(architecture))
{
}

hcs::BootChoice HcsComputeHost::boot_choice(const std::optional<hcs::schema::Version>& host_highest) const
{
    if (boot_) return {*boot_, fmt::format("{} boot: chosen by the caller", hcs::to_string(*boot_))};
    return hcs::choose_boot_mode(host_highest, architecture_);
}

HostProbe HcsComputeHost::probe()
{
    HostProbe p;
    p.api = client_->dll();
    p.framework_available = true;
    p.exports = exports_detail(provider_);
    std::optional<hcs::schema::Version> highest;
    try {
        // A host that answers the service query runs the hypervisor stack HCS needs.
        highest = client_->highest_schema_version();
        p.virtualization_supported = true;
    } catch (const Error& e) {
        p.error = e.what();
    }
    p.boot = boot_choice(highest).reason;
    return p;
}

void HcsComputeHost::check_access() { client_->probe_access(); }

DocumentInputs HcsComputeHost::inputs(const CreateRequest& request)
{
    DocumentInputs in;
    in.config = request.config;
    in.runtime_id = request.id;
    if (request.nic) {
        in.endpoint_id = request.nic->endpoint_id;
        in.endpoint_mac = request.nic->mac_address;
    }
    in.network = request.nic;
    in.architecture = architecture_;
    in.serial_pipe = request.serial_pipe;
    try {
        in.host_schema_version = client_->highest_schema_version();
    } catch (const Error&) {
        // An older host without the query: the reference version is used.
    }
    in.boot = boot_choice(in.host_schema_version).mode;
    // HCS refuses more virtual processors than the host has logical ones; like hcsshim, clamp
    // to the host's count rather than fail.
    try {
        const uint32_t host_processors = client_->logical_processor_count();
        if (host_processors != 0 && in.config.cpu_count > int64_t{host_processors}) in.config.cpu_count = host_processors;
    } catch (const Error&) {
        // A host that does not answer the query: HCS itself judges the count.
    }
    return in;
}

CreatedSystem HcsComputeHost::create(const CreateRequest& request)
{
    const hcs::VmFacts facts = vm_facts(inputs(request));
    const std::string doc = hcs::document_json(facts);
    // Every file the VM worker opens (the kernel or its VmbFs folder, the VHDs) is granted to
    // it before it exists (HcsGrantVmAccess takes the compute-system id), so a failed grant
    // creates nothing.
    for (const std::string& path : hcs::vm_access_paths(facts))
        client_->grant_vm_access(request.id, path);
    hcs::ComputeSystemHandle system = client_->create(request.id, doc);
    CreatedSystem created{request.id, {}, {}};
    try {
        created.runtime_id = system.properties("get properties after create").runtime_id;
    } catch (...) {
        try {
            system.terminate("delete");
        } catch (...) {
        }
        throw;
    }
    // The handle stays open for the command's waits (its exit events are registered already).
    created.system = std::make_shared<HcsOpenSystem>(std::move(system));
    return created;
}

void HcsComputeHost::start(const std::string& id) { client_->open(id, "start open").start(); }

void HcsComputeHost::shutdown(const std::string& id) { client_->open(id, "shutdown open").shutdown(); }

void HcsComputeHost::terminate(const std::string& id) { client_->open(id, "kill open").terminate("kill"); }

std::unique_ptr<OpenSystem> HcsComputeHost::open(const std::string& id)
{
    try {
        return std::make_unique<HcsOpenSystem>(client_->open(id, "wait open"));
    } catch (const Error& e) {
        if (hcs::HcsClient::is_missing_compute_system(e)) return std::make_unique<HcsOpenSystem>(std::nullopt);
        throw;
    }
}

bool HcsComputeHost::exists(const std::string& id)
{
    try {
        client_->open(id, "open");
        return true;
    } catch (const Error& e) {
        if (hcs::HcsClient::is_missing_compute_system(e)) return false;
        throw;
    }
}

std::string HcsComputeHost::state(const std::string& id)
{
    try {
        return client_->open(id, "open").properties().state;
    } catch (const Error&) {
        return {};
    }
}

}  // namespace hvsup::supervisor
