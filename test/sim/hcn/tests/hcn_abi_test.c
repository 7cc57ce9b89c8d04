/* SPDX-License-Identifier: MIT */
/* include/hvsup/hcn.h seen from C: NULL, bad-version and unknown-flag calls, then a NAT network
 * and an endpoint against the simulator (argv[1] = its path; HVSUP_SIM_DIR is set here). */
#define _POSIX_C_SOURCE 200809L
#include "hvsup/hcn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define EXPECT(cond)                                                   \
    do {                                                               \
        if (!(cond)) {                                                 \
            fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond); \
            ++failures;                                                \
        }                                                              \
    } while (0)

/* The value of "ID" in a JSON document (enough for HCN's ids). */
static void id_of(const char* json, char* out, size_t size)
{
    const char* p = strstr(json, "\"ID\":\"");
    out[0] = 0;
    if (p == NULL) return;
    p += 6;
    size_t n = 0;
    while (p[n] != '"' && p[n] != 0 && n + 1 < size) {
        out[n] = p[n];
        ++n;
    }
    out[n] = 0;
}

int main(int argc, char** argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: hcn-abi-test <simulator library>\n");
        return 2;
    }
    hvsup_hcn_options options = HVSUP_HCN_OPTIONS_INIT;
    hvsup_hcn* hcn = NULL;
    hvsup_error* error = NULL;
    char* out = NULL;

    EXPECT(hvsup_hcn_options_init(NULL, HVSUP_HCN_OPTIONS_VERSION) == HVSUP_E_INVALID_ARGUMENT);
    EXPECT(hvsup_hcn_options_init(&options, 99) == HVSUP_E_INVALID_ARGUMENT);
    EXPECT(hvsup_hcn_open(NULL, NULL, NULL) == HVSUP_E_INVALID_ARGUMENT);
    options.version = 99;
    EXPECT(hvsup_hcn_open(&hcn, &options, &error) == HVSUP_E_INVALID_ARGUMENT);
    EXPECT(error != NULL && hcn == NULL);
    hvsup_error_free(error);
    EXPECT(hvsup_hcn_options_init(&options, HVSUP_HCN_OPTIONS_VERSION) == HVSUP_OK);
    options.flags = 1;
    EXPECT(hvsup_hcn_open(&hcn, &options, NULL) == HVSUP_E_INVALID_ARGUMENT);
    options.flags = 0;
    EXPECT(hvsup_hcn_ensure_nat_network(&out, NULL, NULL) == HVSUP_E_INVALID_ARGUMENT);
    EXPECT(hvsup_hcn_delete_endpoint(NULL, "", NULL) == HVSUP_E_INVALID_ARGUMENT);
    hvsup_hcn_free(NULL);

    /* No provider on POSIX: unsupported, with a message. */
    EXPECT(hvsup_hcn_open(&hcn, &options, &error) == HVSUP_E_UNSUPPORTED);
    EXPECT(strstr(hvsup_error_message(error), "load HCN API") != NULL);
    hvsup_error_free(error);

    char sim_dir[] = "/tmp/hvsup-hcn-abi-XXXXXX";
    if (mkdtemp(sim_dir) == NULL) return 2;
    setenv("HVSUP_SIM_DIR", sim_dir, 1);

    options.provider_library = argv[1];
    EXPECT(hvsup_hcn_open(&hcn, &options, &error) == HVSUP_OK && error == NULL);
    if (hcn == NULL) return 1;
    EXPECT(hvsup_hcn_probe(hcn, NULL) == HVSUP_OK);

    char network_id[64], endpoint_id[64];
    EXPECT(hvsup_hcn_ensure_nat_network(&out, hcn, &error) == HVSUP_OK);
    EXPECT(out != NULL && strstr(out, "\"192.168.127.0/24\"") != NULL);
    id_of(out, network_id, sizeof network_id);
    hvsup_string_free(out);

    EXPECT(hvsup_hcn_find_network(&out, hcn, "microagent-nat", NULL) == HVSUP_OK);
    hvsup_string_free(out);
    EXPECT(hvsup_hcn_find_network(&out, hcn, "nope", &error) == HVSUP_E_NOT_FOUND && out == NULL);
    hvsup_error_free(error);

    EXPECT(hvsup_hcn_create_endpoint(&out, hcn, network_id, "microagent-c", 0x80, NULL) == HVSUP_E_INVALID_ARGUMENT);
    EXPECT(hvsup_hcn_create_endpoint(&out, hcn, network_id, "microagent-c", HVSUP_HCN_ENDPOINT_REPLACE_STALE, &error) ==
           HVSUP_OK);
    EXPECT(out != NULL && strstr(out, "\"192.168.127.2\"") != NULL);
    id_of(out, endpoint_id, sizeof endpoint_id);
    hvsup_string_free(out);

    EXPECT(hvsup_hcn_query_endpoint(&out, hcn, endpoint_id, NULL) == HVSUP_OK);
    hvsup_string_free(out);
    EXPECT(hvsup_hcn_delete_endpoint(hcn, endpoint_id, NULL) == HVSUP_OK);
    EXPECT(hvsup_hcn_delete_endpoint(hcn, endpoint_id, NULL) == HVSUP_OK);
    EXPECT(hvsup_hcn_query_endpoint(&out, hcn, endpoint_id, &error) == HVSUP_E_NOT_FOUND);
    EXPECT(hvsup_error_hresult(error) == (int32_t)0x803b0002u);
    hvsup_error_free(error);

    hvsup_hcn_free(hcn);
    char command[128];
    snprintf(command, sizeof command, "rm -rf %s", sim_dir);
    if (system(command) != 0) fprintf(stderr, "could not remove %s\n", sim_dir);
    if (failures != 0) fprintf(stderr, "%d failure(s)\n", failures);
    return failures == 0 ? 0 : 1;
}
