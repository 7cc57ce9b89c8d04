// SPDX-License-Identifier: MIT
// Golden tests of the compute-system document (microagent-protocol.md §7.3).
#include "core/error.hpp"
#include "core/json.hpp"
#include "hcs/document.hpp"
#include "supervisor/compute_document.hpp"
#include "protocol/validate.hpp"
#include "hcs/schema/field_versions.hpp"
#include "hcs/schema/json.hpp"

#include <catch2/catch.hpp>

using namespace hvsup;
using supervisor::DocumentInputs;

namespace {

DocumentInputs reference_inputs()
{
    DocumentInputs in;
    in.runtime_id = "agent-1";
    auto& c = in.config;
    c.kernel_path = "C:\\microagent\\Image";
    c.rootfs_path = "C:\\state\\workspaces\\agent-1\\rootfs.vhd";
    c.state_dir = "C:\\state";
    c.memory_mib = 512;
    c.cpu_count = 2;
    c.disks.push_back(protocol::Disk{"config", "C:\\state\\workspaces\\agent-1\\disks\\config.vhd", "/config", "ro"});
    c.vsock_listeners.push_back(protocol::VsockListener{1024, "C:\\state\\agent-1\\result.json"});
    protocol::NetworkConfig net;
    net.mode = "nat";
    net.port_forwards.push_back(protocol::PortForward{"tcp", "127.0.0.1", 18080, 8080});
    net.ip = "192.168.127.2";
    net.subnet = "192.168.127.0/24";
    net.gateway = "192.168.127.1";
    net.dns = {"192.168.127.1"};
    c.network = net;
    c.shell_port = 41584;
    c.exec_port = 61584;
    in.endpoint_id = "6f1c2d3e-4b5a-4978-8a9b-0c1d2e3f4a5b";
    in.endpoint_mac = "00-15-5D-52-C0-05";
    return in;
}

}  // namespace

// The reference document (microagent-protocol.md §7.3) plus what issue 14 added: panic=-1 on
// a result run's command line and the endpoint's MacAddress on the adapter.
TEST_CASE("the reference document, byte for byte", "[hcs][document]")
{
    const std::string expected =
        R"J({"Owner":"microagent","SchemaVersion":{"Major":2,"Minor":1},"ShouldTerminateOnLastHandleClosed":false,)J"
        R"J("VirtualMachine":{"StopOnReset":true,"Chipset":{"LinuxKernelDirect":{"KernelFilePath":"C:\\microagent\\Image",)J"
        R"J("KernelCmdLine":"root=/dev/sda rw rootwait init=/sbin/microagent-init initcall_blacklist=virtio_vsock_init pci=off )J"
        R"J(microagent_shell_port=41584 microagent_exec_port=61584 microagent_net_if=eth0 microagent_net_ip=192.168.127.2/24 )J"
        R"J(microagent_net_gw=192.168.127.1 microagent_net_dns=192.168.127.1 8250_core.nr_uarts=1 8250_core.skip_txen_test=1 )J"
        R"J(console=ttyS0,115200 panic=-1"}},"ComputeTopology":{"Memory":{"SizeInMB":512,"AllowOvercommit":true},"Processor":{"Count":2}},)J"
        R"J("Devices":{"Scsi":{"0":{"Attachments":{)J"
        R"J("0":{"Type":"VirtualDisk","Path":"C:\\state\\workspaces\\agent-1\\rootfs.vhd","ReadOnly":false},)J"
        R"J("1":{"Type":"VirtualDisk","Path":"C:\\state\\workspaces\\agent-1\\disks\\config.vhd","ReadOnly":true}}}},)J"
        R"J("HvSocket":{"HvSocketConfig":{"DefaultBindSecurityDescriptor":"D:P(A;;FA;;;SY)(A;;FA;;;BA)",)J"
        R"J("DefaultConnectSecurityDescriptor":"D:P(A;;FA;;;SY)(A;;FA;;;BA)","ServiceTable":{)J"
        R"J("00000400-facb-11e6-bd58-64006a7986d3":{"AllowWildcardBinds":true,"BindSecurityDescriptor":"D:P(A;;FA;;;WD)","ConnectSecurityDescriptor":"D:P(A;;FA;;;SY)(A;;FA;;;BA)"},)J"
        R"J("000046a0-facb-11e6-bd58-64006a7986d3":{"AllowWildcardBinds":true,"BindSecurityDescriptor":"D:P(A;;FA;;;WD)","ConnectSecurityDescriptor":"D:P(A;;FA;;;WD)"},)J"
        R"J("0000a270-facb-11e6-bd58-64006a7986d3":{"AllowWildcardBinds":true,"BindSecurityDescriptor":"D:P(A;;FA;;;WD)","ConnectSecurityDescriptor":"D:P(A;;FA;;;WD)"},)J"
        R"J("0000f090-facb-11e6-bd58-64006a7986d3":{"AllowWildcardBinds":true,"BindSecurityDescriptor":"D:P(A;;FA;;;WD)","ConnectSecurityDescriptor":"D:P(A;;FA;;;WD)"}}}},)J"
        R"J("Plan9":{},"ComPorts":{"0":{"NamedPipe":"\\\\.\\pipe\\microagent-agent-1-serial"}},)J"
        R"J("NetworkAdapters":{"0":{"EndpointId":"6f1c2d3e-4b5a-4978-8a9b-0c1d2e3f4a5b","MacAddress":"00-15-5D-52-C0-05"}}}}})J";
    CHECK(supervisor::document_json(reference_inputs()) == expected);
}

