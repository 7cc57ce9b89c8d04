// Golden tests of the compute-system document (microagent-protocol.md §7.3).
#include "core/error.hpp"
#include "core/json.hpp"
#include "hcs/document.hpp"
#include "protocol/validate.hpp"
#include "hcs/schema/json.hpp"

#include <catch2/catch.hpp>

using namespace hvsup;
using hcs::DocumentInputs;

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
    return in;
}

}  // namespace

TEST_CASE("the reference document, byte for byte", "[hcs][document]")
{
    const std::string expected =
        R"J({"Owner":"microagent","SchemaVersion":{"Major":2,"Minor":1},"ShouldTerminateOnLastHandleClosed":false,)J"
        R"J("VirtualMachine":{"StopOnReset":true,"Chipset":{"LinuxKernelDirect":{"KernelFilePath":"C:\\microagent\\Image",)J"
        R"J("KernelCmdLine":"root=/dev/sda rw rootwait init=/sbin/microagent-init initcall_blacklist=virtio_vsock_init pci=off )J"
        R"J(microagent_shell_port=41584 microagent_exec_port=61584 microagent_net_if=eth0 microagent_net_ip=192.168.127.2/24 )J"
        R"J(microagent_net_gw=192.168.127.1 microagent_net_dns=192.168.127.1 8250_core.nr_uarts=1 8250_core.skip_txen_test=1 )J"
        R"J(console=ttyS0,115200"}},"ComputeTopology":{"Memory":{"SizeInMB":512,"AllowOvercommit":true},"Processor":{"Count":2}},)J"
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
        R"J("NetworkAdapters":{"0":{"EndpointId":"6f1c2d3e-4b5a-4978-8a9b-0c1d2e3f4a5b"}}}}})J";
    CHECK(hcs::document_json(reference_inputs()) == expected);
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
    const auto doc = json::parse(hcs::document_json(in), "doc");
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
    auto doc = hcs::build_document(in);
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
    CHECK(hcs::build_document(in).virtual_machine->compute_topology->memory->size_in_mb == 512);
    CHECK(hcs::vm_access_paths(in.config) == std::vector<std::string>{"root.vhd", "a.vhd", "b.vhd"});
}

TEST_CASE("required inputs have the reference's errors", "[hcs][document]")
{
    DocumentInputs in;
    in.config.kernel_path = "k";
    in.config.rootfs_path = "r";
    CHECK_THROWS_WITH(hcs::build_document(in), "compute system name is required");
    in.runtime_id = "x";
    in.config.kernel_path = " ";
    CHECK_THROWS_WITH(hcs::build_document(in), "kernel path is required");
    in.config.kernel_path = "k";
    in.config.rootfs_path = "";
    CHECK_THROWS_WITH(hcs::build_document(in), "rootfs path is required");
}

TEST_CASE("network command line per mode", "[hcs][document]")
{
    DocumentInputs in;
    in.runtime_id = "n";
    in.config.kernel_path = "k";
    in.config.rootfs_path = "r";
    in.config.network = protocol::NetworkConfig{};
    in.network = hcs::RuntimeNetwork{"10.0.0.5", 16, "10.0.0.1", {"1.1.1.1", "8.8.8.8"}, {"db:10.0.0.9"}};

    in.config.network->mode = "isolated";
    CHECK(hcs::kernel_command_line(in).find("microagent_net") == std::string::npos);

    in.config.network->mode = "named";
    CHECK_THAT(
        hcs::kernel_command_line(in),
        Catch::Contains(" microagent_net_if=eth0 microagent_net_ip=10.0.0.5/16 microagent_net_gw=10.0.0.1"
                        " microagent_net_dns=1.1.1.1,8.8.8.8 microagent_net_hosts=db:10.0.0.9 8250_core.nr_uarts=0"));

    in.config.network->mode = "bridged";
    in.network = hcs::RuntimeNetwork{};
    in.endpoint_id = "6f1c2d3e-4b5a-4978-8a9b-0c1d2e3f4a5b";
    CHECK_THAT(hcs::kernel_command_line(in), Catch::EndsWith("pci=off ip=dhcp 8250_core.nr_uarts=0 panic=-1 quiet"));
    in.endpoint_id.clear();
    CHECK(hcs::kernel_command_line(in).find("ip=dhcp") == std::string::npos);

    // Without explicit runtime values, the resolved config.network is used.
    in.network.reset();
    in.config.network->mode = "user";
    in.config.network->ip = "192.168.127.2";
    in.config.network->subnet = "192.168.127.0/24";
    in.config.network->gateway = "192.168.127.1";
    CHECK_THAT(hcs::kernel_command_line(in),
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
    const auto doc = hcs::build_document(in);
    const auto& table = doc.virtual_machine->devices->hv_socket->hv_socket_config.service_table;
    CHECK(table.count(hcs::vsock_service_id(61585)) == 1);
    CHECK(table.count(hcs::vsock_service_id(61584)) == 0);
    CHECK(table.count(hcs::vsock_service_id(41584)) == 1);
    CHECK_THAT(hcs::kernel_command_line(in),
               Catch::Contains(" microagent_shell_port=41584 microagent_exec_port=61585 "));
}

TEST_CASE("schema version is capped at the host's highest", "[hcs][document]")
{
    DocumentInputs in;
    in.runtime_id = "v";
    in.config.kernel_path = "k";
    in.config.rootfs_path = "r";
    in.host_schema_version = hcs::schema::Version{2, 7};
    CHECK(*hcs::build_document(in).schema_version == hcs::schema::Version{2, 1});
    in.host_schema_version = hcs::schema::Version{2, 0};
    CHECK(*hcs::build_document(in).schema_version == hcs::schema::Version{2, 0});
}

TEST_CASE("the UEFI/VmbFs variant boots the kernel file from its directory", "[hcs][document]")
{
    DocumentInputs in = reference_inputs();
    in.boot = hcs::BootMode::uefi_vmbfs;
    const auto doc = json::parse(hcs::document_json(in), "doc");
    const auto& chipset = doc.at("VirtualMachine").at("Chipset").as_object();
    CHECK_FALSE(chipset.contains("LinuxKernelDirect"));
    CHECK(
        json::compact(chipset.at("Uefi")) ==
        R"J({"ApplySecureBootTemplate":"Skip","BootThis":{"DeviceType":"VmbFs","DevicePath":"\\Image","VmbFsRootPath":"C:\\microagent",)J"
        R"J("OptionalData":")J" +
            hcs::kernel_command_line(in) + R"J("}})J");
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
    CHECK(hcs::serial_pipe_name("agent-1") == "\\\\.\\pipe\\microagent-agent-1-serial");
    protocol::Config c;
    c.state_dir = "C:\\state\\";
    CHECK(protocol::is_result_target(c, "agent-1", "C:\\state\\agent-1\\result.json"));
    CHECK(protocol::is_result_target(c, "agent-1", "C:/state/agent-1/result.json"));
    CHECK_FALSE(protocol::is_result_target(c, "agent-1", "C:\\state\\agent-2\\result.json"));
    CHECK_FALSE(protocol::is_result_target(c, "agent-1", "127.0.0.1:9000"));
}
