// SPDX-License-Identifier: MIT
// hvsup_hcn_*: the HCN primitives of include/hvsup/hcn.h over hcn::Networking.
#include "capi/abi_helpers.hpp"
#include "hvsup/hcn.h"

#include "core/json.hpp"
#include "hcn/errors.hpp"
#include "hcn/networking.hpp"

#include <memory>

struct hvsup_hcn {
    std::unique_ptr<hvsup::hcn::Networking> networking;
};

namespace {

using hvsup::capi::hand_out;
using hvsup::capi::invalid;

// NULL checks shared by every call that returns a document.
const char* missing(const hvsup_hcn* hcn, char** out)
{
    if (out == nullptr) return "out is NULL";
    *out = nullptr;
    if (hcn == nullptr) return "hcn is NULL";
    return nullptr;
}

}  // namespace

extern "C" {

hvsup_status hvsup_hcn_options_init(hvsup_hcn_options* options, uint32_t version)
{
    return hvsup::capi::init_options(options, version, HVSUP_HCN_OPTIONS_VERSION,
                                     hvsup_hcn_options HVSUP_HCN_OPTIONS_INIT);
}

hvsup_status hvsup_hcn_open(hvsup_hcn** out, const hvsup_hcn_options* options, hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (out == nullptr) return invalid(error, "hvsup_hcn_open: out is NULL");
        *out = nullptr;
        std::string provider;
        const hvsup_status checked =
            hvsup::capi::check_options(options, HVSUP_HCN_OPTIONS_VERSION, "hvsup_hcn_open", error);
        if (checked != HVSUP_OK) return checked;
        if (options != nullptr) {
            if (options->provider_library != nullptr) provider = options->provider_library;
        }
        auto hcn = std::make_unique<hvsup_hcn>();
        hcn->networking = std::make_unique<hvsup::hcn::Networking>(provider);
        hcn->networking->client();  // load now, so a host without HCN fails here
        *out = hcn.release();
        return HVSUP_OK;
    });
}

void hvsup_hcn_free(hvsup_hcn* hcn)
{
    delete hcn;
}

hvsup_status hvsup_hcn_probe(hvsup_hcn* hcn, hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (hcn == nullptr) return invalid(error, "hvsup_hcn_probe: hcn is NULL");
        hcn->networking->probe();
        return HVSUP_OK;
    });
}

hvsup_status hvsup_hcn_ensure_nat_network(char** out, hvsup_hcn* hcn, hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (const char* why = missing(hcn, out))
            return invalid(error, std::string("hvsup_hcn_ensure_nat_network: ") + why);
        return hand_out(hvsup::json::compact(hcn->networking->ensure_nat_network()), out);
    });
}

hvsup_status hvsup_hcn_find_network(char** out, hvsup_hcn* hcn, const char* name, hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (const char* why = missing(hcn, out)) return invalid(error, std::string("hvsup_hcn_find_network: ") + why);
        if (name == nullptr) return invalid(error, "hvsup_hcn_find_network: name is NULL");
        std::optional<hvsup::json::value> found;
        try {
            found = hcn->networking->find_network(name);
        } catch (const hvsup::Error& e) {
            throw hvsup::with_context(e, "find HNS network " + hvsup::json::quote(name));
        }
        if (!found) {
            return hvsup::capi::report(error, HVSUP_E_NOT_FOUND,
                                       ("HNS network " + hvsup::json::quote(name) + " not found").c_str());
        }
        return hand_out(hvsup::json::compact(*found), out);
    });
}

hvsup_status hvsup_hcn_create_endpoint(char** out, hvsup_hcn* hcn, const char* network_id, const char* name,
                                       uint32_t flags, hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (const char* why = missing(hcn, out))
            return invalid(error, std::string("hvsup_hcn_create_endpoint: ") + why);
        if (network_id == nullptr) return invalid(error, "hvsup_hcn_create_endpoint: network_id is NULL");
        if (name == nullptr || *name == 0) return invalid(error, "hvsup_hcn_create_endpoint: name is NULL or empty");
        if ((flags & ~uint32_t(HVSUP_HCN_ENDPOINT_REPLACE_STALE)) != 0) {
            return invalid(error, "hvsup_hcn_create_endpoint: unknown flags");
        }
        const bool replace = (flags & HVSUP_HCN_ENDPOINT_REPLACE_STALE) != 0;
        return hand_out(hvsup::json::compact(hcn->networking->create_endpoint(network_id, name, replace)), out);
    });
}

hvsup_status hvsup_hcn_delete_endpoint(hvsup_hcn* hcn, const char* endpoint_id, hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (hcn == nullptr) return invalid(error, "hvsup_hcn_delete_endpoint: hcn is NULL");
        if (endpoint_id == nullptr) return invalid(error, "hvsup_hcn_delete_endpoint: endpoint_id is NULL");
        hcn->networking->release_endpoint(endpoint_id);
        return HVSUP_OK;
    });
}

hvsup_status hvsup_hcn_query_endpoint(char** out, hvsup_hcn* hcn, const char* endpoint_id, hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (const char* why = missing(hcn, out)) {
            return invalid(error, std::string("hvsup_hcn_query_endpoint: ") + why);
        }
        if (endpoint_id == nullptr) return invalid(error, "hvsup_hcn_query_endpoint: endpoint_id is NULL");
        try {
            return hand_out(hvsup::json::compact(hcn->networking->endpoint_properties(endpoint_id)), out);
        } catch (const hvsup::Error& e) {
            throw hvsup::with_context(e, "find HNS endpoint " + hvsup::json::quote(endpoint_id));
        }
    });
}

}  // extern "C"