TEST_CASE("a run without a result listener has no COM port and a quiet kernel", "[hcs][document]")
{
    DocumentInputs in;
    in.runtime_id = "agent-2";
    in.config.kernel_path = "/k/Image";
    in.config.rootfs_path = "/s/rootfs.vhd";
    in.config.state_dir = "/s";
    in.config.memory_mib = 768;
    in.config.cpu_count = 3;
    in.config.vsock_listeners.push_back(protocol::VsockListener{2048, "127.0.0.1:9000"});
    const auto doc = json::parse(supervisor::document_json(in), "doc");
    const auto& vm = doc.at("VirtualMachine");
    CHECK(vm.at("Chipset").at("LinuxKernelDirect").at("KernelCmdLine").as_string() ==
          "root=/dev/sda rw rootwait init=/sbin/microagent-init initcall_blacklist=virtio_vsock_init pci=off "
          "8250_core.nr_uarts=0 panic=-1 quiet");
    CHECK_FALSE(vm.at("Devices").as_object().contains("ComPorts"));
    CHECK_FALSE(vm.at("Devices").as_object().contains("NetworkAdapters"));
    CHECK(vm.at("ComputeTopology").at("Memory").at("SizeInMB").as_int64() == 768);
    CHECK(vm.at("ComputeTopology").at("Processor").at("Count").as_int64() == 3);
    const auto& svc = vm.at("Devices")
                          .at("HvSocket")
                          .at("HvSocketConfig")
                          .at("ServiceTable")
                          .at("00000800-facb-11e6-bd58-64006a7986d3");
    CHECK(svc.at("ConnectSecurityDescriptor").as_string() == "D:P(A;;FA;;;SY)(A;;FA;;;BA)");
    CHECK(vm.at("Devices").at("Plan9").as_object().empty());
}

