// SPDX-License-Identifier: MIT
// Where a request becomes a compute-system document: the supervisor translates the request's
// config (and what HCN settled) into the VM facts hcs::build_document takes, including the
// kernel command line of the guest contract (docs/hcs.md, "The document").
// Used by start (HcsComputeHost), plan and hvsup_hcs_build_document.
#pragma once

#include "core/guest_nic.hpp"
#include "hcs/document.hpp"
#include "protocol/types.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hvsup::supervisor {

struct DocumentInputs {
    // The normalised request config. Its network (mode, and when `network` is unset the
    // address values ip, subnet prefix, gateway, dns) is the resolved runtime network.
    protocol::Config config;
    std::string runtime_id;   // identity.runtimeID = the compute-system id
    std::string endpoint_id;  // HCN endpoint GUID; empty = no NetworkAdapters
    // The endpoint's MAC as HCN reports it ("00-15-5D-xx-xx-xx"); sent as the adapter's
    // MacAddress as hcsshim and WSL do. Empty = left to HCS.
    std::string endpoint_mac;
    // The host's native machine at run time (core::native_machine: "amd64" | "arm64"); arm64
    // guests get the PL011 console ttyAMA0 instead of ttyS0.
    std::string architecture = "amd64";
    hcs::BootMode boot = hcs::BootMode::kernel_direct;
    // The guest NIC's addressing as HCN settled it (start); unset = taken from config.network
    // (plan and hvsup_hcs_build_document, which ask no HCN).
    std::optional<GuestNic> network;
    std::optional<hcs::schema::Version> host_schema_version;
    std::string owner = "microagent";
    // The COM1 pipe, verbatim ("" = none, not a result run); unset = serial_pipe_name() when
    // the config has a result listener.
    std::optional<std::string> serial_pipe;
};

// `\\.\pipe\microagent-<runtimeID>-serial`
std::string serial_pipe_name(std::string_view runtime_id);

// The kernel command line alone, in the reference order (for `plan` and the document).
std::string kernel_command_line(const DocumentInputs& inputs);

// The facts hcs::build_document takes.
hcs::VmFacts vm_facts(const DocumentInputs& inputs);

// hcs::build_document / document_json / vm_access_paths over vm_facts(inputs).
hcs::schema::ComputeSystem build_document(const DocumentInputs& inputs);
std::string document_json(const DocumentInputs& inputs);
std::vector<std::string> vm_access_paths(const protocol::Config& config, hcs::BootMode boot);

}  // namespace hvsup::supervisor
