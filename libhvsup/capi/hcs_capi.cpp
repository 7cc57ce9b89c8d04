// SPDX-License-Identifier: MIT
// hvsup_hcs_*: the HCS primitives of include/hvsup/hcs.h.
#include "capi/abi_helpers.hpp"
#include "hvsup/hcs.h"

#include "core/json.hpp"
#include "hcs/client.hpp"
#include "hcs/document.hpp"
#include "protocol/codec.hpp"
#include "protocol/validate.hpp"
#include "supervisor/compute_document.hpp"

#include <memory>

struct hvsup_hcs {
    std::shared_ptr<hvsup::hcs::HcsClient> client;
};

struct hvsup_hcs_system {
    hvsup::hcs::ComputeSystemHandle system;
};

namespace {

using hvsup::capi::hand_out;
using hvsup::capi::invalid;

using hvsup::Error;
using hvsup::ErrorCode;
namespace hcs = hvsup::hcs;

hcs::Timeout operation_timeout(uint32_t ms)
{
    if (ms == HVSUP_HCS_TIMEOUT_DEFAULT) return hcs::default_operation_timeout;
    if (ms == HVSUP_HCS_TIMEOUT_INFINITE) return hcs::infinite;
    return hcs::Timeout(ms);
}

}  // namespace

extern "C" {

hvsup_status hvsup_hcs_options_init(hvsup_hcs_options* options, uint32_t version)
{
    return hvsup::capi::init_options(options, version, HVSUP_HCS_OPTIONS_VERSION,
                                     hvsup_hcs_options HVSUP_HCS_OPTIONS_INIT);
}

hvsup_status hvsup_hcs_open(hvsup_hcs** out, const hvsup_hcs_options* options, hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (out == nullptr) return invalid(error, "hvsup_hcs_open: out is NULL");
        *out = nullptr;
        hcs::LoadOptions load;
        const hvsup_status checked =
            hvsup::capi::check_options(options, HVSUP_HCS_OPTIONS_VERSION, "hvsup_hcs_open", error);
        if (checked != HVSUP_OK) return checked;
        if (options != nullptr) {
            if (options->library_path != nullptr) load.library_path = options->library_path;
            switch (options->api) {
                case HVSUP_HCS_API_AUTO:
                    break;
                case HVSUP_HCS_API_COMPUTECORE:
                    load.force_api = hcs::ApiKind::computecore;
                    break;
                case HVSUP_HCS_API_VMCOMPUTE:
                    load.force_api = hcs::ApiKind::vmcompute;
                    break;
                default:
                    return invalid(error, "hvsup_hcs_open: unknown api");
            }
        }
        auto object = std::make_unique<hvsup_hcs>();
        object->client = hcs::HcsClient::load(load);
        *out = object.release();
        return HVSUP_OK;
    });
}

const char* hvsup_hcs_dll(const hvsup_hcs* hcs)
{
    return hcs != nullptr && hcs->client ? hcs->client->dll() : "";
}

void hvsup_hcs_free(hvsup_hcs* hcs)
{
    delete hcs;
}

hvsup_status hvsup_hcs_probe_access(hvsup_hcs* hcs, hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (hcs == nullptr) return invalid(error, "hvsup_hcs_probe_access: hcs is NULL");
        hcs->client->probe_access();
        return HVSUP_OK;
    });
}

hvsup_status hvsup_hcs_query_schema_version(uint32_t* major, uint32_t* minor, hvsup_hcs* hcs, hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (hcs == nullptr || major == nullptr || minor == nullptr) {
            return invalid(error, "hvsup_hcs_query_schema_version: NULL argument");
        }
        const auto v = hcs->client->highest_schema_version();
        *major = static_cast<uint32_t>(v.major);
        *minor = static_cast<uint32_t>(v.minor);
        return HVSUP_OK;
    });
}

hvsup_status hvsup_hcs_grant_vm_access(hvsup_hcs* hcs, const char* vm_id, const char* path, hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (hcs == nullptr || vm_id == nullptr || path == nullptr) {
            return invalid(error, "hvsup_hcs_grant_vm_access: NULL argument");
        }
        hcs->client->grant_vm_access(vm_id, path);
        return HVSUP_OK;
    });
}

hvsup_status hvsup_hcs_document_options_init(hvsup_hcs_document_options* options, uint32_t version)
{
    return hvsup::capi::init_options(options, version, HVSUP_HCS_DOCUMENT_OPTIONS_VERSION,
                                     hvsup_hcs_document_options HVSUP_HCS_DOCUMENT_OPTIONS_INIT);
}

