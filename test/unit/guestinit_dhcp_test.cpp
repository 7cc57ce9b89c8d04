// SPDX-License-Identifier: MIT
// The guest init's DHCP messages and their framing (tools/hvsup-guestinit/dhcp_message.hpp).
#include "dhcp_message.hpp"

#include <catch2/catch.hpp>

#include <cstring>

using namespace hvsup::guestinit;

namespace {

const Mac mac{0x00, 0x15, 0x5d, 0x01, 0x02, 0x03};

// A server's reply to `xid`: BOOTREPLY, yiaddr 10.0.0.7, then `options` after the cookie.
std::vector<uint8_t> reply(uint32_t xid, std::vector<uint8_t> options)
{
    std::vector<uint8_t> b;
    b.reserve(240 + options.size());  // one allocation (and no GCC 12 -Warray-bounds false alarm)
    b.resize(236, 0);
    b[0] = 2;
    b[1] = 1;
    b[2] = 6;
    b[4] = static_cast<uint8_t>(xid >> 24);
    b[5] = static_cast<uint8_t>(xid >> 16);
    b[6] = static_cast<uint8_t>(xid >> 8);
    b[7] = static_cast<uint8_t>(xid);
    b[16] = 10;
    b[19] = 7;
    std::memcpy(&b[28], mac.data(), mac.size());
    b.insert(b.end(), {99, 130, 83, 99});
    b.insert(b.end(), options.begin(), options.end());
    return b;
}

// The options of a client message, as (code, value) in order, up to the end option.
std::vector<std::pair<uint8_t, std::vector<uint8_t>>> options_of(const std::vector<uint8_t>& m)
{
    std::vector<std::pair<uint8_t, std::vector<uint8_t>>> out;
    for (size_t at = 240; at < m.size() && m[at] != 255;) {
        if (m[at] == 0) {
            ++at;
            continue;
        }
        out.push_back({m[at], std::vector<uint8_t>(m.begin() + static_cast<long>(at) + 2,
                                                   m.begin() + static_cast<long>(at) + 2 + m[at + 1])});
        at += 2 + m[at + 1];
    }
    return out;
}

}  // namespace

TEST_CASE("DISCOVER and REQUEST carry what RFC 2131 asks of a client", "[guestinit][dhcp]")
{
    const auto d = encode_dhcp_discover(0x12345678, mac);
    REQUIRE(d.size() == 300);  // BOOTP's minimum
    CHECK(d[0] == 1);
    CHECK((d[1] == 1 && d[2] == 6));
    CHECK((d[4] == 0x12 && d[5] == 0x34 && d[6] == 0x56 && d[7] == 0x78));
    CHECK(d[10] == 0x80);  // broadcast reply wanted: no address yet
    CHECK(std::memcmp(&d[28], mac.data(), 6) == 0);
    CHECK((d[236] == 99 && d[237] == 130 && d[238] == 83 && d[239] == 99));
    auto o = options_of(d);
    REQUIRE(o.size() == 2);
    CHECK((o[0].first == 53 && o[0].second == std::vector<uint8_t>{1}));
    CHECK((o[1].first == 55 && o[1].second == std::vector<uint8_t>{1, 3, 6, 51}));

    const auto r = encode_dhcp_request(7, mac, {10, 0, 0, 7}, {10, 0, 0, 1});
    o = options_of(r);
    REQUIRE(o.size() == 4);
    CHECK(o[0].second == std::vector<uint8_t>{3});
    CHECK((o[2].first == 50 && o[2].second == std::vector<uint8_t>{10, 0, 0, 7}));
    CHECK((o[3].first == 54 && o[3].second == std::vector<uint8_t>{10, 0, 0, 1}));
}

TEST_CASE("a reply's lease is read from its options", "[guestinit][dhcp]")
{
    const auto r = decode_dhcp_reply(reply(42, {53, 1, 5, 54, 4, 10, 0, 0, 1, 1, 4, 255, 255, 255, 0, 3, 8, 10, 0, 0, 1,
                                                10, 0, 0, 2, 6, 4, 8, 8, 8, 8, 51, 4, 0, 0, 0x0e, 0x10, 0, 255}),
                                      42, mac);
    REQUIRE(r);
    CHECK(r->type == DhcpType::ack);
    CHECK(to_text(r->your_address) == "10.0.0.7");
    REQUIRE(r->server_id);
    CHECK(to_text(*r->server_id) == "10.0.0.1");
    REQUIRE(r->subnet_mask);
    CHECK(prefix_of_mask(*r->subnet_mask) == 24u);
    REQUIRE(r->routers.size() == 2);
    CHECK(to_text(r->routers[1]) == "10.0.0.2");
    REQUIRE(r->dns.size() == 1);
    CHECK(r->lease_seconds == 3600u);
}

