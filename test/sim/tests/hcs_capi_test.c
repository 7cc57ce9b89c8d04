/* SPDX-License-Identifier: MIT */
/* hvsup_hcs_* seen from C: argument checks (NULL, bad version, unknown flags) and a short
 * lifecycle against the simulator whose path is argv[1]. */
#define _POSIX_C_SOURCE 200809L
#include "hvsup/hcs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define EXPECT(cond)                                                            \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                         \
        }                                                                       \
    } while (0)

static void write_vhd(const char* path)
{
    unsigned char footer[512];
    unsigned int sum = 0;
    size_t i;
    FILE* f = fopen(path, "wb");
    static const unsigned char zeros[4096];
    memset(footer, 0, sizeof footer);
    memcpy(footer, "conectix", 8);
    footer[11] = 2;
    footer[13] = 1;
    memset(footer + 16, 0xFF, 8);
    footer[46] = 0x10; /* original size 4096 */
    footer[54] = 0x10; /* current size 4096 */
    footer[63] = 2;
    for (i = 0; i < sizeof footer; i++) sum += footer[i];
    sum = ~sum;
    footer[64] = (unsigned char)(sum >> 24);
    footer[65] = (unsigned char)(sum >> 16);
    footer[66] = (unsigned char)(sum >> 8);
    footer[67] = (unsigned char)sum;
    fwrite(zeros, 1, sizeof zeros, f);
    fwrite(footer, 1, sizeof footer, f);
    fclose(f);
}

