#include "supervisor/compute_host.hpp"

#include "core/error.hpp"

namespace hvsup::supervisor {

HostProbe UnavailableComputeHost::probe() { return HostProbe{false, false, {}, reason_}; }
void UnavailableComputeHost::check_access() { fail(); }
void UnavailableComputeHost::require_available() { fail(); }
void UnavailableComputeHost::shutdown(const std::string&) { fail(); }
void UnavailableComputeHost::terminate(const std::string&) { fail(); }
void UnavailableComputeHost::fail() const { throw Error(ErrorCode::unsupported, reason_); }

}  // namespace hvsup::supervisor