TEST_CASE("memory rounds up to 2 MiB, defaults apply, disks follow request order", "[hcs][document]")
{
    DocumentInputs in;
    in.runtime_id = "r";
    in.config.kernel_path = "k";
    in.config.rootfs_path = "root.vhd";
    in.config.memory_mib = 513;
    in.config.disks.push_back(protocol::Disk{"a", "a.vhd", "/a", "ro"});
    in.config.disks.push_back(protocol::Disk{"b", "b.vhd", "/b", "rw"});
    auto doc = supervisor::build_document(in);
    CHECK(doc.virtual_machine->compute_topology->memory->size_in_mb == 514);
    CHECK(doc.virtual_machine->compute_topology->processor->count == 2);
    const auto& att = doc.virtual_machine->devices->scsi.at("0").attachments;
    REQUIRE(att.size() == 3);
    CHECK(att.at("0").path == "root.vhd");
    CHECK_FALSE(att.at("0").read_only);
    CHECK(att.at("1").path == "a.vhd");
    CHECK(att.at("1").read_only);
    CHECK(att.at("2").path == "b.vhd");
    CHECK_FALSE(att.at("2").read_only);
    in.config.memory_mib = 0;
    CHECK(supervisor::build_document(in).virtual_machine->compute_topology->memory->size_in_mb == 512);
    CHECK(supervisor::vm_access_paths(in.config, hcs::BootMode::kernel_direct) ==
          std::vector<std::string>{"k", "root.vhd", "a.vhd", "b.vhd"});
    // UEFI reads the kernel through a VmbFs share of its folder: the folder is granted.
    in.config.kernel_path = "C:\\boot\\Image";
    CHECK(supervisor::vm_access_paths(in.config, hcs::BootMode::uefi_vmbfs) ==
          std::vector<std::string>{"C:\\boot", "root.vhd", "a.vhd", "b.vhd"});
}

TEST_CASE("required inputs have the reference's errors", "[hcs][document]")
{
    DocumentInputs in;
    in.config.kernel_path = "k";
    in.config.rootfs_path = "r";
    CHECK_THROWS_WITH(supervisor::build_document(in), "compute system name is required");
    in.runtime_id = "x";
    in.config.kernel_path = " ";
    CHECK_THROWS_WITH(supervisor::build_document(in), "kernel path is required");
    in.config.kernel_path = "k";
    in.config.rootfs_path = "";
    CHECK_THROWS_WITH(supervisor::build_document(in), "rootfs path is required");
}

TEST_CASE("network command line per mode", "[hcs][document]")
{
    DocumentInputs in;
    in.runtime_id = "n";
    in.config.kernel_path = "k";
    in.config.rootfs_path = "r";
    in.config.network = protocol::NetworkConfig{};
    in.network = GuestNic{{}, {}, "10.0.0.5/16", "10.0.0.1", {"1.1.1.1", "8.8.8.8"}, {"db:10.0.0.9"}};

    in.config.network->mode = "isolated";
    CHECK(supervisor::kernel_command_line(in).find("microagent_net") == std::string::npos);

    in.config.network->mode = "named";
    CHECK_THAT(
        supervisor::kernel_command_line(in),
        Catch::Contains(" microagent_net_if=eth0 microagent_net_ip=10.0.0.5/16 microagent_net_gw=10.0.0.1"
                        " microagent_net_dns=1.1.1.1,8.8.8.8 microagent_net_hosts=db:10.0.0.9 8250_core.nr_uarts=0"));

    in.config.network->mode = "bridged";
    in.network = GuestNic{};
    in.endpoint_id = "6f1c2d3e-4b5a-4978-8a9b-0c1d2e3f4a5b";
    CHECK_THAT(supervisor::kernel_command_line(in), Catch::EndsWith("pci=off ip=dhcp 8250_core.nr_uarts=0 panic=-1 quiet"));
    in.endpoint_id.clear();
    CHECK(supervisor::kernel_command_line(in).find("ip=dhcp") == std::string::npos);

    // Without explicit runtime values, the resolved config.network is used.
    in.network.reset();
    in.config.network->mode = "user";
    in.config.network->ip = "192.168.127.2";
    in.config.network->subnet = "192.168.127.0/24";
    in.config.network->gateway = "192.168.127.1";
    CHECK_THAT(supervisor::kernel_command_line(in),
               Catch::Contains("microagent_net_ip=192.168.127.2/24 microagent_net_gw=192.168.127.1 8250"));
}

