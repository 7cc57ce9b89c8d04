/* SPDX-License-Identifier: MIT */
/*
 * hcs.h — HCS primitives of libhvsup, for callers that keep their own supervisor logic (the Go
 * microagent) beside hvsup_context_supervise(): load the HCS API (vmcompute.dll or computecore.dll, or
 * an explicit provider library such as the test simulator), build the compute-system document
 * for a supervisor request, and create/open/start/shut down/terminate/wait for/query/close
 * compute systems, plus GrantVmAccess.
 *
 * Conventions are those of hvsup.h: hvsup_status returns, optional hvsup_error** out-parameter,
 * UTF-8 strings, returned strings freed with hvsup_string_free(), objects freed with their
 * *_free/_close function (NULL accepted). Failures reported by HCS carry the HRESULT
 * (hvsup_error_hresult) and the operation (hvsup_error_operation), and their message reads
 * "windows-hyperv HCS <operation>: <err>[: <result document>]".
 *
 * Threading: an hvsup_hcs may be used from several threads. An hvsup_hcs_system is for one
 * thread at a time, except that hvsup_hcs_system_await_exit may block in one thread while another
 * calls hvsup_hcs_system_shutdown or hvsup_hcs_system_terminate on the same system. Never close
 * a system while another thread uses it.
 */
#ifndef HVSUP_HCS_H
#define HVSUP_HCS_H

#include "hvsup/hvsup.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A loaded HCS API. Opaque. */
typedef struct hvsup_hcs hvsup_hcs;
/** An open compute-system handle with its event callback registered. Opaque. */
typedef struct hvsup_hcs_system hvsup_hcs_system;

/** Which HCS API to use. */
typedef enum hvsup_hcs_api {
    HVSUP_HCS_API_AUTO = 0,        /**< computecore.dll when present, else vmcompute.dll */
    HVSUP_HCS_API_COMPUTECORE = 1, /**< the documented v2 API */
    HVSUP_HCS_API_VMCOMPUTE = 2    /**< the v1 API the reference backend names */
} hvsup_hcs_api;

/** Timeouts in milliseconds: 0 = the default (4 minutes; no limit for waits), or this. */
#define HVSUP_HCS_TIMEOUT_DEFAULT 0u
#define HVSUP_HCS_TIMEOUT_INFINITE 0xFFFFFFFFu

#define HVSUP_HCS_OPTIONS_VERSION 1

/** Options for hvsup_hcs_open. Initialise with HVSUP_HCS_OPTIONS_INIT. */
typedef struct hvsup_hcs_options {
    uint32_t version;          /**< HVSUP_HCS_OPTIONS_VERSION */
    uint32_t flags;            /**< reserved; must be 0 */
    const char* library_path;  /**< optional: explicit provider library; NULL = System32 (Windows only) */
    uint32_t api;              /**< an hvsup_hcs_api */
} hvsup_hcs_options;

#define HVSUP_HCS_OPTIONS_INIT { HVSUP_HCS_OPTIONS_VERSION, 0, NULL, HVSUP_HCS_API_AUTO }

/** Fills `options` with defaults for `version`. HVSUP_E_INVALID_ARGUMENT for NULL or an unknown version. */
HVSUP_API hvsup_status hvsup_hcs_options_init(hvsup_hcs_options* options, uint32_t version);

/**
 * Loads the HCS API.
 * @param out      [out] required; receives the API object, freed with hvsup_hcs_free
 * @param options  [in]  optional; NULL = auto from System32
 * @param error    [out] optional
 * @return HVSUP_OK; HVSUP_E_UNSUPPORTED when no HCS is available (on POSIX without a provider:
 *         "windows-hyperv supervisor is only supported on windows") or the provider lacks the
 *         requested API; HVSUP_E_INVALID_ARGUMENT for NULL `out`, bad version, unknown flags or api.
 */
HVSUP_API hvsup_status hvsup_hcs_open(hvsup_hcs** out, const hvsup_hcs_options* options, hvsup_error** error);

/** "computecore.dll" or "vmcompute.dll" (static storage); "" for NULL. */
HVSUP_API const char* hvsup_hcs_dll(const hvsup_hcs* hcs);

/** Frees the API object. Accepts NULL. Close every system opened through it first. */
HVSUP_API void hvsup_hcs_free(hvsup_hcs* hcs);

