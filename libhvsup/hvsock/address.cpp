// SPDX-License-Identifier: MIT
#include "hvsock/address.hpp"

#include "core/error.hpp"

#include <fmt/format.h>

namespace hvsup::hvsock {

Guid vsock_service_id(uint32_t port)
{
    Guid g = vsock_template;
    g.data1 = port;
    return g;
}

std::optional<uint32_t> vsock_port(const Guid& service_id)
{
    if (service_id.data2 != vsock_template.data2 || service_id.data3 != vsock_template.data3 ||
        service_id.data4 != vsock_template.data4) {
        return std::nullopt;
    }
    return service_id.data1;
}

std::string to_string(const Address& address)
{
    if (auto port = vsock_port(address.service_id)) {
        return fmt::format("hvsock:{}:{}", to_string(address.vm_id), *port);
    }
    return fmt::format("hvsock:{}:{}", to_string(address.vm_id), to_string(address.service_id));
}

}  // namespace hvsup::hvsock
