// SPDX-License-Identifier: MIT
// tools/hvsup-guestinit/kernel_cmdline: the keys the host writes (compute_document.cpp) and the
// refusals, each naming the key at fault.
#include "kernel_cmdline.hpp"

#include <catch2/catch.hpp>

using namespace hvsup::guestinit;
using Catch::Matchers::Contains;

TEST_CASE("the kernel command line splits on blanks and keeps quoted words whole", "[guestinit]")
{
    CHECK(split_kernel_cmdline("  a b\tc\n") == std::vector<std::string>{"a", "b", "c"});
    CHECK(split_kernel_cmdline("k=\"x y\" z") == std::vector<std::string>{"k=x y", "z"});
    CHECK(split_kernel_cmdline("").empty());
}

TEST_CASE("the host's command line parses into ports and the static network", "[guestinit]")
{
    const auto k = parse_kernel_cmdline(
        "root=/dev/sda rw rootwait init=/sbin/microagent-init initcall_blacklist=virtio_vsock_init pci=off "
        "microagent_shell_port=41584 microagent_exec_port=61584 microagent_net_if=eth0 "
        "microagent_net_ip=192.168.127.2/24 microagent_net_gw=192.168.127.1 microagent_net_dns=192.168.127.1,1.1.1.1 "
        "microagent_net_hosts=db:10.0.0.5 8250_core.nr_uarts=1 console=ttyS0,115200 panic=-1\n");
    CHECK(k.shell_port == 41584);
    CHECK(k.exec_port == 61584);
    CHECK_FALSE(k.result_port);
    CHECK_FALSE(k.dhcp);
    REQUIRE(k.network);
    CHECK(k.network->interface_name == "eth0");
    CHECK(k.network->ip_cidr == "192.168.127.2/24");
    CHECK(k.network->gateway == "192.168.127.1");
    CHECK(k.network->dns == std::vector<std::string>{"192.168.127.1", "1.1.1.1"});
    CHECK(k.network->hosts == std::vector<std::string>{"db:10.0.0.5"});
    CHECK(k.disks.empty());
    CHECK(k.vsock_emulation_dir.empty());
}

TEST_CASE("ip=dhcp, data disks, the result port and the emulation keys", "[guestinit]")
{
    const auto k = parse_kernel_cmdline(
        "ip=dhcp microagent_disk=/dev/sdb:/config:ro microagent_disk=/dev/sdc:/data/x:rw "
        "microagent_result_port=0 microagent_vsock_emulation_dir=/tmp/e "
        "microagent_vm_id=11111111-1111-1111-1111-111111111111 microagent_future=1 "
        "microagent_vsock_emulation_netns=/.host-netns");
    CHECK(k.dhcp);
    REQUIRE(k.disks.size() == 2);
    CHECK(k.disks[0].device == "/dev/sdb");
    CHECK(k.disks[0].mountpoint == "/config");
    CHECK(k.disks[0].read_only);
    CHECK(k.disks[1].mountpoint == "/data/x");
    CHECK_FALSE(k.disks[1].read_only);
    REQUIRE(k.result_port);
    CHECK(*k.result_port == 0);
    CHECK(k.vsock_emulation_dir == "/tmp/e");
    CHECK(k.vm_id == "11111111-1111-1111-1111-111111111111");
    CHECK(k.vsock_emulation_netns == "/.host-netns");
    CHECK_FALSE(parse_kernel_cmdline("ip=off").dhcp);
}

TEST_CASE("bad ports name their key", "[guestinit]")
{
    CHECK_THROWS_WITH(parse_kernel_cmdline("microagent_shell_port=0"),
                      Contains("microagent_shell_port must be a positive uint16"));
    CHECK_THROWS_WITH(parse_kernel_cmdline("microagent_exec_port=65536"), Contains("microagent_exec_port"));
    CHECK_THROWS_WITH(parse_kernel_cmdline("microagent_secrets_port=12x"), Contains("microagent_secrets_port"));
    CHECK_THROWS_WITH(parse_kernel_cmdline("microagent_result_port="), Contains("microagent_result_port"));
    CHECK_THROWS_AS(parse_kernel_cmdline("microagent_shell_port=-1"), ConfigError);
}