hvsup_status hvsup_hcs_build_document(char** out, const char* request_json, const hvsup_hcs_document_options* options,
                                      hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (out == nullptr) return invalid(error, "hvsup_hcs_build_document: out is NULL");
        *out = nullptr;
        if (request_json == nullptr) return invalid(error, "hvsup_hcs_build_document: request_json is NULL");
        hvsup::supervisor::DocumentInputs in;
        const hvsup_status checked =
            hvsup::capi::check_options(options, HVSUP_HCS_DOCUMENT_OPTIONS_VERSION, "hvsup_hcs_build_document", error);
        if (checked != HVSUP_OK) return checked;
        if (options != nullptr) {
            if (options->boot == HVSUP_HCS_BOOT_UEFI_VMBFS)
                in.boot = hcs::BootMode::uefi_vmbfs;
            else if (options->boot != HVSUP_HCS_BOOT_KERNEL_DIRECT)
                return invalid(error, "hvsup_hcs_build_document: unknown boot");
            if (options->endpoint_id != nullptr) in.endpoint_id = options->endpoint_id;
            if (options->schema_major != 0) {
                in.host_schema_version = hcs::schema::Version{static_cast<int32_t>(options->schema_major),
                                                              static_cast<int32_t>(options->schema_minor)};
            }
        }
        auto request = hvsup::protocol::decode_request(
            hvsup::capi::bounded_text(request_json, hvsup::protocol::max_request_bytes, "request"));
        hvsup::protocol::validate_request(request);
        if (!request.identity || !request.config) {
            throw Error(ErrorCode::invalid_argument, "the request needs identity and config to build a document");
        }
        in.runtime_id = request.identity->runtime_id;
        in.config = *request.config;
        return hand_out(hvsup::supervisor::document_json(in), out);
    });
}

hvsup_status hvsup_hcs_create_system(hvsup_hcs_system** out, hvsup_hcs* hcs, const char* id, const char* document_json,
                                     uint32_t timeout_ms, hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (out == nullptr) return invalid(error, "hvsup_hcs_create_system: out is NULL");
        *out = nullptr;
        if (hcs == nullptr || id == nullptr || document_json == nullptr) {
            return invalid(error, "hvsup_hcs_create_system: NULL argument");
        }
        const std::string document(hvsup::capi::bounded_text(document_json, hvsup::capi::max_json_text_bytes, "document"));
        *out = new hvsup_hcs_system{hcs->client->create(id, document, operation_timeout(timeout_ms))};
        return HVSUP_OK;
    });
}

hvsup_status hvsup_hcs_open_system(hvsup_hcs_system** out, hvsup_hcs* hcs, const char* id, hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (out == nullptr) return invalid(error, "hvsup_hcs_open_system: out is NULL");
        *out = nullptr;
        if (hcs == nullptr || id == nullptr) return invalid(error, "hvsup_hcs_open_system: NULL argument");
        *out = new hvsup_hcs_system{hcs->client->open(id, "open")};
        return HVSUP_OK;
    });
}

hvsup_status hvsup_hcs_system_start(hvsup_hcs_system* system, uint32_t timeout_ms, hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (system == nullptr) return invalid(error, "hvsup_hcs_system_start: system is NULL");
        system->system.start(operation_timeout(timeout_ms));
        return HVSUP_OK;
    });
}

hvsup_status hvsup_hcs_system_shutdown(hvsup_hcs_system* system, uint32_t timeout_ms, hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (system == nullptr) return invalid(error, "hvsup_hcs_system_shutdown: system is NULL");
        system->system.shutdown(operation_timeout(timeout_ms));
        return HVSUP_OK;
    });
}

hvsup_status hvsup_hcs_system_terminate(hvsup_hcs_system* system, uint32_t timeout_ms, hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (system == nullptr) return invalid(error, "hvsup_hcs_system_terminate: system is NULL");
        system->system.terminate("terminate", operation_timeout(timeout_ms));
        return HVSUP_OK;
    });
}

hvsup_status hvsup_hcs_system_await_exit(int32_t* exited, char** exit_json, hvsup_hcs_system* system,
                                         uint32_t timeout_ms, hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (exit_json != nullptr) *exit_json = nullptr;
        if (system == nullptr || exited == nullptr) return invalid(error, "hvsup_hcs_system_await_exit: NULL argument");
        *exited = 0;
        const hcs::Timeout timeout = timeout_ms == HVSUP_HCS_TIMEOUT_DEFAULT || timeout_ms == HVSUP_HCS_TIMEOUT_INFINITE
                                         ? hcs::infinite
                                         : hcs::Timeout(timeout_ms);
        const auto status = system->system.wait_for_exit(timeout);
        if (!status) return HVSUP_OK;
        if (exit_json != nullptr) {
            hand_out(
                hvsup::json::compact(hvsup::json::object{{"Status", status->status}, {"ExitType", status->exit_type}}),
                exit_json);
        }
        *exited = 1;
        return HVSUP_OK;
    });
}

hvsup_status hvsup_hcs_system_query_properties(char** out, hvsup_hcs_system* system, hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (out == nullptr) return invalid(error, "hvsup_hcs_system_query_properties: out is NULL");
        *out = nullptr;
        if (system == nullptr) return invalid(error, "hvsup_hcs_system_query_properties: system is NULL");
        return hand_out(system->system.properties_document(), out);
    });
}

void hvsup_hcs_system_close(hvsup_hcs_system* system)
{
    delete system;
}

}  // extern "C"
