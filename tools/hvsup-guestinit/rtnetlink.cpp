// SPDX-License-Identifier: MIT
#include "rtnetlink.hpp"

#include "console.hpp"

#include <cerrno>
#include <cstring>
#include <linux/netlink.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace hvsup::guestinit {

namespace {

constexpr size_t align4(size_t n)
{
    return (n + 3) & ~size_t{3};
}

// The extended-ack text of an error message, when the kernel added one (NLM_F_ACK_TLVS).
// The attributes follow the nlmsgerr, after the echoed request unless that was capped.
std::string extended_ack_text(const nlmsghdr* h)
{
    if ((h->nlmsg_flags & NLM_F_ACK_TLVS) == 0) return {};
    const auto* err = reinterpret_cast<const nlmsgerr*>(NLMSG_DATA(h));
    size_t offset = NLMSG_HDRLEN + sizeof(nlmsgerr);
    if ((h->nlmsg_flags & NLM_F_CAPPED) == 0) offset += err->msg.nlmsg_len - NLMSG_HDRLEN;
    const auto* base = reinterpret_cast<const unsigned char*>(h);
    while (offset + sizeof(nlattr) <= h->nlmsg_len) {
        const auto* a = reinterpret_cast<const nlattr*>(base + offset);
        if (a->nla_len < sizeof(nlattr) || offset + a->nla_len > h->nlmsg_len) break;
        if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
            const char* text = reinterpret_cast<const char*>(a) + NLA_HDRLEN;
            return std::string(text, strnlen(text, a->nla_len - NLA_HDRLEN));
        }
        offset += align4(a->nla_len);
    }
    return {};
}

}  // namespace

RtnetlinkRequest::RtnetlinkRequest(uint16_t type, uint16_t flags)
{
    // Room for any request made here (the largest, a route, is under 100 bytes). It also keeps
    // g++ 12 at -O3 from misreading the first growth of the empty vector as an overflow
    // (-Wstringop-overflow), which --werror made a failed release build.
    bytes_.reserve(256);
    nlmsghdr h{};
    h.nlmsg_type = type;
    h.nlmsg_flags = static_cast<uint16_t>(flags | NLM_F_REQUEST | NLM_F_ACK);
    append(&h, sizeof h);
}

void RtnetlinkRequest::append(const void* data, size_t len)
{
    const auto* p = static_cast<const unsigned char*>(data);
    bytes_.insert(bytes_.end(), p, p + len);
    bytes_.resize(align4(bytes_.size()), 0);
}

void RtnetlinkRequest::attribute(uint16_t type, const void* data, size_t len)
{
    nlattr a{};
    a.nla_len = static_cast<uint16_t>(NLA_HDRLEN + len);
    a.nla_type = type;
    bytes_.insert(bytes_.end(), reinterpret_cast<const unsigned char*>(&a),
                  reinterpret_cast<const unsigned char*>(&a) + sizeof a);
    append(data, len);
}

void RtnetlinkRequest::attribute_string(uint16_t type, const std::string& text)
{
    attribute(type, text.c_str(), text.size() + 1);
}

const std::vector<unsigned char>& RtnetlinkRequest::finish(uint32_t seq)
{
    auto* h = reinterpret_cast<nlmsghdr*>(bytes_.data());
    h->nlmsg_len = static_cast<uint32_t>(bytes_.size());
    h->nlmsg_seq = seq;
    return bytes_;
}

RtnetlinkSocket::RtnetlinkSocket()
{
    fd_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd_ < 0) throw std::runtime_error("netlink socket: " + error_text(errno));
    // Best effort: older kernels answer without the text, which is all this changes.
    const int on = 1;
    ::setsockopt(fd_, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof on);
}

RtnetlinkSocket::~RtnetlinkSocket()
{
    ::close(fd_);
}

RtnetlinkAnswer RtnetlinkSocket::exchange(RtnetlinkRequest& request)
{
    RtnetlinkAnswer answer;
    const uint32_t seq = ++seq_;
    const auto& bytes = request.finish(seq);
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    ssize_t sent = 0;
    do {
        sent = ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) {
        answer.error = errno;
        return answer;
    }
    // Large enough for one link's full description, the biggest reply asked for here.
    std::vector<unsigned char> buf(64 * 1024);
    for (;;) {
        const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            answer.error = n < 0 ? errno : EPIPE;
            return answer;
        }
        size_t left = static_cast<size_t>(n);
        for (auto* h = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
            if (h->nlmsg_seq != seq) continue;  // not ours (nothing else is asked on this socket)
            if (h->nlmsg_type == NLMSG_ERROR) {
                if (h->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr))) {
                    answer.error = EPROTO;
                    return answer;
                }
                // The kernel sends the negative errno; 0 is the acknowledgement.
                answer.error = -reinterpret_cast<const nlmsgerr*>(NLMSG_DATA(h))->error;
                if (answer.error != 0) answer.kernel_message = extended_ack_text(h);
                return answer;
            }
            if (answer.reply.empty()) {
                const auto* p = reinterpret_cast<const unsigned char*>(h);
                answer.reply.assign(p, p + h->nlmsg_len);
            }
        }
    }
}

std::string describe(const RtnetlinkAnswer& answer)
{
    std::string text = error_text(answer.error);
    if (!answer.kernel_message.empty()) text += " (kernel: " + answer.kernel_message + ")";
    return text;
}

}  // namespace hvsup::guestinit
