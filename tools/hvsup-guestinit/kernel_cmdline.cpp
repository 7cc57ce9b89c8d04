// SPDX-License-Identifier: MIT
#include "kernel_cmdline.hpp"

#include <charconv>

namespace hvsup::guestinit {

namespace {

uint16_t parse_port(std::string_view key, std::string_view value, bool allow_zero)
{
    unsigned int port = 0;
    const auto* end = value.data() + value.size();
    const auto [ptr, ec] = std::from_chars(value.data(), end, port);
    if (value.empty() || ec != std::errc() || ptr != end || port > 65535 || (port == 0 && !allow_zero)) {
        throw ConfigError(std::string(key) + " must be a positive uint16 (got \"" + std::string(value) + "\")");
    }
    return static_cast<uint16_t>(port);
}

std::vector<std::string> split_list(std::string_view value)
{
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= value.size()) {
        const size_t comma = value.find(',', start);
        const std::string_view item = value.substr(start, comma == std::string_view::npos ? comma : comma - start);
        if (!item.empty()) out.emplace_back(item);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return out;
}

// DEV:MOUNTPOINT:MODE. Device and mountpoint must be absolute; the mountpoint may not be "/"
// (the root is mounted by the kernel) nor contain "..".
DataDisk parse_disk(std::string_view value)
{
    const auto bad = [&](const std::string& why) {
        return ConfigError("microagent_disk \"" + std::string(value) + "\" " + why);
    };
    const size_t first = value.find(':');
    const size_t last = value.rfind(':');
    if (first == std::string_view::npos || first == last) throw bad("must be DEVICE:MOUNTPOINT:ro|rw");
    DataDisk d;
    d.device = std::string(value.substr(0, first));
    d.mountpoint = std::string(value.substr(first + 1, last - first - 1));
    if (d.device.size() < 6 || d.device.rfind("/dev/", 0) != 0) throw bad("device must be a /dev/ path");
    if (d.mountpoint.size() < 2 || d.mountpoint.front() != '/' || d.mountpoint.find("..") != std::string::npos) {
        throw bad("mountpoint must be an absolute path other than / without ..");
    }
    d.read_only = parse_mount_mode(d.mountpoint, value.substr(last + 1));
    return d;
}

}  // namespace

bool is_ipv4(std::string_view text)
{
    int parts = 0;
    while (true) {
        const size_t dot = text.find('.');
        const std::string_view part = text.substr(0, dot);
        unsigned int n = 0;
        const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), n);
        if (part.empty() || part.size() > 3 || ec != std::errc() || end != part.data() + part.size() || n > 255) {
            return false;
        }
        ++parts;
        if (dot == std::string_view::npos) break;
        text = text.substr(dot + 1);
    }
    return parts == 4;
}

bool parse_mount_mode(std::string_view mountpoint, std::string_view mode)
{
    if (mode == "ro") return true;
    if (mode == "rw") return false;
    throw ConfigError("mount " + std::string(mountpoint) + " mode must be ro or rw (got \"" + std::string(mode) +
                      "\")");
}

std::vector<std::string> split_kernel_cmdline(std::string_view text)
{
    std::vector<std::string> words;
    std::string word;
    bool quoted = false;
    bool in_word = false;
    for (const char c : text) {
        if (c == '"') {
            quoted = !quoted;
            in_word = true;
        } else if (!quoted && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
            if (in_word) words.push_back(std::move(word));
            word.clear();
            in_word = false;
        } else {
            word.push_back(c);
            in_word = true;
        }
    }
    if (in_word) words.push_back(std::move(word));
    return words;
}

