// SPDX-License-Identifier: MIT
#include "supervisor/network_host.hpp"

#include "core/error.hpp"
#include "protocol/validate.hpp"

namespace hvsup::supervisor {

PreparedNetwork UnavailableNetworkHost::prepare(const protocol::Config& config, const std::string&)
{
    if (protocol::effective_network_mode(config.network) == "isolated") {
        return PreparedNetwork{{}, {}, config.network.value_or(protocol::NetworkConfig{}), std::nullopt};
    }
    throw Error(ErrorCode::unsupported, reason_);
}

void UnavailableNetworkHost::release(const std::string& endpoint_id)
{
    if (!endpoint_id.empty()) throw Error(ErrorCode::unsupported, reason_);
}

}  // namespace hvsup::supervisor