/**
 * The access probe of `check`: opens "__microagent_hcs_access_probe__"; success or not-found
 * means access is allowed.
 * @return HVSUP_OK, or the HCS error ("windows-hyperv HCS probe access: ...").
 */
HVSUP_API hvsup_status hvsup_hcs_probe_access(hvsup_hcs* hcs, hvsup_error** error);

/**
 * The host's highest supported schema version (HcsGetServiceProperties "Basic").
 * @param major, minor  [out] required
 * @param hcs           [in]  required
 */
HVSUP_API hvsup_status hvsup_hcs_query_schema_version(uint32_t* major, uint32_t* minor, hvsup_hcs* hcs,
                                                      hvsup_error** error);

/** Deprecated in 0.2.0: hvsup_hcs_query_schema_version with the out-parameters first. Same behaviour. */
HVSUP_DEPRECATED("use hvsup_hcs_query_schema_version(major, minor, hcs, error)")
HVSUP_API hvsup_status hvsup_hcs_schema_version(hvsup_hcs* hcs, uint32_t* major, uint32_t* minor, hvsup_error** error);

/**
 * GrantVmAccess / HcsGrantVmAccess: lets VM `vm_id` (the RuntimeId) open `path`.
 * @return HVSUP_OK or the HCS error ("windows-hyperv HCS grant vm access: ...").
 */
HVSUP_API hvsup_status hvsup_hcs_grant_vm_access(hvsup_hcs* hcs, const char* vm_id, const char* path,
                                                 hvsup_error** error);

/** Boot variants of the document. */
typedef enum hvsup_hcs_boot {
    HVSUP_HCS_BOOT_KERNEL_DIRECT = 0, /**< Chipset.LinuxKernelDirect (the reference) */
    HVSUP_HCS_BOOT_UEFI_VMBFS = 1     /**< Chipset.Uefi.BootThis VmbFs (Server 2019, ARM64) */
} hvsup_hcs_boot;

#define HVSUP_HCS_DOCUMENT_OPTIONS_VERSION 1

/** Options for hvsup_hcs_build_document. Initialise with HVSUP_HCS_DOCUMENT_OPTIONS_INIT. */
typedef struct hvsup_hcs_document_options {
    uint32_t version;         /**< HVSUP_HCS_DOCUMENT_OPTIONS_VERSION */
    uint32_t flags;           /**< reserved; must be 0 */
    const char* endpoint_id;  /**< optional: HCN endpoint GUID; adds NetworkAdapters */
    uint32_t boot;            /**< an hvsup_hcs_boot */
    uint32_t schema_major;    /**< optional: the host's highest schema version (0 = not capped) */
    uint32_t schema_minor;
} hvsup_hcs_document_options;

#define HVSUP_HCS_DOCUMENT_OPTIONS_INIT { HVSUP_HCS_DOCUMENT_OPTIONS_VERSION, 0, NULL, HVSUP_HCS_BOOT_KERNEL_DIRECT, 0, 0 }

/** Fills `options` with defaults for `version`. */
HVSUP_API hvsup_status hvsup_hcs_document_options_init(hvsup_hcs_document_options* options, uint32_t version);

/**
 * Builds the compute-system document (compact JSON) for a supervisor request
 * (docs/hcs.md): identity.runtimeID names the system; config.network carries the resolved
 * runtime network (ip, subnet, gateway, dns). Pure: touches no file and no host.
 * @param out           [out] required; the document, freed with hvsup_string_free
 * @param request_json  [in]  required; a request as for hvsup_context_supervise (validated the same way)
 * @param options       [in]  optional
 * @return HVSUP_OK; HVSUP_E_INVALID_ARGUMENT with the reference's message for a bad request.
 */
HVSUP_API hvsup_status hvsup_hcs_build_document(char** out, const char* request_json,
                                                const hvsup_hcs_document_options* options, hvsup_error** error);

/** Deprecated in 0.2.0: hvsup_hcs_build_document with the out-parameter first. Same behaviour. */
HVSUP_DEPRECATED("use hvsup_hcs_build_document(out, request_json, options, error)")
HVSUP_API hvsup_status hvsup_hcs_document_build(const char* request_json, const hvsup_hcs_document_options* options,
                                                char** out, hvsup_error** error);

/**
 * HcsCreateComputeSystem(id, document) and its completion. The returned system has its
 * event callback registered (so no exit is missed).
 * @param out  [out] required; freed with hvsup_hcs_system_close
 * @return HVSUP_OK; HVSUP_E_CONFLICT when the id exists; HVSUP_E_HOST for other HCS failures.
 */
