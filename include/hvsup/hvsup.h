/* SPDX-License-Identifier: MIT */
/*
 * hvsup.h — the stable C ABI of libhvsup, the Windows Hyper-V supervisor for Linux micro-VMs.
 *
 * This header is the only API promise. Everything crosses it as fixed-width integers, UTF-8
 * `const char*` strings and opaque handles; structured data crosses as JSON text, the way HCS
 * itself works. No C++ exception ever crosses it.
 *
 * Conventions (see docs/c-api.md):
 *   - Every fallible call returns hvsup_status (HVSUP_OK = 0, failures negative) and, when the
 *     caller passes a non-NULL `hvsup_error** error`, stores an error object there that the
 *     caller frees with hvsup_error_free(). On success *error is set to NULL.
 *   - Parameters: out-parameters first, then the object the call acts on, then its inputs, and
 *     `hvsup_error** error` last (libgit2's order). Names are hvsup_<object>_<verb>[_<thing>].
 *     The few ABI-1 functions named before this rule stay as deprecated forwarders
 *     (HVSUP_DEPRECATED names each replacement; docs/abi.md lists them).
 *   - Objects returned through a pointer-to-pointer belong to the caller and are freed by the
 *     matching *_free function, which accepts NULL. Strings the library returns are freed with
 *     hvsup_string_free().
 *   - Options structs carry a `version` field; initialise them with the *_INIT macro or the
 *     *_options_init() function. NULL options mean defaults. Fields are only ever appended.
 *   - Threading: contexts are independent; one context may be used from several threads unless a
 *     function says otherwise. Error objects and strings may be freed from any thread.
 *   - The library never exits, never prints and never changes process-wide state on your behalf.
 */
#ifndef HVSUP_H
#define HVSUP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* HVSUP_STATIC: linking the static library (hvsup.pc and the Meson dependency define it), so
 * no dllimport; a static-only build compiles the library with it too, so no dllexport. */
#if defined(_WIN32)
#  if defined(HVSUP_STATIC)
#    define HVSUP_API
#  elif defined(HVSUP_BUILDING_LIBRARY)
#    define HVSUP_API __declspec(dllexport)
#  else
#    define HVSUP_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__)
#  define HVSUP_API __attribute__((visibility("default")))
#else
#  define HVSUP_API
#endif

/* HVSUP_DEPRECATED(msg): a function kept for the rest of ABI 1 whose replacement `msg` names
 * (docs/abi.md, "Deprecation"). Calls still work; the compiler warns. Define
 * HVSUP_NO_DEPRECATION_WARNINGS before including to silence the warnings. */
#if defined(HVSUP_NO_DEPRECATION_WARNINGS)
#  define HVSUP_DEPRECATED(msg)
#elif defined(_MSC_VER)
#  define HVSUP_DEPRECATED(msg) __declspec(deprecated(msg))
#elif defined(__GNUC__)
#  define HVSUP_DEPRECATED(msg) __attribute__((deprecated(msg)))
#else
#  define HVSUP_DEPRECATED(msg)
#endif

/** ABI version of this header. Bumped only for incompatible changes (never so far). */
#define HVSUP_ABI_VERSION 1

/** Status codes. Values are stable; new codes may be added. */
typedef enum hvsup_status {
    HVSUP_OK = 0,
    HVSUP_E_ERROR = -1,            /**< generic failure; see the error message */
    HVSUP_E_INVALID_ARGUMENT = -2, /**< a NULL pointer, bad version, unknown flag or bad input */
    HVSUP_E_UNSUPPORTED = -3,      /**< the host or build lacks what the call needs */
    HVSUP_E_NOT_FOUND = -4,
    HVSUP_E_CONFLICT = -5,         /**< wrong lifecycle state, or something already exists */
    HVSUP_E_IO = -6,               /**< a file or socket operation failed (see errno) */
    HVSUP_E_HOST = -7,             /**< HCS/HCN reported a failure (see HRESULT) */
    HVSUP_E_INTEGRITY = -8,        /**< a state file is malformed; it was left untouched */
    HVSUP_E_TOO_LARGE = -9,
    HVSUP_E_NO_MEMORY = -10,
    HVSUP_E_CANCELLED = -11        /**< hvsup_context_cancel interrupted the call */
} hvsup_status;

