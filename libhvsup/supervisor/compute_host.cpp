// SPDX-License-Identifier: MIT
#include "supervisor/compute_host.hpp"

#include "core/error.hpp"

namespace hvsup::supervisor {

HostProbe UnavailableComputeHost::probe()
{
    HostProbe p;
    p.error = reason_;
    return p;
}

void UnavailableComputeHost::check_access() { fail(); }
void UnavailableComputeHost::require_available() { fail(); }
CreatedSystem UnavailableComputeHost::create(const CreateRequest&) { fail(); }
void UnavailableComputeHost::start(const std::string&) { fail(); }
void UnavailableComputeHost::shutdown(const std::string&) { fail(); }
void UnavailableComputeHost::terminate(const std::string&) { fail(); }
std::unique_ptr<OpenSystem> UnavailableComputeHost::open(const std::string&) { fail(); }
bool UnavailableComputeHost::exists(const std::string&) { fail(); }
std::string UnavailableComputeHost::state(const std::string&) { fail(); }
void UnavailableComputeHost::fail() const { throw Error(ErrorCode::unsupported, reason_); }

}  // namespace hvsup::supervisor