int main(int argc, char** argv)
{
    hvsup_hcs* hcs = NULL;
    hvsup_hcs_system* sys = NULL;
    hvsup_error* err = NULL;
    hvsup_hcs_options opts = HVSUP_HCS_OPTIONS_INIT;
    hvsup_hcs_document_options dopts = HVSUP_HCS_DOCUMENT_OPTIONS_INIT;
    char dir[] = "/tmp/hvsup-hcs-capi-XXXXXX";
    char sim_dir[512], kernel[512], rootfs[512], request[4096];
    char* doc = NULL;
    char* props = NULL;
    char* exit_json = NULL;
    int32_t exited = 0;

    if (argc < 2) return 2;
    if (mkdtemp(dir) == NULL) return 2;
    snprintf(sim_dir, sizeof sim_dir, "%s/sim", dir);
    snprintf(kernel, sizeof kernel, "%s/Image", dir);
    snprintf(rootfs, sizeof rootfs, "%s/rootfs.vhd", dir);
    setenv("HVSUP_SIM_DIR", sim_dir, 1);
    setenv("HVSUP_HVSOCK_EMULATION_DIR", dir, 1);
    fclose(fopen(kernel, "wb"));
    write_vhd(rootfs);

    /* Argument checks. */
    EXPECT(hvsup_hcs_options_init(NULL, HVSUP_HCS_OPTIONS_VERSION) == HVSUP_E_INVALID_ARGUMENT);
    EXPECT(hvsup_hcs_options_init(&opts, 99) == HVSUP_E_INVALID_ARGUMENT);
    EXPECT(hvsup_hcs_open(NULL, NULL, NULL) == HVSUP_E_INVALID_ARGUMENT);
    opts.version = 99;
    EXPECT(hvsup_hcs_open(&hcs, &opts, NULL) == HVSUP_E_INVALID_ARGUMENT && hcs == NULL);
    hvsup_hcs_options_init(&opts, HVSUP_HCS_OPTIONS_VERSION);
    opts.flags = 4;
    EXPECT(hvsup_hcs_open(&hcs, &opts, NULL) == HVSUP_E_INVALID_ARGUMENT);
    opts.flags = 0;
    opts.api = 7;
    EXPECT(hvsup_hcs_open(&hcs, &opts, NULL) == HVSUP_E_INVALID_ARGUMENT);
    opts.api = HVSUP_HCS_API_AUTO;
    EXPECT(hvsup_hcs_open(&hcs, NULL, &err) == HVSUP_E_UNSUPPORTED); /* no System32 here */
    EXPECT(err != NULL &&
           strcmp(hvsup_error_message(err), "windows-hyperv supervisor is only supported on windows") == 0);
    hvsup_error_free(err);
    err = NULL;
    EXPECT(hvsup_hcs_build_document(&doc, NULL, NULL, NULL) == HVSUP_E_INVALID_ARGUMENT);
    dopts.flags = 1;
    EXPECT(hvsup_hcs_build_document(&doc, "{}", &dopts, NULL) == HVSUP_E_INVALID_ARGUMENT);
    dopts.flags = 0;
    EXPECT(hvsup_hcs_system_start(NULL, 0, NULL) == HVSUP_E_INVALID_ARGUMENT);
    EXPECT(hvsup_hcs_system_await_exit(&exited, NULL, NULL, 0, NULL) == HVSUP_E_INVALID_ARGUMENT);
    EXPECT(strcmp(hvsup_hcs_dll(NULL), "") == 0);
    hvsup_hcs_free(NULL);
    hvsup_hcs_system_close(NULL);

    /* A lifecycle against the simulator. */
    opts.library_path = argv[1];
    EXPECT(hvsup_hcs_open(&hcs, &opts, &err) == HVSUP_OK);
    if (hcs == NULL) {
        fprintf(stderr, "open: %s\n", err ? hvsup_error_message(err) : "?");
        return 1;
    }
    EXPECT(strcmp(hvsup_hcs_dll(hcs), "computecore.dll") == 0);
    EXPECT(hvsup_hcs_probe_access(hcs, NULL) == HVSUP_OK);
    snprintf(
        request, sizeof request,
        "{\"command\":\"run\",\"identity\":{\"requestID\":\"r\",\"runtimeID\":\"c-agent\",\"role\":\"workload\","
        "\"backend\":\"windows-hyperv\"},\"config\":{\"kernelPath\":\"%s\",\"rootfsPath\":\"%s\",\"stateDir\":\"%s\"}}",
        kernel, rootfs, dir);
    EXPECT(hvsup_hcs_build_document(&doc, request, &dopts, NULL) == HVSUP_OK && doc != NULL);
    EXPECT(hvsup_hcs_create_system(&sys, hcs, "c-agent", doc, 0, &err) == HVSUP_OK);
    hvsup_string_free(doc);
    if (sys == NULL) return 1;
    EXPECT(hvsup_hcs_system_query_properties(&props, sys, NULL) == HVSUP_OK &&
           strstr(props, "\"State\":\"Created\"") != NULL);
    {
        const char* rid = strstr(props, "\"RuntimeId\":\"");
        char runtime_id[64] = {0};
        if (rid != NULL) memcpy(runtime_id, rid + 13, 36);
        EXPECT(hvsup_hcs_system_start(sys, 0, &err) == HVSUP_E_HOST); /* not granted yet */
        EXPECT(err != NULL && strncmp(hvsup_error_message(err), "windows-hyperv HCS start", 24) == 0);
        EXPECT(err != NULL && hvsup_error_hresult(err) == (int32_t)0x80070005u);
        hvsup_error_free(err);
        err = NULL;
        EXPECT(hvsup_hcs_grant_vm_access(hcs, runtime_id, rootfs, NULL) == HVSUP_OK);
        EXPECT(hvsup_hcs_grant_vm_access(hcs, runtime_id, kernel, NULL) == HVSUP_OK); /* the VM worker reads it */
    }
    hvsup_string_free(props);
    EXPECT(hvsup_hcs_system_start(sys, 0, NULL) == HVSUP_OK);
    EXPECT(hvsup_hcs_system_await_exit(&exited, &exit_json, sys, 50, NULL) == HVSUP_OK && exited == 0 &&
           exit_json == NULL);
    EXPECT(hvsup_hcs_system_terminate(sys, 0, NULL) == HVSUP_OK);
    EXPECT(hvsup_hcs_system_await_exit(&exited, &exit_json, sys, 10000, NULL) == HVSUP_OK && exited == 1);
    EXPECT(exit_json != NULL && strstr(exit_json, "ForcedExit") != NULL);
    hvsup_string_free(exit_json);
    hvsup_hcs_system_close(sys);
    EXPECT(hvsup_hcs_open_system(&sys, hcs, "c-agent", &err) == HVSUP_E_NOT_FOUND && sys == NULL);
    EXPECT(err != NULL && strcmp(hvsup_error_operation(err), "open") == 0);
    hvsup_error_free(err);
    hvsup_hcs_free(hcs);

    {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0) failures++;
    }
    if (failures == 0) printf("hcs C ABI: ok\n");
    return failures == 0 ? 0 : 1;
}