/** Log levels passed to hvsup_log_callback. */
typedef enum hvsup_log_level {
    HVSUP_LOG_DEBUG = 0,
    HVSUP_LOG_INFO = 1,
    HVSUP_LOG_WARNING = 2,
    HVSUP_LOG_ERROR = 3
} hvsup_log_level;

/** An error object: what failed and why. Opaque; read it with the accessors below. */
typedef struct hvsup_error hvsup_error;

/** A supervisor context: options plus the loaded host APIs. Opaque. */
typedef struct hvsup_context hvsup_context;

/**
 * Receives diagnostics. `message` is UTF-8 and valid only during the call.
 * May be called from any thread that uses the context; it must not call back into the context.
 */
typedef void (*hvsup_log_callback)(hvsup_log_level level, const char* message, void* user);

/* ---------------------------------------------------------------------------------------- */
/* Versions                                                                                 */

/** The ABI version the library was built with; compare with HVSUP_ABI_VERSION. Thread-safe. */
HVSUP_API uint32_t hvsup_abi_version(void);

/** The library's release version, e.g. "0.1.0". Static storage; do not free. Thread-safe. */
HVSUP_API const char* hvsup_version_string(void);

/* ---------------------------------------------------------------------------------------- */
/* Errors and strings                                                                       */

/** The status code of `error`; HVSUP_E_INVALID_ARGUMENT when `error` is NULL. */
HVSUP_API hvsup_status hvsup_error_code(const hvsup_error* error);

/** The UTF-8 message; owned by `error`, valid until hvsup_error_free. "" when NULL. */
HVSUP_API const char* hvsup_error_message(const hvsup_error* error);

/** The operation that failed (e.g. "create"), or "" when none applies. Owned by `error`. */
HVSUP_API const char* hvsup_error_operation(const hvsup_error* error);

/** The HRESULT HCS/HCN returned, or 0. */
HVSUP_API int32_t hvsup_error_hresult(const hvsup_error* error);

/** The errno (POSIX) or GetLastError() value (Windows) of a failed system call, or 0. */
HVSUP_API int32_t hvsup_error_system_code(const hvsup_error* error);

/** Frees an error object. Accepts NULL. */
HVSUP_API void hvsup_error_free(hvsup_error* error);

/** Frees a string the library returned. Accepts NULL. */
HVSUP_API void hvsup_string_free(char* string);

/* ---------------------------------------------------------------------------------------- */
/* Context                                                                                  */

#define HVSUP_CONTEXT_OPTIONS_VERSION 1

/** Options for hvsup_context_create. Initialise with HVSUP_CONTEXT_OPTIONS_INIT. */
typedef struct hvsup_context_options {
    uint32_t version;               /**< HVSUP_CONTEXT_OPTIONS_VERSION */
    uint32_t flags;                 /**< reserved; must be 0 */
    const char* default_state_dir;  /**< optional: used when a request has no config.stateDir */
    const char* hcs_library;        /**< optional: explicit HCS provider library (else System32) */
    const char* hcn_library;        /**< optional: explicit HCN provider library (else System32) */
    hvsup_log_callback log_callback;/**< optional */
    void* log_user;                 /**< passed to log_callback */
    const char* hcs_api;            /**< optional: "computecore" or "vmcompute" forces that API */
    const char* boot_mode;          /**< optional: "auto" (default: kernel-direct unless the host's highest HCS
                                         schema is below 2.2 or it is ARM64, then uefi-vmbfs), "kernel-direct"
                                         or "uefi-vmbfs" */
    const char* listener_helper;    /**< optional: hvsock-listener path (default: beside the executable) */
    uint32_t stop_grace_ms;         /**< 0 = 15000: how long stop/halt wait for the guest before terminating */
    uint32_t unregister_wait_ms;    /**< 0 = 120000: how long a terminated system gets to disappear */
} hvsup_context_options;