TEST_CASE("bad data disks are refused with the disk named", "[guestinit]")
{
    CHECK_THROWS_WITH(parse_kernel_cmdline("microagent_disk=/dev/sdb:/config:rx"),
                      Contains("mount /config mode must be ro or rw"));
    CHECK_THROWS_WITH(parse_kernel_cmdline("microagent_disk=/dev/sdb:/config"), Contains("DEVICE:MOUNTPOINT:ro|rw"));
    CHECK_THROWS_WITH(parse_kernel_cmdline("microagent_disk=sdb:/config:ro"), Contains("device must be a /dev/ path"));
    CHECK_THROWS_WITH(parse_kernel_cmdline("microagent_disk=/dev/sdb:config:ro"), Contains("mountpoint must be"));
    CHECK_THROWS_WITH(parse_kernel_cmdline("microagent_disk=/dev/sdb:/:ro"), Contains("mountpoint must be"));
    CHECK_THROWS_WITH(parse_kernel_cmdline("microagent_disk=/dev/sdb:/a/../etc:ro"), Contains("mountpoint must be"));
    CHECK_THROWS_WITH(parse_kernel_cmdline("microagent_disk=/dev/sdb:/c:ro microagent_disk=/dev/sdc:/c:rw"),
                      Contains("/c is given twice"));
}

TEST_CASE("a partial network or emulation is refused", "[guestinit]")
{
    CHECK_THROWS_WITH(parse_kernel_cmdline("microagent_net_if=eth0 microagent_net_ip=10.0.0.2/24"),
                      Contains("must be given together"));
    CHECK_THROWS_WITH(
        parse_kernel_cmdline("microagent_net_if=eth0 microagent_net_ip=10.0.0.2 microagent_net_gw=10.0.0.1"),
        Contains("microagent_net_ip must be ADDRESS/PREFIX"));
    CHECK_THROWS_WITH(parse_kernel_cmdline("microagent_vsock_emulation_dir=/tmp/e"),
                      Contains("microagent_vsock_emulation_dir and microagent_vm_id"));
    CHECK_THROWS_WITH(parse_kernel_cmdline("microagent_vsock_emulation_netns=/proc/1/ns/net"),
                      Contains("microagent_vsock_emulation_netns needs microagent_vsock_emulation_dir"));
}

TEST_CASE("network addresses are checked", "[guestinit]")
{
    CHECK(is_ipv4("10.0.0.2"));
    CHECK(is_ipv4("255.255.255.255"));
    CHECK_FALSE(is_ipv4("256.0.0.1"));
    CHECK_FALSE(is_ipv4("10.0.0"));
    CHECK_FALSE(is_ipv4("10.0.0.2.3"));
    CHECK_FALSE(is_ipv4("10..0.2"));
    CHECK_FALSE(is_ipv4("a.b.c.d"));
    CHECK_FALSE(is_ipv4(""));
    const std::string base = "microagent_net_if=eth0 microagent_net_gw=10.0.0.1 ";
    CHECK(parse_kernel_cmdline(base + "microagent_net_ip=10.0.0.2/0").network);
    CHECK_THROWS_WITH(parse_kernel_cmdline(base + "microagent_net_ip=10.0.0.2/33"),
                      Contains("microagent_net_ip must be ADDRESS/PREFIX"));
    CHECK_THROWS_WITH(parse_kernel_cmdline(base + "microagent_net_ip=10.0.0/24"),
                      Contains("microagent_net_ip must be ADDRESS/PREFIX"));
    CHECK_THROWS_WITH(parse_kernel_cmdline(base + "microagent_net_ip=10.0.0.2/"),
                      Contains("microagent_net_ip must be ADDRESS/PREFIX"));
    CHECK_THROWS_WITH(parse_kernel_cmdline("microagent_net_if=eth0 microagent_net_ip=10.0.0.2/24 microagent_net_gw=gw"),
                      Contains("microagent_net_gw must be an IPv4 address (got \"gw\")"));
    CHECK_THROWS_WITH(parse_kernel_cmdline(base + "microagent_net_ip=10.0.0.2/24 microagent_net_dns=1.1.1.1,x"),
                      Contains("microagent_net_dns entry \"x\" is not an IPv4 address"));
    CHECK_THROWS_WITH(parse_kernel_cmdline(base + "microagent_net_ip=10.0.0.2/24 microagent_net_hosts=db"),
                      Contains("microagent_net_hosts entry \"db\" must be NAME:IPV4"));
    CHECK_THROWS_WITH(parse_kernel_cmdline(base + "microagent_net_ip=10.0.0.2/24 microagent_net_hosts=:1.2.3.4"),
                      Contains("must be NAME:IPV4"));
}
