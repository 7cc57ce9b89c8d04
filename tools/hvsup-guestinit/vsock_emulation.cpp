// SPDX-License-Identifier: MIT
// The emulation transport from the guest's side: the host side listening for (vm, service)
// writes its loopback port to DIR/<vm>/host/<service>.port (docs/hvsock.md); the guest reads it
// and connects. A small POSIX client: the static init does not link the library's Asio code.
// Its sockets may be made in another network namespace than the init's (make_emulation_transport).
#include "vsock.hpp"

#include "console.hpp"
#include "kernel_cmdline.hpp"

#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <fcntl.h>
#include <fstream>
#include <linux/nsfs.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
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
    // `netns`: an open network namespace file the sockets are made in (taken), or -1.
    Emulation(std::string dir, std::string vm, int netns, std::string netns_path)
        : dir_(std::move(dir)), vm_(std::move(vm)), netns_(netns), netns_path_(std::move(netns_path))
    {
    }
    ~Emulation() override
    {
        if (netns_ >= 0) ::close(netns_);
    }
    Emulation(const Emulation&) = delete;
    Emulation& operator=(const Emulation&) = delete;

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
        const int fd =
            connect_stream(AF_INET, "socket", reinterpret_cast<const sockaddr*>(&addr), sizeof addr, why, netns_);
        if (fd < 0) why = "127.0.0.1:" + std::to_string(tcp_port) + ": " + why;
        return fd;
    }
    int listen_guest(uint32_t port, std::string& why) override
    {
        sockaddr_in addr = loopback(0);
        const int fd = listen_stream(AF_INET, "socket", reinterpret_cast<sockaddr*>(&addr), sizeof addr, why, netns_);
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
    std::string describe() const override
    {
        return "emulation " + dir_ + " (VM " + vm_ + (netns_ >= 0 ? ", network namespace " + netns_path_ : "") + ")";
    }

private:
    std::string dir_;
    std::string vm_;
    int netns_;
    std::string netns_path_;
};

// Opens `path` as a network namespace (ConfigError when it is not one).
int open_netns(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw ConfigError("open the emulation's network namespace " + path + ": " + error_text(errno));
    const int type = ::ioctl(fd, NS_GET_NSTYPE);
    if (type != CLONE_NEWNET) {
        const int err = errno;
        ::close(fd);
        throw ConfigError(path + " is not a network namespace" + (type < 0 ? " (" + error_text(err) + ")" : ""));
    }
    return fd;
}

}  // namespace

std::unique_ptr<VsockTransport> make_emulation_transport(std::string dir, std::string_view vm_id,
                                                         const std::string& netns)
{
    if (dir.empty()) throw ConfigError("the vsock emulation directory is empty");
    const std::string vm = canonical_guid(vm_id);
    if (vm.empty()) throw ConfigError("VM id \"" + std::string(vm_id) + "\" is not a GUID");
    const int ns = netns.empty() ? -1 : open_netns(netns);
    return std::make_unique<Emulation>(std::move(dir), vm, ns, netns);
}

}  // namespace hvsup::guestinit