HVSUP_API hvsup_status hvsup_hcs_create_system(hvsup_hcs_system** out, hvsup_hcs* hcs, const char* id,
                                               const char* document_json, uint32_t timeout_ms, hvsup_error** error);

/** Deprecated in 0.2.0: hvsup_hcs_create_system with the out-parameter first. Same behaviour. */
HVSUP_DEPRECATED("use hvsup_hcs_create_system(out, hcs, id, document_json, timeout_ms, error)")
HVSUP_API hvsup_status hvsup_hcs_system_create(hvsup_hcs* hcs, const char* id, const char* document_json,
                                               uint32_t timeout_ms, hvsup_hcs_system** out, hvsup_error** error);

/**
 * HcsOpenComputeSystem(id).
 * @param out  [out] required; freed with hvsup_hcs_system_close
 * @return HVSUP_OK; HVSUP_E_NOT_FOUND when no such system exists.
 */
HVSUP_API hvsup_status hvsup_hcs_open_system(hvsup_hcs_system** out, hvsup_hcs* hcs, const char* id,
                                             hvsup_error** error);

/** Deprecated in 0.2.0: hvsup_hcs_open_system with the out-parameter first. Same behaviour. */
HVSUP_DEPRECATED("use hvsup_hcs_open_system(out, hcs, id, error)")
HVSUP_API hvsup_status hvsup_hcs_system_open(hvsup_hcs* hcs, const char* id, hvsup_hcs_system** out,
                                             hvsup_error** error);

/** HcsStartComputeSystem and its completion. */
HVSUP_API hvsup_status hvsup_hcs_system_start(hvsup_hcs_system* system, uint32_t timeout_ms, hvsup_error** error);

/** Asks the guest to shut down; does not wait for the exit. A stopped system is success. */
HVSUP_API hvsup_status hvsup_hcs_system_shutdown(hvsup_hcs_system* system, uint32_t timeout_ms, hvsup_error** error);

/** Terminates the system. A stopped or vanished system is success. */
HVSUP_API hvsup_status hvsup_hcs_system_terminate(hvsup_hcs_system* system, uint32_t timeout_ms, hvsup_error** error);

/**
 * Waits for SystemExited.
 * @param exited     [out] required; 1 when the system exited, 0 when the timeout passed first
 * @param exit_json  [out] optional; when exited, {"Status": <HRESULT>, "ExitType": "..."},
 *                   freed with hvsup_string_free; NULL otherwise
 * @return HVSUP_OK (exited or timed out); HVSUP_E_HOST for ServiceDisconnect
 *         ("windows-hyperv HCS wait: unexpected HCS notification ServiceDisconnect: ...").
 */
HVSUP_API hvsup_status hvsup_hcs_system_await_exit(int32_t* exited, char** exit_json, hvsup_hcs_system* system,
                                                   uint32_t timeout_ms, hvsup_error** error);

/** Deprecated in 0.2.0: hvsup_hcs_system_await_exit with the out-parameters first. Same behaviour. */
HVSUP_DEPRECATED("use hvsup_hcs_system_await_exit(exited, exit_json, system, timeout_ms, error)")
HVSUP_API hvsup_status hvsup_hcs_system_wait(hvsup_hcs_system* system, uint32_t timeout_ms, int32_t* exited,
                                             char** exit_json, hvsup_error** error);

/**
 * HcsGetComputeSystemProperties: the properties document as HCS returns it (Id, State,
 * RuntimeId, ...).
 * @param out  [out] required; freed with hvsup_string_free
 */
HVSUP_API hvsup_status hvsup_hcs_system_query_properties(char** out, hvsup_hcs_system* system, hvsup_error** error);

/** Deprecated in 0.2.0: hvsup_hcs_system_query_properties with the out-parameter first. Same behaviour. */
HVSUP_DEPRECATED("use hvsup_hcs_system_query_properties(out, system, error)")
HVSUP_API hvsup_status hvsup_hcs_system_properties(hvsup_hcs_system* system, char** out, hvsup_error** error);

/** Unregisters the callback and closes the handle. Accepts NULL. The compute system itself stays. */
HVSUP_API void hvsup_hcs_system_close(hvsup_hcs_system* system);

#ifdef __cplusplus
}
#endif

#endif /* HVSUP_HCS_H */
