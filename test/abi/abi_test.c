/* SPDX-License-Identifier: MIT */
/* The C ABI from plain C (C11): compiles against hvsup.h alone and checks the contract for
 * NULL arguments, bad option versions, unknown flags and ownership of returned objects. */
#include "hvsup/hvsup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define EXPECT(cond)                                                               \
    do {                                                                           \
        if (!(cond)) {                                                             \
            fprintf(stderr, "%s:%d: expectation failed: %s\n", __FILE__, __LINE__, #cond); \
            ++failures;                                                            \
        }                                                                          \
    } while (0)

static int log_calls = 0;
static void count_log(hvsup_log_level level, const char* message, void* user)
{
    (void)level;
    (void)message;
    *(int*)user += 1;
}

int main(void)
{
    hvsup_error* err = NULL;
    hvsup_context* ctx = NULL;
    char* out = NULL;

    EXPECT(hvsup_abi_version() == HVSUP_ABI_VERSION);
    EXPECT(strlen(hvsup_version_string()) > 0);

    /* NULL out-parameters are rejected with an error object. */
    EXPECT(hvsup_context_create(NULL, NULL, &err) == HVSUP_E_INVALID_ARGUMENT);
    EXPECT(err != NULL);
    EXPECT(hvsup_error_code(err) == HVSUP_E_INVALID_ARGUMENT);
    EXPECT(strstr(hvsup_error_message(err), "out is NULL") != NULL);
    hvsup_error_free(err);
    err = NULL;

    /* Accessors and frees accept NULL. */
    EXPECT(hvsup_error_code(NULL) == HVSUP_E_INVALID_ARGUMENT);
    EXPECT(strcmp(hvsup_error_message(NULL), "") == 0);
    EXPECT(hvsup_error_hresult(NULL) == 0);
    hvsup_error_free(NULL);
    hvsup_string_free(NULL);
    hvsup_context_free(NULL);

    /* A bad options version and unknown flags are rejected; no context is returned. */
    hvsup_context_options opts = HVSUP_CONTEXT_OPTIONS_INIT;
    opts.version = 999;
    ctx = (hvsup_context*)&opts; /* must be overwritten with NULL */
    EXPECT(hvsup_context_create(&ctx, &opts, &err) == HVSUP_E_INVALID_ARGUMENT);
    EXPECT(ctx == NULL);
    EXPECT(strstr(hvsup_error_message(err), "version") != NULL);
    hvsup_error_free(err);
    err = NULL;
    EXPECT(hvsup_context_options_init(&opts, 999) == HVSUP_E_INVALID_ARGUMENT);
    EXPECT(hvsup_context_options_init(NULL, HVSUP_CONTEXT_OPTIONS_VERSION) == HVSUP_E_INVALID_ARGUMENT);
    EXPECT(hvsup_context_options_init(&opts, HVSUP_CONTEXT_OPTIONS_VERSION) == HVSUP_OK);
    opts.flags = 0x80;
    EXPECT(hvsup_context_create(&ctx, &opts, &err) == HVSUP_E_INVALID_ARGUMENT);
    EXPECT(strstr(hvsup_error_message(err), "flags") != NULL);
    hvsup_error_free(err);
    err = NULL;

    /* A working context; the error pointer itself is optional. */
    opts.flags = 0;
    opts.log_callback = count_log;
    opts.log_user = &log_calls;
    EXPECT(hvsup_context_create(&ctx, &opts, NULL) == HVSUP_OK);
    EXPECT(ctx != NULL);

    EXPECT(hvsup_context_supervise(&out, ctx, NULL, &err) == HVSUP_E_INVALID_ARGUMENT);
    EXPECT(out == NULL);
    hvsup_error_free(err);
    err = NULL;
    EXPECT(hvsup_context_supervise(&out, NULL, "{}", NULL) == HVSUP_E_INVALID_ARGUMENT);
    EXPECT(hvsup_context_supervise(NULL, ctx, "{}", NULL) == HVSUP_E_INVALID_ARGUMENT);

    /* A malformed or unknown request still yields a document, with "ok": false. */
    EXPECT(hvsup_context_supervise(&out, ctx, "{\"command\":\"bogus\"}", &err) == HVSUP_OK);
    EXPECT(err == NULL);
    EXPECT(out != NULL && strstr(out, "\"ok\": false") != NULL);
    EXPECT(out != NULL && strstr(out, "unknown command \\\"bogus\\\"") != NULL);
    hvsup_string_free(out);
    out = NULL;
    EXPECT(hvsup_context_supervise(&out, ctx, "{not json", &err) == HVSUP_OK);
    EXPECT(out != NULL && strstr(out, "decode request") != NULL);
    hvsup_string_free(out);
    out = NULL;

    /* Doctor: options checked, report produced whatever it finds. */
    hvsup_doctor_options dopts = HVSUP_DOCTOR_OPTIONS_INIT;
    int32_t ok = 7;
    dopts.format = 42;
    EXPECT(hvsup_context_doctor(&out, &ok, ctx, &dopts, &err) == HVSUP_E_INVALID_ARGUMENT);
    hvsup_error_free(err);
    err = NULL;
    EXPECT(hvsup_doctor_options_init(&dopts, HVSUP_DOCTOR_OPTIONS_VERSION) == HVSUP_OK);
    EXPECT(hvsup_context_doctor(&out, &ok, ctx, &dopts, &err) == HVSUP_OK);
    EXPECT(ok == 0 || ok == 1);
    EXPECT(out != NULL && strstr(out, "\"checks\"") != NULL);
    hvsup_string_free(out);
    out = NULL;

    /* Cancellation: NULL is rejected; with no call in flight it is a no-op, and it does not
     * stick: the next call runs normally (one-shot, calls in flight only). */
    EXPECT(HVSUP_E_CANCELLED == -11);
    EXPECT(hvsup_context_cancel(NULL) == HVSUP_E_INVALID_ARGUMENT);
    EXPECT(hvsup_context_cancel(ctx) == HVSUP_OK);
    EXPECT(hvsup_context_cancel(ctx) == HVSUP_OK);
    EXPECT(hvsup_context_supervise(&out, ctx, "{\"command\":\"host\"}", &err) == HVSUP_OK);
    EXPECT(err == NULL);
    EXPECT(out != NULL && strstr(out, "\"host\"") != NULL);
    hvsup_string_free(out);
    out = NULL;

    hvsup_context_free(ctx);
    if (failures == 0) printf("abi_test: all expectations met\n");
    return failures == 0 ? 0 : 1;
}
