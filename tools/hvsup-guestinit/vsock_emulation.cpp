// SPDX-License-Identifier: MIT
// The emulation transport from the guest's side: the host side listening for (vm, service)
// writes its loopback port to DIR/<vm>/host/<service>.port (docs/hvsock.md); the guest reads it
// and connects. A small POSIX client: the static init does not link the library's Asio code.
#include "vsock.hpp"

#include "console.hpp"
#include "kernel_cmdline.hpp"

#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <fstream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hvsup::guestinit {

namespace {

sockaddr_in loopback(uint16_t port)
{
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

// Lower-case 8-4-4-4-12 (paths use the lower-case form); braces are accepted.
std::string canonical_guid(std::string_view text)
{
    if (text.size() == 38 && text.front() == '{' && text.back() == '}') text = text.substr(1, 36);
    std::string out;
    if (text.size() != 36) return {};
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? c != '-' : !std::isxdigit(static_cast<unsigned char>(c))) return {};
        out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    return out;
}

class Emulation final : public VsockTransport {
public:
    Emulation(std::string dir, std::string vm) : dir_(std::move(dir)), vm_(std::move(vm)) {}

    int connect_host(uint32_t port, std::string& why) override
    {
        const std::string file = dir_ + "/" + vm_ + "/host/" + vsock_service_id(port) + ".port";
        std::ifstream in(file);
        long tcp_port = 0;
        if (!(in >> tcp_port) || tcp_port <= 0 || tcp_port > 65535) {
            why = "no host listener (" + file + " missing or invalid)";
            return -1;
        }
        sockaddr_in addr = loopback(static_cast<uint16_t>(tcp_port));
        const int fd = connect_stream(AF_INET, "socket", reinterpret_cast<const sockaddr*>(&addr), sizeof addr, why);
        if (fd < 0) why = "127.0.0.1:" + std::to_string(tcp_port) + ": " + why;
        return fd;
    }
    int listen_guest(uint32_t port, std::string& why) override
    {
        sockaddr_in addr = loopback(0);
        const int fd = listen_stream(AF_INET, "socket", reinterpret_cast<sockaddr*>(&addr), sizeof addr, why);
        if (fd < 0) return -1;
        // Private directories as the host side makes them; temp file + rename, so a reader never
        // sees half a port.
        const std::string guest_dir = dir_ + "/" + vm_ + "/guest";
        for (const std::string& d : {dir_ + "/" + vm_, guest_dir}) {
            if (::mkdir(d.c_str(), 0700) != 0 && errno != EEXIST) {
                why = "create " + d + ": " + error_text(errno);
                ::close(fd);
                return -1;
            }
        }
        const std::string file = guest_dir + "/" + vsock_service_id(port) + ".port";
        const std::string tmp = file + ".tmp." + std::to_string(::getpid());
        {
            std::ofstream out(tmp, std::ios::trunc);
            out << ntohs(addr.sin_port) << "\n";
            out.close();
            if (!out || ::rename(tmp.c_str(), file.c_str()) != 0) {
                why = "write " + file + ": " + error_text(errno);
                ::unlink(tmp.c_str());
                ::close(fd);
                return -1;
            }
        }
        return fd;
    }
    void unpublish(uint32_t port) noexcept override
    {
        try {
            ::unlink((dir_ + "/" + vm_ + "/guest/" + vsock_service_id(port) + ".port").c_str());
        } catch (...) {
        }
    }
    std::string describe() const override { return "emulation " + dir_ + " (VM " + vm_ + ")"; }

private:
    std::string dir_;
    std::string vm_;
};

}  // namespace

std::unique_ptr<VsockTransport> make_emulation_transport(std::string dir, std::string_view vm_id)
{
    if (dir.empty()) throw ConfigError("the vsock emulation directory is empty");
    const std::string vm = canonical_guid(vm_id);
    if (vm.empty()) throw ConfigError("VM id \"" + std::string(vm_id) + "\" is not a GUID");
    return std::make_unique<Emulation>(std::move(dir), vm);
}

}  // namespace hvsup::guestinit