TEST_CASE("E3 guest ports win over host ports and register one service each", "[hcs][document]")
{
    DocumentInputs in;
    in.runtime_id = "e";
    in.config.kernel_path = "k";
    in.config.rootfs_path = "r";
    in.config.shell_port = 41584;
    in.config.exec_port = 61584;
    in.config.guest_exec_port = 61585;
    const auto doc = supervisor::build_document(in);
    const auto& table = doc.virtual_machine->devices->hv_socket->hv_socket_config.service_table;
    CHECK(table.count(hcs::vsock_service_id(61585)) == 1);
    CHECK(table.count(hcs::vsock_service_id(61584)) == 0);
    CHECK(table.count(hcs::vsock_service_id(41584)) == 1);
    CHECK_THAT(supervisor::kernel_command_line(in),
               Catch::Contains(" microagent_shell_port=41584 microagent_exec_port=61585 "));
}

TEST_CASE("schema version is capped at the host's highest", "[hcs][document]")
{
    DocumentInputs in;
    in.runtime_id = "v";
    in.config.kernel_path = "k";
    in.config.rootfs_path = "r";
    in.host_schema_version = hcs::schema::Version{2, 7};
    CHECK(*supervisor::build_document(in).schema_version == hcs::schema::Version{2, 1});
    // A 2.0 host knows neither HvSocket (2.1) nor LinuxKernelDirect (2.2): a clear error, not a
    // document it would refuse.
    in.host_schema_version = hcs::schema::Version{2, 0};
    CHECK_THROWS_WITH(supervisor::build_document(in),
                      "the host's HCS schema 2.0 does not know VirtualMachine.Chipset.LinuxKernelDirect (new in 2.2)");
    // Kernel-direct boot forced on a 2.1 host (Server 2019) is refused the same way.
    in.host_schema_version = hcs::schema::Version{2, 1};
    CHECK_THROWS_WITH(supervisor::build_document(in),
                      "the host's HCS schema 2.1 does not know VirtualMachine.Chipset.LinuxKernelDirect (new in 2.2)");
    in.boot = hcs::BootMode::uefi_vmbfs;
    CHECK(*supervisor::build_document(in).schema_version == hcs::schema::Version{2, 1});
}

TEST_CASE("the UEFI/VmbFs variant boots the kernel file from its directory", "[hcs][document]")
{
    DocumentInputs in = reference_inputs();
    in.boot = hcs::BootMode::uefi_vmbfs;
    in.host_schema_version = hcs::schema::Version{2, 3};
    const auto doc = json::parse(supervisor::document_json(in), "doc");
    const auto& chipset = doc.at("VirtualMachine").at("Chipset").as_object();
    CHECK_FALSE(chipset.contains("LinuxKernelDirect"));
    CHECK(
        json::compact(chipset.at("Uefi")) ==
        R"J({"ApplySecureBootTemplate":"Skip","BootThis":{"DeviceType":"VmbFs","DevicePath":"\\Image","VmbFsRootPath":"C:\\microagent",)J"
        R"J("OptionalData":")J" +
            supervisor::kernel_command_line(in) + R"J("}})J");
    // ApplySecureBootTemplate is schema 2.3: Server 2019 (2.1), the host that needs UEFI boot
    // most, refuses it as unknown JSON, so it is left out there.
    in.host_schema_version = hcs::schema::Version{2, 1};
    const auto server_2019 = json::parse(supervisor::document_json(in), "doc");
    CHECK(json::compact(server_2019.at("VirtualMachine").at("Chipset").at("Uefi")) ==
          R"J({"BootThis":{"DeviceType":"VmbFs","DevicePath":"\\Image","VmbFsRootPath":"C:\\microagent","OptionalData":")J" +
              supervisor::kernel_command_line(in) + R"J("}})J");
    CHECK(hcs::parse_boot_mode("uefi-vmbfs") == hcs::BootMode::uefi_vmbfs);
    CHECK(hcs::parse_boot_mode("kernel-direct") == hcs::BootMode::kernel_direct);
    CHECK_THROWS_AS(hcs::parse_boot_mode("bios"), Error);
}