#define HVSUP_CONTEXT_OPTIONS_INIT { HVSUP_CONTEXT_OPTIONS_VERSION, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0 }

/**
 * Fills `options` with defaults for `version`.
 * @param options  [out] required
 * @param version  HVSUP_CONTEXT_OPTIONS_VERSION
 * @return HVSUP_OK, or HVSUP_E_INVALID_ARGUMENT for NULL or an unknown version.
 */
HVSUP_API hvsup_status hvsup_context_options_init(hvsup_context_options* options, uint32_t version);

/**
 * Creates a context. Strings in `options` are copied.
 * @param out      [out] required; receives the context, freed with hvsup_context_free
 * @param options  [in]  optional; NULL means defaults
 * @param error    [out] optional
 * @return HVSUP_OK; HVSUP_E_INVALID_ARGUMENT for NULL `out`, a bad version or unknown flags.
 * A host without HCS still yields a context: its commands fail closed with structured errors.
 */
HVSUP_API hvsup_status hvsup_context_create(hvsup_context** out, const hvsup_context_options* options,
                                            hvsup_error** error);

/** Frees a context. Accepts NULL. No call may be using the context. */
HVSUP_API void hvsup_context_free(hvsup_context* context);

/* ---------------------------------------------------------------------------------------- */
/* The supervisor protocol                                                                  */

/**
 * Runs one supervisor request (docs/protocol.md) and returns its response document.
 *
 * @param out           [out] required; receives the response JSON (2-space indented, with a
 *                            final newline), freed with hvsup_string_free
 * @param context       [in]  required
 * @param request_json  [in]  required; UTF-8 JSON text of the request
 * @param error         [out] optional
 * @return HVSUP_OK whenever a response document was produced, including responses with
 *         "ok": false (a malformed request, a failed command): inspect the document's "ok" and
 *         "error". A failure status means no document: NULL arguments (HVSUP_E_INVALID_ARGUMENT)
 *         or no memory (HVSUP_E_NO_MEMORY), or HVSUP_E_CANCELLED when hvsup_context_cancel
 *         interrupted the call (the error message is the detail recorded in the state file).
 * Limits: a request over 16 MiB is answered "ok": false, "request exceeds 16777216 bytes".
 * Blocking: `run` blocks until the guest exits; hvsup_context_cancel ends the wait early.
 * Lifecycle commands on one runtime are serialized across processes by
 * <stateDir>/<runtimeID>/command.lock: prepare/start/run/stop/halt/delete wait up to 10 s for
 * it, then answer "workspace <id> is busy: ..."; kill and quarantine wait at most 2 s and then
 * act anyway; inspect never waits (docs/security.md).
 * Thread-safe per context.
 */
HVSUP_API hvsup_status hvsup_context_supervise(char** out, hvsup_context* context, const char* request_json,
                                               hvsup_error** error);

/** Deprecated in 0.2.0: hvsup_context_supervise with the out-parameter first. Same behaviour. */
HVSUP_DEPRECATED("use hvsup_context_supervise(out, context, request_json, error)")
HVSUP_API hvsup_status hvsup_supervise(hvsup_context* context, const char* request_json, char** out,
                                       hvsup_error** error);

/**
 * A dry run: what a start/run request would create, touching nothing (no HCS or HCN call, no
 * file written): the compute-system document, kernel command line, COM1 pipe, VM access list,
 * network and listeners, as JSON.
 *
 * @param out           [out] required; the plan JSON, freed with hvsup_string_free
 * @param context       [in]  required
 * @param request_json  [in]  required; a full-config request (command "run"/"start"; "" = run)
 * @param error         [out] optional
 * @return HVSUP_OK; HVSUP_E_INVALID_ARGUMENT for a request that fails validation (the error
 *         message is the validation message). Thread-safe.
 */
HVSUP_API hvsup_status hvsup_context_plan(char** out, hvsup_context* context, const char* request_json,
                                          hvsup_error** error);

/** Deprecated in 0.2.0: hvsup_context_plan with the out-parameter first. Same behaviour. */
HVSUP_DEPRECATED("use hvsup_context_plan(out, context, request_json, error)")
HVSUP_API hvsup_status hvsup_plan(hvsup_context* context, const char* request_json, char** out,
                                  hvsup_error** error);

