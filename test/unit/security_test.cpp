// SPDX-License-Identifier: MIT
// Least-privilege settings that are pure data: the Hyper-V socket service table's security
// descriptors and the COM1 pipe's DACL (docs/security.md). Portable: also runs under Wine.
#include "core/json.hpp"
#include "hcs/document.hpp"
#include "supervisor/compute_document.hpp"
#include "hvsock/serial_capture.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace hvsup;

TEST_CASE("the COM1 pipe admits SYSTEM, Administrators and the supervisor's user only", "[security]")
{
    CHECK(hvsock::serial_pipe_sddl("S-1-5-21-1-2-3-1001") ==
          "D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;GA;;;S-1-5-21-1-2-3-1001)");
}

TEST_CASE("the hvsock service table opens only the requested services, each as narrow as its direction allows",
          "[security]")
{
    supervisor::DocumentInputs in;
    in.runtime_id = "agent-1";
    in.config.kernel_path = "k";
    in.config.rootfs_path = "root.vhd";
    in.config.vsock_listeners.push_back(protocol::VsockListener{1024, "result.json"});
    protocol::NetworkConfig net;
    net.mode = "nat";
    net.port_forwards.push_back(protocol::PortForward{"tcp", "", 18080, 8080});
    in.config.network = net;
    const auto doc = json::parse(supervisor::document_json(in), "doc");
    const auto& hv = doc.at("VirtualMachine").at("Devices").at("HvSocket").at("HvSocketConfig");
    // Services the document does not list: only SYSTEM and Administrators may bind or connect.
    CHECK(hv.at("DefaultBindSecurityDescriptor").as_string() == "D:P(A;;FA;;;SY)(A;;FA;;;BA)");
    CHECK(hv.at("DefaultConnectSecurityDescriptor").as_string() == "D:P(A;;FA;;;SY)(A;;FA;;;BA)");
    std::set<std::string> services;
    for (const auto& kv : hv.at("ServiceTable").as_object()) services.insert(std::string(kv.key()));
    CHECK(services == std::set<std::string>{"00000400-facb-11e6-bd58-64006a7986d3",    // result listener 1024
                                            "000046a0-facb-11e6-bd58-64006a7986d3"});  // published 18080
    // Bind = which host principals may listen on the service for this VM; Connect = which host
    // principals may connect to the guest on it. Guest -> host (a listener the supervisor
    // binds): host-side connects stay SYSTEM and Administrators; the bind follows the reference.
    const auto& listener = hv.at("ServiceTable").at("00000400-facb-11e6-bd58-64006a7986d3");
    CHECK(listener.at("BindSecurityDescriptor").as_string() == "D:P(A;;FA;;;WD)");
    CHECK(listener.at("ConnectSecurityDescriptor").as_string() == "D:P(A;;FA;;;SY)(A;;FA;;;BA)");
    CHECK(listener.at("AllowWildcardBinds").as_bool());
    // Host -> guest (published port): the guest listens and the host helper connects; both
    // descriptors are the reference's (docs/security.md says why they are not narrowed).
    const auto& forward = hv.at("ServiceTable").at("000046a0-facb-11e6-bd58-64006a7986d3");
    CHECK(forward.at("BindSecurityDescriptor").as_string() == "D:P(A;;FA;;;WD)");
    CHECK(forward.at("ConnectSecurityDescriptor").as_string() == "D:P(A;;FA;;;WD)");
}
