/* SPDX-License-Identifier: MIT */
/*
 * hvsup/hvsock.h — Hyper-V socket primitives of libhvsup.
 *
 * For callers with their own supervisor logic: the vsock port <-> Hyper-V service id mapping,
 * and a set of host listeners for one VM (published TCP ports, guest->host vsock listeners,
 * the result sink and the COM1 serial capture) started and stopped on demand. These are the
 * same bridges hvsup_context_supervise uses for `run` and the hvsock-listener helper uses for `start`.
 *
 * Transport: AF_HYPERV sockets on Windows; when the environment variable
 * HVSUP_HVSOCK_EMULATION_DIR is set (or options.emulation_dir is given) the loopback
 * emulation described in docs/hvsock.md instead, which is also the only transport on
 * non-Windows hosts.
 *
 * Conventions as in hvsup.h: hvsup_status returns, optional hvsup_error** out-parameters,
 * UTF-8 strings, returned strings freed with hvsup_string_free.
 */
#ifndef HVSUP_HVSOCK_H
#define HVSUP_HVSOCK_H

#include "hvsup/hvsup.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The Hyper-V service id of Linux guest vsock port `port`:
 * "<port as 8 lower-case hex digits>-facb-11e6-bd58-64006a7986d3".
 *
 * @param out    [out] required; the lower-case GUID text, freed with hvsup_string_free
 * @param port   [in]  any 32-bit vsock port
 * @param error  [out] optional
 * @return HVSUP_OK; HVSUP_E_INVALID_ARGUMENT for NULL `out`; HVSUP_E_NO_MEMORY.
 * Thread-safe.
 */
HVSUP_API hvsup_status hvsup_hvsock_port_to_service_id(char** out, uint32_t port, hvsup_error** error);

/** Deprecated in 0.2.0: hvsup_hvsock_port_to_service_id with the out-parameter first. Same behaviour. */
HVSUP_DEPRECATED("use hvsup_hvsock_port_to_service_id(out, port, error)")
HVSUP_API hvsup_status hvsup_hvsock_service_id(uint32_t port, char** out, hvsup_error** error);

/**
 * The vsock port a Hyper-V service id stands for (the inverse of hvsup_hvsock_port_to_service_id).
 *
 * @param out         [out] required; the port
 * @param service_id  [in]  required; GUID text, either case, braces optional
 * @param error       [out] optional
 * @return HVSUP_OK; HVSUP_E_INVALID_ARGUMENT when `service_id` is NULL, not a GUID, or not built
 *         from the vsock template.
 * Thread-safe.
 */
HVSUP_API hvsup_status hvsup_hvsock_service_id_to_port(uint32_t* out, const char* service_id, hvsup_error** error);

/** Deprecated in 0.2.0: hvsup_hvsock_service_id_to_port with the out-parameter first. Same behaviour. */
HVSUP_DEPRECATED("use hvsup_hvsock_service_id_to_port(out, service_id, error)")
HVSUP_API hvsup_status hvsup_hvsock_service_port(const char* service_id, uint32_t* out, hvsup_error** error);

/** A running set of host listeners for one VM. */
typedef struct hvsup_hvsock_listeners hvsup_hvsock_listeners;

#define HVSUP_HVSOCK_LISTENERS_OPTIONS_VERSION 1

/** Options for hvsup_hvsock_listeners_create. Initialise with HVSUP_HVSOCK_LISTENERS_OPTIONS_INIT. */
typedef struct hvsup_hvsock_listeners_options {
    uint32_t version;                /**< HVSUP_HVSOCK_LISTENERS_OPTIONS_VERSION */
    uint32_t flags;                  /**< reserved, must be 0 */
    const char* emulation_dir;       /**< optional: use the loopback emulation rooted here */
    hvsup_log_callback log_callback; /**< optional: per-connection diagnostics; called from the
                                          listeners' I/O thread, never after _stop returns */
    void* log_user;                  /**< passed to log_callback */
} hvsup_hvsock_listeners_options;

#define HVSUP_HVSOCK_LISTENERS_OPTIONS_INIT { HVSUP_HVSOCK_LISTENERS_OPTIONS_VERSION, 0, NULL, NULL, NULL }

/** Fills `options` with defaults for `version`. HVSUP_E_INVALID_ARGUMENT for NULL or an unknown version. */
HVSUP_API hvsup_status hvsup_hvsock_listeners_options_init(hvsup_hvsock_listeners_options* options,
                                                           uint32_t version);