TEST_CASE("replies that are not for this client or are malformed are passed over", "[guestinit][dhcp]")
{
    const std::vector<uint8_t> ack{53, 1, 5, 255};
    CHECK_FALSE(decode_dhcp_reply(reply(42, ack), 43, mac));  // another transaction
    Mac other = mac;
    other[5] = 9;
    CHECK_FALSE(decode_dhcp_reply(reply(42, ack), 42, other));  // another client
    auto bad = reply(42, ack);
    bad[0] = 1;  // a request, not a reply
    CHECK_FALSE(decode_dhcp_reply(bad, 42, mac));
    bad = reply(42, ack);
    bad[236] = 0;  // no magic cookie
    CHECK_FALSE(decode_dhcp_reply(bad, 42, mac));
    CHECK_FALSE(decode_dhcp_reply(reply(42, {54, 4, 10, 0, 0, 1, 255}), 42, mac));  // no message type
    CHECK_FALSE(decode_dhcp_reply(reply(42, {53, 1, 5, 6, 200, 1, 2}), 42, mac));     // an option past the end
    CHECK_FALSE(decode_dhcp_reply(reply(42, {53, 1, 9, 255}), 42, mac));              // an unknown message type
    CHECK_FALSE(decode_dhcp_reply(std::vector<uint8_t>(100, 0), 42, mac));           // too short
}

TEST_CASE("the broadcast frame is IPv4 + UDP 68 -> 67 with a valid header checksum", "[guestinit][dhcp]")
{
    const std::vector<uint8_t> payload(300, 0xab);
    auto frame = frame_dhcp_broadcast(payload);
    REQUIRE(frame.size() == 328);
    CHECK(frame[0] == 0x45);
    CHECK((frame[2] << 8 | frame[3]) == 328);
    CHECK(frame[9] == 17);
    CHECK((frame[16] == 255 && frame[19] == 255));
    CHECK(((frame[20] << 8 | frame[21]) == 68 && (frame[22] << 8 | frame[23]) == 67));
    // The same packet sent back to the client (ports swapped) unframes to the payload; its
    // header checksum is checked, and anything else is passed over.
    std::swap(frame[20], frame[22]);
    std::swap(frame[21], frame[23]);
    const auto back = unframe_dhcp_reply(frame.data(), frame.size());
    REQUIRE(back);
    CHECK(*back == payload);
    auto corrupt = frame;
    corrupt[8] = 63;  // TTL changed: the checksum no longer adds up
    CHECK_FALSE(unframe_dhcp_reply(corrupt.data(), corrupt.size()));
    auto fragment = frame;
    fragment[6] = 0x20;  // more fragments (and so the checksum too)
    CHECK_FALSE(unframe_dhcp_reply(fragment.data(), fragment.size()));
    CHECK_FALSE(unframe_dhcp_reply(frame.data(), 27));  // truncated
    CHECK_FALSE(unframe_dhcp_reply(frame.data(), 100));  // shorter than its total length
    std::swap(frame[20], frame[22]);
    std::swap(frame[21], frame[23]);
    CHECK_FALSE(unframe_dhcp_reply(frame.data(), frame.size()));  // to port 67: not a reply to us
}

TEST_CASE("masks give prefixes only when contiguous", "[guestinit][dhcp]")
{
    CHECK(prefix_of_mask({255, 255, 255, 0}) == 24u);
    CHECK(prefix_of_mask({255, 255, 255, 255}) == 32u);
    CHECK(prefix_of_mask({0, 0, 0, 0}) == 0u);
    CHECK(prefix_of_mask({255, 255, 240, 0}) == 20u);
    CHECK_FALSE(prefix_of_mask({255, 0, 255, 0}));
    CHECK_FALSE(prefix_of_mask({0, 0, 0, 255}));
}