/**
 * Cancels the hvsup_context_supervise calls in flight on `context`.
 *
 * Waits inside those calls (run's wait for the guest result and for the exit; stop/halt's wait
 * for the guest to shut down; the wait for a terminated system to disappear) notice it within
 * about 100 ms, and the call returns HVSUP_E_CANCELLED with an error object (no response
 * document). Work that is not a wait (an HCS create or start, a file write) finishes first.
 *
 * Fail-closed: a cancelled `run` cleans up as any failed run does (terminates its compute
 * system, releases its HCN endpoint, stops its listeners) and records `failed` with a detail
 * saying it was cancelled; the cleanup itself is not cancellable. A cancelled stop/halt/kill/
 * delete records `failed`, keeps the compute-system and endpoint IDs (the system may still run)
 * and releases nothing; a later kill or delete finishes the job.
 *
 * One-shot: only calls already in flight are cancelled. A call that starts after this returns
 * is not affected, so a context can be reused; a caller racing a call's start may repeat
 * hvsup_context_cancel until that call returns (repeats are harmless).
 *
 * @param context  [in] required
 * @return HVSUP_OK (also when no call is in flight); HVSUP_E_INVALID_ARGUMENT for NULL.
 * Threading: callable from any thread, including while other threads are inside
 * hvsup_context_supervise on `context`; never blocks. The context must not be freed concurrently.
 */
HVSUP_API hvsup_status hvsup_context_cancel(hvsup_context* context);

/* ---------------------------------------------------------------------------------------- */
/* Host diagnostics                                                                         */

#define HVSUP_DOCTOR_OPTIONS_VERSION 1

/** Output formats of hvsup_context_doctor. */
typedef enum hvsup_doctor_format {
    HVSUP_DOCTOR_FORMAT_JSON = 0,
    HVSUP_DOCTOR_FORMAT_TEXT = 1
} hvsup_doctor_format;

/** Options for hvsup_context_doctor. Initialise with HVSUP_DOCTOR_OPTIONS_INIT. */
typedef struct hvsup_doctor_options {
    uint32_t version;             /**< HVSUP_DOCTOR_OPTIONS_VERSION */
    uint32_t format;              /**< an hvsup_doctor_format */
    const char* kernel_path;      /**< optional: default ~/.microagent/kernels/windows-hyperv/<arch>/Image */
    const char* guest_init_path;  /**< optional: default ~/.microagent/libexec/microagent-guestinit-<arch> */
} hvsup_doctor_options;

#define HVSUP_DOCTOR_OPTIONS_INIT { HVSUP_DOCTOR_OPTIONS_VERSION, HVSUP_DOCTOR_FORMAT_JSON, NULL, NULL }

/** Fills `options` with defaults for `version`. */
HVSUP_API hvsup_status hvsup_doctor_options_init(hvsup_doctor_options* options, uint32_t version);

/**
 * Checks what the host offers: HCS, virtualization, HCS access, kernel, guest init, console.
 * @param out      [out] required; the report (JSON or text), freed with hvsup_string_free
 * @param ok       [out] optional; 1 when every required check passed, else 0
 * @param context  [in]  required
 * @param options  [in]  optional
 * @param error    [out] optional
 * @return HVSUP_OK when a report was produced (whatever it found).
 */
HVSUP_API hvsup_status hvsup_context_doctor(char** out, int32_t* ok, hvsup_context* context,
                                            const hvsup_doctor_options* options, hvsup_error** error);

/** Deprecated in 0.2.0: hvsup_context_doctor with the out-parameters first. Same behaviour. */
HVSUP_DEPRECATED("use hvsup_context_doctor(out, ok, context, options, error)")
HVSUP_API hvsup_status hvsup_doctor(hvsup_context* context, const hvsup_doctor_options* options, char** out,
                                    int32_t* ok, hvsup_error** error);

#ifdef __cplusplus
}
#endif

#endif /* HVSUP_H */
