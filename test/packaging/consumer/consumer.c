/* SPDX-License-Identifier: MIT */
/* An outside program built against an installed (or subproject) libhvsup, the way a C embedder
 * would: checks that the headers and the library agree on the version and ABI, then asks the
 * simulated Hyper-V host (argv[1]: the simulator's computecore library) what it offers.
 * Prints "consumer ok (shared|static)" and exits 0, or says what disagreed and exits 1. */
#include <hvsup/hvsup.h>
#include <hvsup/version.h>

#include <stdio.h>
#include <string.h>

static int fail(const char* what, const char* detail)
{
    fprintf(stderr, "consumer: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    return 1;
}

int main(int argc, char** argv)
{
    hvsup_context_options options = HVSUP_CONTEXT_OPTIONS_INIT;
    hvsup_context* context = NULL;
    hvsup_error* error = NULL;
    char* response = NULL;
    int failed = 0;

    if (strcmp(hvsup_version_string(), HVSUP_VERSION_STRING) != 0)
        return fail("library version differs from <hvsup/version.h>", hvsup_version_string());
    if (hvsup_abi_version() != HVSUP_ABI_VERSION) return fail("library ABI differs from hvsup.h", NULL);
    if (argc != 2) return fail("usage: consumer SIMULATOR_COMPUTECORE_LIBRARY", NULL);

    options.hcs_library = argv[1];
    if (hvsup_context_create(&context, &options, &error) != HVSUP_OK)
        return fail("hvsup_context_create", hvsup_error_message(error));
    if (hvsup_context_supervise(&response, context, "{\"command\": \"host\"}", &error) != HVSUP_OK) {
        failed = fail("hvsup_context_supervise", hvsup_error_message(error));
    } else if (strstr(response, "\"frameworkAvailable\": true") == NULL ||
               strstr(response, "\"hcsApi\": \"computecore.dll\"") == NULL) {
        failed = fail("the host response does not come from the simulator", response);
    }
    hvsup_string_free(response);
    hvsup_error_free(error);
    hvsup_context_free(context);
    if (failed) return 1;
#ifdef HVSUP_STATIC
    printf("consumer ok (static) %s\n", HVSUP_VERSION_STRING);
#else
    printf("consumer ok (shared) %s\n", HVSUP_VERSION_STRING);
#endif
    return 0;
}