TEST_CASE("the boot follows the host: schema 2.2 and x64 for kernel-direct, else UEFI/VmbFs", "[hcs][document]")
{
    using hcs::BootMode;
    using hcs::schema::Version;
    CHECK(hcs::choose_boot_mode(Version{2, 5}, "amd64").mode == BootMode::kernel_direct);
    CHECK(hcs::choose_boot_mode(Version{2, 2}, "amd64").mode == BootMode::kernel_direct);
    const auto server_2019 = hcs::choose_boot_mode(Version{2, 1}, "amd64");
    CHECK(server_2019.mode == BootMode::uefi_vmbfs);
    CHECK(server_2019.reason == "UEFI/VmbFs boot: the host's highest HCS schema is 2.1, LinuxKernelDirect needs 2.2");
    const auto arm = hcs::choose_boot_mode(Version{2, 7}, "arm64");
    CHECK(arm.mode == BootMode::uefi_vmbfs);
    CHECK(arm.reason == "UEFI/VmbFs boot: Hyper-V has no Linux kernel-direct boot on ARM64 hosts");
    // A host that did not answer the schema query keeps the reference's boot.
    CHECK(hcs::choose_boot_mode(std::nullopt, "amd64").mode == BootMode::kernel_direct);
}

TEST_CASE("service ids, pipe names and result targets", "[hcs][document]")
{
    CHECK(hcs::vsock_service_id(1024) == "00000400-facb-11e6-bd58-64006a7986d3");
    CHECK(hcs::vsock_service_id(22001) == "000055f1-facb-11e6-bd58-64006a7986d3");
    CHECK(supervisor::serial_pipe_name("agent-1") == "\\\\.\\pipe\\microagent-agent-1-serial");
    protocol::Config c;
    c.state_dir = "C:\\state\\";
    CHECK(protocol::is_result_target(c, "agent-1", "C:\\state\\agent-1\\result.json"));
    CHECK(protocol::is_result_target(c, "agent-1", "C:/state/agent-1/result.json"));
    CHECK_FALSE(protocol::is_result_target(c, "agent-1", "C:\\state\\agent-2\\result.json"));
    CHECK_FALSE(protocol::is_result_target(c, "agent-1", "127.0.0.1:9000"));
}

namespace {

// Every optional part of the document switched on: result run (ComPorts), NIC with MAC,
// listeners, forwards, shell/exec ports, data disks.
DocumentInputs everything(hcs::BootMode boot, std::optional<hcs::schema::Version> host)
{
    DocumentInputs in = reference_inputs();
    in.boot = boot;
    in.host_schema_version = host;
    return in;
}

}  // namespace

TEST_CASE("every document built for host schema X uses only fields of version <= X", "[hcs][document][schema]")
{
    using hcs::BootMode;
    using hcs::schema::Version;
    struct Row {
        Version host;
        BootMode boot;
        bool buildable;  // false: the host cannot express this boot at all
    };
    const std::vector<Row> rows{
        {{2, 0}, BootMode::uefi_vmbfs, false},    {{2, 0}, BootMode::kernel_direct, false},
        {{2, 1}, BootMode::uefi_vmbfs, true},     {{2, 1}, BootMode::kernel_direct, false},
        {{2, 2}, BootMode::uefi_vmbfs, true},     {{2, 2}, BootMode::kernel_direct, true},
        {{2, 3}, BootMode::uefi_vmbfs, true},     {{2, 3}, BootMode::kernel_direct, true},
        {{2, 4}, BootMode::uefi_vmbfs, true},     {{2, 4}, BootMode::kernel_direct, true},
        {{2, 5}, BootMode::uefi_vmbfs, true},     {{2, 5}, BootMode::kernel_direct, true},
        {{2, 6}, BootMode::uefi_vmbfs, true},     {{2, 6}, BootMode::kernel_direct, true},
        {{2, 7}, BootMode::uefi_vmbfs, true},     {{2, 7}, BootMode::kernel_direct, true},
    };
    for (const auto& row : rows) {
        for (const std::string arch : {"amd64", "arm64"}) {
            DYNAMIC_SECTION("host " << row.host.major << "." << row.host.minor << " " << hcs::to_string(row.boot) << " "
                                    << arch)
            {
                DocumentInputs in = everything(row.boot, row.host);
                in.architecture = arch;
                if (!row.buildable) {
                    CHECK_THROWS_WITH(supervisor::build_document(in), Catch::StartsWith("the host's HCS schema "));
                    continue;
                }
                const auto doc = json::parse(supervisor::document_json(in), "doc");
                for (const auto& f : hcs::schema::fields_newer_than(doc, row.host)) {
                    FAIL_CHECK(f.path << " needs " << (f.since ? std::to_string(f.since->major) + "." +
                                                                     std::to_string(f.since->minor)
                                                               : std::string("a version the table lacks")));
                }
                // The UEFI secure-boot switch appears exactly where the host knows it.
                if (row.boot == BootMode::uefi_vmbfs) {
                    CHECK(doc.at("VirtualMachine").at("Chipset").at("Uefi").as_object().contains(
                              "ApplySecureBootTemplate") == (row.host >= Version{2, 3}));
                }
            }
        }
    }
}