/**
 * Binds every listener of `spec_json` for VM `vm_id` and starts serving them.
 *
 * `spec_json` is a JSON object (keys matched case-insensitively, unknown keys ignored):
 *   {
 *     "portForwards":   [{"protocol": "tcp", "host": "127.0.0.1", "hostPort": 18080,
 *                         "servicePort": 0}],
 *     "vsockListeners": [{"port": 1024, "target": "C:\\state\\agent-1\\result.json"},
 *                        {"port": 2048, "target": "127.0.0.1:9900"}],
 *     "resultPath":     "C:\\state\\agent-1\\result.json",
 *     "serialPipe":     "\\\\.\\pipe\\microagent-agent-1-serial",
 *     "serialLogPath":  "C:\\state\\agent-1\\serial.log"
 *   }
 * A port forward listens on host:hostPort (host default 127.0.0.1) and connects each client
 * to vsock port servicePort (0 or absent: hostPort) of the VM within 10 s. A vsock listener
 * whose target equals resultPath accepts one connection and writes at most 16 MiB atomically
 * to that file; other targets must be "host:port" and get each connection bridged to them.
 * serialPipe, when given, is served as the COM1 pipe and appended to serialLogPath.
 *
 * @param out        [out] required; the running set, stopped and freed with
 *                         hvsup_hvsock_listeners_free
 * @param vm_id      [in]  required; the VM's HCS RuntimeId GUID
 * @param spec_json  [in]  required
 * @param options    [in]  optional; NULL means defaults
 * @param error      [out] optional
 * @return HVSUP_OK once everything is bound. HVSUP_E_INVALID_ARGUMENT for NULL arguments, a bad
 *         options version, unknown flags, malformed JSON, a bad VM id or target
 *         ("windows-hyperv vsock listener <port> target must be host:port or the workspace
 *         result path"); HVSUP_E_IO when a listener cannot bind ("listen windows-hyperv
 *         published tcp <addr>: ...", "listen windows-hyperv hvsocket port <p>: ...");
 *         HVSUP_E_UNSUPPORTED without a Hyper-V socket transport. On failure nothing stays bound.
 * Thread-safe; each set is independent.
 */
HVSUP_API hvsup_status hvsup_hvsock_listeners_create(hvsup_hvsock_listeners** out, const char* vm_id,
                                                     const char* spec_json,
                                                     const hvsup_hvsock_listeners_options* options,
                                                     hvsup_error** error);

/** Deprecated in 0.2.0: hvsup_hvsock_listeners_create with the out-parameter first. Same behaviour. */
HVSUP_DEPRECATED("use hvsup_hvsock_listeners_create(out, vm_id, spec_json, options, error)")
HVSUP_API hvsup_status hvsup_hvsock_listeners_start(const char* vm_id, const char* spec_json,
                                                    const hvsup_hvsock_listeners_options* options,
                                                    hvsup_hvsock_listeners** out, hvsup_error** error);

/** What hvsup_hvsock_listeners_await_result saw. */
typedef enum hvsup_hvsock_result_state {
    HVSUP_HVSOCK_RESULT_NO_LISTENER = 0, /**< the spec has no result sink */
    HVSUP_HVSOCK_RESULT_RECEIVED = 1,    /**< the result file was written */
    HVSUP_HVSOCK_RESULT_PENDING = 2,     /**< the timeout passed first */
    HVSUP_HVSOCK_RESULT_STOPPED = 3      /**< the set was stopped first */
} hvsup_hvsock_result_state;

/**
 * Waits up to `timeout_ms` for the result sink.
 *
 * @param out         [out] required; an hvsup_hvsock_result_state
 * @param listeners   [in]  required
 * @param timeout_ms  [in]  0 polls
 * @param error       [out] optional
 * @return HVSUP_OK with *out set; HVSUP_E_TOO_LARGE ("windows-hyperv result for <path> exceeded
 *         16777216 bytes") or HVSUP_E_IO when the delivery failed (no file is written, and
 *         later calls report the same error); HVSUP_E_INVALID_ARGUMENT for NULL arguments.
 * Thread-safe; may run while another thread calls hvsup_hvsock_listeners_stop.
 */
HVSUP_API hvsup_status hvsup_hvsock_listeners_await_result(uint32_t* out, hvsup_hvsock_listeners* listeners,
                                                           uint32_t timeout_ms, hvsup_error** error);

/** Deprecated in 0.2.0: hvsup_hvsock_listeners_await_result with the out-parameter first. Same behaviour. */
HVSUP_DEPRECATED("use hvsup_hvsock_listeners_await_result(out, listeners, timeout_ms, error)")
HVSUP_API hvsup_status hvsup_hvsock_listeners_wait_result(hvsup_hvsock_listeners* listeners, uint32_t timeout_ms,
                                                          uint32_t* out, hvsup_error** error);

/**
 * Stops every listener and closes open bridged connections; later connections are refused.
 * Idempotent. Must not be called from the log callback.
 *
 * @param listeners  [in]  required
 * @param error      [out] optional
 * @return HVSUP_OK; HVSUP_E_INVALID_ARGUMENT for NULL.
 */
HVSUP_API hvsup_status hvsup_hvsock_listeners_stop(hvsup_hvsock_listeners* listeners, hvsup_error** error);

/** Stops (as hvsup_hvsock_listeners_stop) and frees a set. Accepts NULL. No call may be using it. */
HVSUP_API void hvsup_hvsock_listeners_free(hvsup_hvsock_listeners* listeners);

#ifdef __cplusplus
}
#endif

#endif /* HVSUP_HVSOCK_H */
