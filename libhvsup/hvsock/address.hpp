// SPDX-License-Identifier: MIT
// Hyper-V socket addresses: (VM id, service id) GUID pairs, and the vsock port <-> service id
// mapping a Linux guest uses (docs/hvsock.md, "Service ids").
#pragma once

#include "core/guid.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hvsup::hvsock {

// VM and service ids are core GUIDs (core/guid.hpp).
using hvsup::Guid;
using hvsup::parse_guid;
using hvsup::to_string;
using hvsup::try_parse_guid;

// The template every vsock service id is built from: 00000000-facb-11e6-bd58-64006a7986d3.
inline constexpr Guid vsock_template{0x00000000u, 0xfacbu, 0x11e6u, {0xbd, 0x58, 0x64, 0x00, 0x6a, 0x79, 0x86, 0xd3}};

// The service id of vsock port `port`: the template with Data1 = port.
Guid vsock_service_id(uint32_t port);
// The vsock port of a service id built from the template, nullopt for any other GUID.
std::optional<uint32_t> vsock_port(const Guid& service_id);

// Where a Hyper-V socket listens or connects: a VM (its HCS RuntimeId) and a service.
struct Address {
    Guid vm_id;
    Guid service_id;

    friend bool operator==(const Address&, const Address&) = default;
};

// "hvsock:<vm>:<port>" when the service is a vsock port, else "hvsock:<vm>:<service>".
std::string to_string(const Address& address);

}  // namespace hvsup::hvsock
