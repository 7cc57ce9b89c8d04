// SPDX-License-Identifier: MIT
// AF_VSOCK: the real guest's transport. On Hyper-V the kernel's hv_sock maps vsock port P to
// the host's hvsock service VsockServiceID(P) of this VM.
#include "vsock.hpp"

#include "console.hpp"

#include <cerrno>
#include <linux/vm_sockets.h>
#include <sys/socket.h>
#include <unistd.h>

namespace hvsup::guestinit {

namespace {

sockaddr_vm address(unsigned int cid, uint32_t port)
{
    sockaddr_vm addr{};
    addr.svm_family = AF_VSOCK;
    addr.svm_cid = cid;
    addr.svm_port = port;
    return addr;
}

class AfVsock final : public VsockTransport {
public:
    int connect_host(uint32_t port, std::string& why) override
    {
        sockaddr_vm addr = address(VMADDR_CID_HOST, port);
        return connect_stream(AF_VSOCK, "socket(AF_VSOCK)", reinterpret_cast<const sockaddr*>(&addr), sizeof addr,
                              why);
    }
    int listen_guest(uint32_t port, std::string& why) override
    {
        sockaddr_vm addr = address(VMADDR_CID_ANY, port);
        return listen_stream(AF_VSOCK, "socket(AF_VSOCK)", reinterpret_cast<sockaddr*>(&addr), sizeof addr, why);
    }
    void unpublish(uint32_t) noexcept override {}
    std::string describe() const override { return "AF_VSOCK CID 2"; }
};

}  // namespace

std::unique_ptr<VsockTransport> make_af_vsock_transport()
{
    return std::make_unique<AfVsock>();
}

}  // namespace hvsup::guestinit
