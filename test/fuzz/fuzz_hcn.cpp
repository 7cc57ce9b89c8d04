// SPDX-License-Identifier: MIT
// Documents HCN hands back: network and endpoint properties (a network's subnets also as the
// managed NAT's /24 choice reads them), and the ErrorRecord of a failed call turned into an
// error. Only hvsup::Error may escape.
#include "core/error.hpp"
#include "core/json.hpp"
#include "hcn/cidr.hpp"
#include "hcn/errors.hpp"
#include "hcn/schema.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace hvsup;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)hcn::hcn_error("HcnCreateNetwork", hcn::hresult::invalid_json, text);
    json::value v;
    try {
        v = json::parse(text, "HcnQueryNetworkProperties properties");
    } catch (const Error&) {
        return 0;
    }
    try {
        const hcn::Network n = hcn::decode_network(v);
        try {
            (void)hcn::pick_nat_subnet(n.subnet_prefixes());
        } catch (const Error&) {
        }
        (void)json::compact(hcn::encode(n));
    } catch (const Error&) {
    }
    try {
        const hcn::Endpoint ep = hcn::decode_endpoint(v);
        (void)json::compact(hcn::encode(ep));
    } catch (const Error&) {
    }
    return 0;
}