TEST_CASE("the field table knows every field the builder emits, with the documented versions", "[hcs][document][schema]")
{
    using hcs::schema::Version;
    // At the newest schema nothing may be reported: a field missing from the table would be.
    for (const auto boot : {hcs::BootMode::kernel_direct, hcs::BootMode::uefi_vmbfs}) {
        const auto doc = json::parse(supervisor::document_json(everything(boot, Version{2, 7})), "doc");
        CHECK(hcs::schema::fields_newer_than(doc, Version{99, 0}).empty());
    }
    CHECK(hcs::schema::field_since("VirtualMachine.Chipset.Uefi.ApplySecureBootTemplate") == Version{2, 3});
    CHECK(hcs::schema::field_since("VirtualMachine.Chipset.LinuxKernelDirect") == Version{2, 2});
    CHECK(hcs::schema::field_since("VirtualMachine.Devices.ComPorts") == Version{2, 1});
    CHECK(hcs::schema::field_since("VirtualMachine.Devices.NetworkAdapters.*.MacAddress") == Version{2, 0});
    CHECK_FALSE(hcs::schema::field_since("VirtualMachine.Chipset.UseUtc"));  // never emitted
    // A field the host does not know is reported with its concrete path.
    const auto doc = json::parse(R"({"VirtualMachine":{"Devices":{"NetworkAdapters":{"0":{"InstanceId":"x"}}}}})", "d");
    const auto too_new = hcs::schema::fields_newer_than(doc, Version{2, 7});
    REQUIRE(too_new.size() == 1);
    CHECK(too_new[0].path == "VirtualMachine.Devices.NetworkAdapters.0.InstanceId");
    CHECK_FALSE(too_new[0].since);
}

TEST_CASE("the network adapter carries the endpoint's MAC when HCN reported one", "[hcs][document]")
{
    DocumentInputs in = reference_inputs();
    auto adapter = [&] {
        return json::parse(supervisor::document_json(in), "doc").at("VirtualMachine").at("Devices").at("NetworkAdapters").at("0");
    };
    CHECK(adapter().at("MacAddress").as_string() == "00-15-5D-52-C0-05");
    in.endpoint_mac.clear();
    CHECK_FALSE(adapter().as_object().contains("MacAddress"));
}

TEST_CASE("result runs reboot on panic; ARM64 hosts get the PL011 console", "[hcs][document]")
{
    DocumentInputs in = reference_inputs();
    CHECK_THAT(supervisor::kernel_command_line(in), Catch::EndsWith(" console=ttyS0,115200 panic=-1"));
    CHECK(supervisor::build_document(in).virtual_machine->stop_on_reset);
    in.architecture = "arm64";
    in.boot = hcs::BootMode::uefi_vmbfs;
    const std::string arm = supervisor::kernel_command_line(in);
    CHECK_THAT(arm, Catch::EndsWith(" console=ttyAMA0,115200 panic=-1"));
    CHECK(arm.find("ttyS0") == std::string::npos);
    // Runs without a result listener were already quiet and panic=-1.
    in.config.vsock_listeners.clear();
    CHECK_THAT(supervisor::kernel_command_line(in), Catch::EndsWith(" 8250_core.nr_uarts=0 panic=-1 quiet"));
}