KernelConfig parse_kernel_cmdline(std::string_view text)
{
    KernelConfig k;
    StaticNetwork net;
    bool any_net = false;
    for (const std::string& word : split_kernel_cmdline(text)) {
        const size_t eq = word.find('=');
        const std::string_view key = std::string_view(word).substr(0, eq);
        const std::string_view value =
            eq == std::string::npos ? std::string_view() : std::string_view(word).substr(eq + 1);
        if (key == "ip") {
            k.dhcp = value == "dhcp" || value == "on" || value == "any";
            continue;
        }
        if (key.rfind("microagent_", 0) != 0) continue;
        if (key == "microagent_shell_port")
            k.shell_port = parse_port(key, value, false);
        else if (key == "microagent_exec_port")
            k.exec_port = parse_port(key, value, false);
        else if (key == "microagent_secrets_port")
            k.secrets_port = parse_port(key, value, false);
        else if (key == "microagent_result_port")
            k.result_port = parse_port(key, value, true);
        else if (key == "microagent_disk")
            k.disks.push_back(parse_disk(value));
        else if (key == "microagent_vsock_emulation_dir")
            k.vsock_emulation_dir = std::string(value);
        else if (key == "microagent_vm_id")
            k.vm_id = std::string(value);
        else if (key == "microagent_vsock_emulation_netns")
            k.vsock_emulation_netns = std::string(value);
        else if (key == "microagent_net_if")
            net.interface_name = std::string(value), any_net = true;
        else if (key == "microagent_net_ip")
            net.ip_cidr = std::string(value), any_net = true;
        else if (key == "microagent_net_gw")
            net.gateway = std::string(value), any_net = true;
        else if (key == "microagent_net_dns")
            net.dns = split_list(value);
        else if (key == "microagent_net_hosts")
            net.hosts = split_list(value);
    }
    if (any_net) {
        if (net.interface_name.empty() || net.ip_cidr.empty() || net.gateway.empty()) {
            throw ConfigError("microagent_net_if, microagent_net_ip and microagent_net_gw must be given together");
        }
        const size_t slash = net.ip_cidr.find('/');
        unsigned int prefix = 0;
        const std::string_view bits = std::string_view(net.ip_cidr).substr(slash == std::string::npos ? 0 : slash + 1);
        const auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
        if (slash == std::string::npos || !is_ipv4(net.ip_cidr.substr(0, slash)) || bits.empty() || ec != std::errc() ||
            end != bits.data() + bits.size() || prefix > 32) {
            throw ConfigError("microagent_net_ip must be ADDRESS/PREFIX (got \"" + net.ip_cidr + "\")");
        }
        if (!is_ipv4(net.gateway)) {
            throw ConfigError("microagent_net_gw must be an IPv4 address (got \"" + net.gateway + "\")");
        }
        for (const auto& dns : net.dns) {
            if (!is_ipv4(dns)) throw ConfigError("microagent_net_dns entry \"" + dns + "\" is not an IPv4 address");
        }
        for (const auto& host : net.hosts) {
            const size_t colon = host.find(':');
            if (colon == 0 || colon == std::string::npos || !is_ipv4(host.substr(colon + 1)) ||
                host.find_first_of(" \t#") != std::string::npos) {
                throw ConfigError("microagent_net_hosts entry \"" + host + "\" must be NAME:IPV4");
            }
        }
        k.network = std::move(net);
    }
    if (k.vsock_emulation_dir.empty() != k.vm_id.empty()) {
        throw ConfigError("microagent_vsock_emulation_dir and microagent_vm_id must be given together");
    }
    if (!k.vsock_emulation_netns.empty() && k.vsock_emulation_dir.empty()) {
        throw ConfigError("microagent_vsock_emulation_netns needs microagent_vsock_emulation_dir");
    }
    for (size_t i = 0; i < k.disks.size(); ++i) {
        for (size_t j = 0; j < i; ++j) {
            if (k.disks[i].mountpoint == k.disks[j].mountpoint) {
                throw ConfigError("microagent_disk mountpoint " + k.disks[i].mountpoint + " is given twice");
            }
        }
    }
    return k;
}

}  // namespace hvsup::guestinit
