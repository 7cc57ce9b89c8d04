// SPDX-License-Identifier: MIT
// The ABI-1 names that predate the out-parameter-first rule (docs/abi.md, "Deprecation"):
// each forwards to its replacement, so both behave the same (error messages name the
// replacement). They stay exported until the next ABI version; that change deletes this file.
#include "hvsup/hcn.h"
#include "hvsup/hcs.h"
#include "hvsup/hvsock.h"
#include "hvsup/hvsup.h"
#include "hvsup/image.h"

extern "C" {

hvsup_status hvsup_supervise(hvsup_context* context, const char* request_json, char** out, hvsup_error** error)
{
    return hvsup_context_supervise(out, context, request_json, error);
}

hvsup_status hvsup_plan(hvsup_context* context, const char* request_json, char** out, hvsup_error** error)
{
    return hvsup_context_plan(out, context, request_json, error);
}

hvsup_status hvsup_doctor(hvsup_context* context, const hvsup_doctor_options* options, char** out, int32_t* ok,
                          hvsup_error** error)
{
    return hvsup_context_doctor(out, ok, context, options, error);
}

hvsup_status hvsup_image_build(const char* request_json, const hvsup_image_build_options* options, char** out,
                               hvsup_error** error)
{
    return hvsup_image_create(out, request_json, options, error);
}

hvsup_status hvsup_image_inspect(const char* path, char** out, hvsup_error** error)
{
    return hvsup_image_describe(out, path, error);
}

hvsup_status hvsup_image_footer_verify(const char* path, char** out, hvsup_error** error)
{
    return hvsup_image_check_footer(out, path, error);
}

hvsup_status hvsup_hvsock_service_id(uint32_t port, char** out, hvsup_error** error)
{
    return hvsup_hvsock_port_to_service_id(out, port, error);
}

hvsup_status hvsup_hvsock_service_port(const char* service_id, uint32_t* out, hvsup_error** error)
{
    return hvsup_hvsock_service_id_to_port(out, service_id, error);
}

hvsup_status hvsup_hvsock_listeners_start(const char* vm_id, const char* spec_json,
                                          const hvsup_hvsock_listeners_options* options, hvsup_hvsock_listeners** out,
                                          hvsup_error** error)
{
    return hvsup_hvsock_listeners_create(out, vm_id, spec_json, options, error);
}

hvsup_status hvsup_hvsock_listeners_wait_result(hvsup_hvsock_listeners* listeners, uint32_t timeout_ms, uint32_t* out,
                                                hvsup_error** error)
{
    return hvsup_hvsock_listeners_await_result(out, listeners, timeout_ms, error);
}

hvsup_status hvsup_hcs_schema_version(hvsup_hcs* hcs, uint32_t* major, uint32_t* minor, hvsup_error** error)
{
    return hvsup_hcs_query_schema_version(major, minor, hcs, error);
}

hvsup_status hvsup_hcs_document_build(const char* request_json, const hvsup_hcs_document_options* options, char** out,
                                      hvsup_error** error)
{
    return hvsup_hcs_build_document(out, request_json, options, error);
}

hvsup_status hvsup_hcs_system_create(hvsup_hcs* hcs, const char* id, const char* document_json, uint32_t timeout_ms,
                                     hvsup_hcs_system** out, hvsup_error** error)
{
    return hvsup_hcs_create_system(out, hcs, id, document_json, timeout_ms, error);
}

hvsup_status hvsup_hcs_system_open(hvsup_hcs* hcs, const char* id, hvsup_hcs_system** out, hvsup_error** error)
{
    return hvsup_hcs_open_system(out, hcs, id, error);
}

hvsup_status hvsup_hcs_system_wait(hvsup_hcs_system* system, uint32_t timeout_ms, int32_t* exited, char** exit_json,
                                   hvsup_error** error)
{
    return hvsup_hcs_system_await_exit(exited, exit_json, system, timeout_ms, error);
}

hvsup_status hvsup_hcs_system_properties(hvsup_hcs_system* system, char** out, hvsup_error** error)
{
    return hvsup_hcs_system_query_properties(out, system, error);
}

hvsup_status hvsup_hcn_nat_network_ensure(hvsup_hcn* hcn, char** out, hvsup_error** error)
{
    return hvsup_hcn_ensure_nat_network(out, hcn, error);
}

hvsup_status hvsup_hcn_network_find(hvsup_hcn* hcn, const char* name, char** out, hvsup_error** error)
{
    return hvsup_hcn_find_network(out, hcn, name, error);
}

hvsup_status hvsup_hcn_endpoint_create(hvsup_hcn* hcn, const char* network_id, const char* name, uint32_t flags,
                                       char** out, hvsup_error** error)
{
    return hvsup_hcn_create_endpoint(out, hcn, network_id, name, flags, error);
}

hvsup_status hvsup_hcn_endpoint_delete(hvsup_hcn* hcn, const char* endpoint_id, hvsup_error** error)
{
    return hvsup_hcn_delete_endpoint(hcn, endpoint_id, error);
}

hvsup_status hvsup_hcn_endpoint_properties(hvsup_hcn* hcn, const char* endpoint_id, char** out, hvsup_error** error)
{
    return hvsup_hcn_query_endpoint(out, hcn, endpoint_id, error);
}

}  // extern "C"
