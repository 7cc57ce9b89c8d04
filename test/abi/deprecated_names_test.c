/* SPDX-License-Identifier: MIT */
/* The ABI-1 names kept as deprecated forwarders (docs/abi.md, "Deprecation") still link and
 * behave as their out-parameter-first replacements: same status, same error message, same
 * output. Needs no host: the calls either take pure inputs or are refused for NULL ones. */
#define HVSUP_NO_DEPRECATION_WARNINGS 1
#include "hvsup/hcn.h"
#include "hvsup/hcs.h"
#include "hvsup/hvsock.h"
#include "hvsup/hvsup.h"
#include "hvsup/image.h"

#include <stdio.h>
#include <string.h>

static int failures = 0;

/* The error's message (or "" without one), then frees it. */
static void take(hvsup_error** error, char* message, size_t size)
{
    snprintf(message, size, "%s", hvsup_error_message(*error));
    hvsup_error_free(*error);
    *error = NULL;
}

static void same_string(const char* what, char** old_out, char** new_out)
{
    const char* a = *old_out != NULL ? *old_out : "(null)";
    const char* b = *new_out != NULL ? *new_out : "(null)";
    if (strcmp(a, b) != 0) {
        fprintf(stderr, "%s: output differs:\n  old: %s\n  new: %s\n", what, a, b);
        ++failures;
    }
    hvsup_string_free(*old_out);
    hvsup_string_free(*new_out);
    *old_out = *new_out = NULL;
}

/* Runs OLD and NEW (each storing its error in `error`) and compares status and message. */
#define SAME(what, old_call, new_call)                                                                          \
    do {                                                                                                        \
        char old_message[512], new_message[512];                                                                \
        const hvsup_status old_status = (old_call);                                                             \
        take(&error, old_message, sizeof old_message);                                                          \
        const hvsup_status new_status = (new_call);                                                             \
        take(&error, new_message, sizeof new_message);                                                          \
        if (old_status != new_status || strcmp(old_message, new_message) != 0) {                                \
            fprintf(stderr, "%s: old gave %d \"%s\", new gave %d \"%s\"\n", what, (int)old_status, old_message, \
                    (int)new_status, new_message);                                                              \
            ++failures;                                                                                         \
        }                                                                                                       \
    } while (0)

static const char* const request =
    "{\"command\":\"run\",\"identity\":{\"requestID\":\"r\",\"runtimeID\":\"deprecated-1\",\"role\":\"workload\","
    "\"backend\":\"windows-hyperv\"},\"config\":{\"kernelPath\":\"/k\",\"rootfsPath\":\"/r.vhd\",\"stateDir\":\"/s\"}}";

