// SPDX-License-Identifier: MIT
// A minimal rtnetlink (NETLINK_ROUTE) client for the guest's network set-up: one request at a
// time, each waited for until the kernel acknowledges it. Netlink rather than the interface
// ioctls so the same messages set links, addresses and routes (the way iproute2 does), and
// so the kernel's extended acknowledgement can say what it refused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace hvsup::guestinit {

// One request: the netlink header, the family header (ifinfomsg, ifaddrmsg, rtmsg...) and
// attributes, each padded to the 4-byte alignment netlink requires.
class RtnetlinkRequest {
public:
    RtnetlinkRequest(uint16_t type, uint16_t flags);

    // The fixed family header; call once, before any attribute.
    template <class Header>
    void family_header(const Header& h)
    {
        append(&h, sizeof h);
    }
    void attribute(uint16_t type, const void* data, size_t len);
    void attribute_string(uint16_t type, const std::string& text);  // with its NUL

    // The finished message with this sequence number.
    const std::vector<unsigned char>& finish(uint32_t seq);

private:
    void append(const void* data, size_t len);
    std::vector<unsigned char> bytes_;
};

// What the kernel answered: 0 or a positive errno, its extended-ack text when it gave one,
// and the first non-error message of the answer (a GET request's reply; header included).
struct RtnetlinkAnswer {
    int error = 0;
    std::string kernel_message;
    std::vector<unsigned char> reply;
};

class RtnetlinkSocket {
public:
    // Throws std::runtime_error ("netlink socket: ...") when the socket cannot be made.
    RtnetlinkSocket();
    ~RtnetlinkSocket();
    RtnetlinkSocket(const RtnetlinkSocket&) = delete;
    RtnetlinkSocket& operator=(const RtnetlinkSocket&) = delete;

    // Sends the request (NLM_F_ACK is added) and reads until its acknowledgement. A failure
    // to send or receive is reported as that errno.
    RtnetlinkAnswer exchange(RtnetlinkRequest& request);

private:
    int fd_ = -1;
    uint32_t seq_ = 0;
};

// "No such device" or "No such device (kernel: <extended-ack text>)".
std::string describe(const RtnetlinkAnswer& answer);

}  // namespace hvsup::guestinit