int main(void)
{
    hvsup_error* error = NULL;
    char* old_out = NULL;
    char* new_out = NULL;
    hvsup_context* context = NULL;
    if (hvsup_context_create(&context, NULL, NULL) != HVSUP_OK) {
        fprintf(stderr, "hvsup_context_create failed\n");
        return 1;
    }

    SAME("hvsup_supervise", hvsup_supervise(context, "{\"command\":\"bogus\"}", &old_out, &error),
         hvsup_context_supervise(&new_out, context, "{\"command\":\"bogus\"}", &error));
    same_string("hvsup_supervise", &old_out, &new_out);
    SAME("hvsup_supervise NULL", hvsup_supervise(NULL, "{}", &old_out, &error),
         hvsup_context_supervise(&new_out, NULL, "{}", &error));
    SAME("hvsup_plan", hvsup_plan(context, request, &old_out, &error),
         hvsup_context_plan(&new_out, context, request, &error));
    same_string("hvsup_plan", &old_out, &new_out);
    int32_t old_ok = 7, new_ok = 9;
    SAME("hvsup_doctor", hvsup_doctor(context, NULL, &old_out, &old_ok, &error),
         hvsup_context_doctor(&new_out, &new_ok, context, NULL, &error));
    if (old_ok != new_ok) {
        fprintf(stderr, "hvsup_doctor: ok %d, hvsup_context_doctor: ok %d\n", (int)old_ok, (int)new_ok);
        ++failures;
    }
    hvsup_string_free(old_out);
    hvsup_string_free(new_out);
    old_out = new_out = NULL;

    SAME("hvsup_image_build", hvsup_image_build("{\"empty\":true}", NULL, &old_out, &error),
         hvsup_image_create(&new_out, "{\"empty\":true}", NULL, &error));
    SAME("hvsup_image_inspect", hvsup_image_inspect("/nonexistent/deprecated.vhd", &old_out, &error),
         hvsup_image_describe(&new_out, "/nonexistent/deprecated.vhd", &error));
    SAME("hvsup_image_footer_verify", hvsup_image_footer_verify("/nonexistent/deprecated.vhd", &old_out, &error),
         hvsup_image_check_footer(&new_out, "/nonexistent/deprecated.vhd", &error));

    SAME("hvsup_hvsock_service_id", hvsup_hvsock_service_id(1024, &old_out, &error),
         hvsup_hvsock_port_to_service_id(&new_out, 1024, &error));
    same_string("hvsup_hvsock_service_id", &old_out, &new_out);
    uint32_t old_port = 0, new_port = 1;
    SAME("hvsup_hvsock_service_port",
         hvsup_hvsock_service_port("00000400-facb-11e6-bd58-64006a7986d3", &old_port, &error),
         hvsup_hvsock_service_id_to_port(&new_port, "00000400-facb-11e6-bd58-64006a7986d3", &error));
    if (old_port != 1024 || new_port != 1024) {
        fprintf(stderr, "hvsup_hvsock_service_port: %u and %u, not 1024\n", old_port, new_port);
        ++failures;
    }
    hvsup_hvsock_listeners* old_listeners = NULL;
    hvsup_hvsock_listeners* new_listeners = NULL;
    SAME("hvsup_hvsock_listeners_start", hvsup_hvsock_listeners_start("not-a-guid", "{", NULL, &old_listeners, &error),
         hvsup_hvsock_listeners_create(&new_listeners, "not-a-guid", "{", NULL, &error));
    uint32_t state = 0;
    SAME("hvsup_hvsock_listeners_wait_result", hvsup_hvsock_listeners_wait_result(NULL, 0, &state, &error),
         hvsup_hvsock_listeners_await_result(&state, NULL, 0, &error));

    uint32_t major = 0, minor = 0;
    SAME("hvsup_hcs_schema_version", hvsup_hcs_schema_version(NULL, &major, &minor, &error),
         hvsup_hcs_query_schema_version(&major, &minor, NULL, &error));
    SAME("hvsup_hcs_document_build", hvsup_hcs_document_build(request, NULL, &old_out, &error),
         hvsup_hcs_build_document(&new_out, request, NULL, &error));
    same_string("hvsup_hcs_document_build", &old_out, &new_out);
    hvsup_hcs_system* system = NULL;
    SAME("hvsup_hcs_system_create", hvsup_hcs_system_create(NULL, "id", "{}", 0, &system, &error),
         hvsup_hcs_create_system(&system, NULL, "id", "{}", 0, &error));
    SAME("hvsup_hcs_system_open", hvsup_hcs_system_open(NULL, "id", &system, &error),
         hvsup_hcs_open_system(&system, NULL, "id", &error));
    int32_t exited = 0;
    SAME("hvsup_hcs_system_wait", hvsup_hcs_system_wait(NULL, 0, &exited, &old_out, &error),
         hvsup_hcs_system_await_exit(&exited, &new_out, NULL, 0, &error));
    SAME("hvsup_hcs_system_properties", hvsup_hcs_system_properties(NULL, &old_out, &error),
         hvsup_hcs_system_query_properties(&new_out, NULL, &error));

    SAME("hvsup_hcn_nat_network_ensure", hvsup_hcn_nat_network_ensure(NULL, &old_out, &error),
         hvsup_hcn_ensure_nat_network(&new_out, NULL, &error));
    SAME("hvsup_hcn_network_find", hvsup_hcn_network_find(NULL, "n", &old_out, &error),
         hvsup_hcn_find_network(&new_out, NULL, "n", &error));
    SAME("hvsup_hcn_endpoint_create", hvsup_hcn_endpoint_create(NULL, "n", "e", 0, &old_out, &error),
         hvsup_hcn_create_endpoint(&new_out, NULL, "n", "e", 0, &error));
    SAME("hvsup_hcn_endpoint_delete", hvsup_hcn_endpoint_delete(NULL, "e", &error),
         hvsup_hcn_delete_endpoint(NULL, "e", &error));
    SAME("hvsup_hcn_endpoint_properties", hvsup_hcn_endpoint_properties(NULL, "e", &old_out, &error),
         hvsup_hcn_query_endpoint(&new_out, NULL, "e", &error));

    hvsup_context_free(context);
    if (failures != 0) fprintf(stderr, "%d deprecated names differ from their replacements\n", failures);
    return failures == 0 ? 0 : 1;
}
