/* SPDX-License-Identifier: MIT */
/*
 * hvsup/hcn.h — HCN (computenetwork.dll) primitives for callers with their own supervisor logic.
 *
 * hvsup_context_supervise() already attaches and releases guest networking; these calls expose the same
 * building blocks: the managed NAT network "microagent-nat" (created only when absent, on the
 * first free /24 of 192.168.127.0/24, 192.168.214.0/24, 10.71.214.0/24, 10.99.127.0/24,
 * 172.28.127.0/24, 172.31.214.0/24, gateway .1), lookup of a network by name, and endpoints.
 * Structured data crosses as JSON text: HCN's own v2 properties documents, unchanged
 * (see docs/hcn.md). The shared NAT network is never deleted by the library.
 *
 * Errors: HCN failures are HVSUP_E_HOST (HVSUP_E_NOT_FOUND / HVSUP_E_CONFLICT for HCN's
 * not-found / already-exists codes) with the HRESULT in hvsup_error_hresult(); a host without
 * computenetwork.dll (every POSIX host without an explicit provider) is HVSUP_E_UNSUPPORTED.
 *
 * Threading: an hvsup_hcn may be used from several threads at once; calls on it are
 * independent (HCN itself serialises). Strings returned are freed with hvsup_string_free().
 */
#ifndef HVSUP_HCN_H
#define HVSUP_HCN_H

#include "hvsup.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A loaded HCN API. Opaque; created by hvsup_hcn_open, freed by hvsup_hcn_free. */
typedef struct hvsup_hcn hvsup_hcn;

#define HVSUP_HCN_OPTIONS_VERSION 1

/** Options for hvsup_hcn_open. Initialise with HVSUP_HCN_OPTIONS_INIT. */
typedef struct hvsup_hcn_options {
    uint32_t version;              /**< HVSUP_HCN_OPTIONS_VERSION */
    uint32_t flags;                /**< reserved; must be 0 */
    const char* provider_library;  /**< optional: explicit computenetwork.dll-compatible library
                                        (UTF-8 path); NULL = computenetwork.dll from System32 */
} hvsup_hcn_options;

#define HVSUP_HCN_OPTIONS_INIT { HVSUP_HCN_OPTIONS_VERSION, 0, NULL }

/** Flags of hvsup_hcn_create_endpoint. */
typedef enum hvsup_hcn_endpoint_flags {
    HVSUP_HCN_ENDPOINT_NONE = 0,
    /** Delete endpoints that already carry the name first (an endpoint left by a crashed run). */
    HVSUP_HCN_ENDPOINT_REPLACE_STALE = 1
} hvsup_hcn_endpoint_flags;

/**
 * Fills `options` with defaults for `version`.
 * @param options  [out] required
 * @param version  HVSUP_HCN_OPTIONS_VERSION
 * @return HVSUP_OK, or HVSUP_E_INVALID_ARGUMENT for NULL or an unknown version.
 * Thread-safe.
 */
HVSUP_API hvsup_status hvsup_hcn_options_init(hvsup_hcn_options* options, uint32_t version);

/**
 * Loads the HCN API.
 * @param out      [out] required; receives the handle, freed with hvsup_hcn_free
 * @param options  [in]  optional; NULL means computenetwork.dll from System32
 * @param error    [out] optional
 * @return HVSUP_OK; HVSUP_E_INVALID_ARGUMENT (NULL `out`, bad version, unknown flags);
 *         HVSUP_E_UNSUPPORTED when the library cannot be loaded or lacks an entry point
 *         ("load HCN API: …").
 * Thread-safe.
 */
HVSUP_API hvsup_status hvsup_hcn_open(hvsup_hcn** out, const hvsup_hcn_options* options, hvsup_error** error);

/** Frees a handle. Accepts NULL. No call may be using it. */
HVSUP_API void hvsup_hcn_free(hvsup_hcn* hcn);

/**
 * Doctor's check: lists networks once.
 * @param hcn    [in]  required
 * @param error  [out] optional; message "probe HCN/HNS access: …"
 * @return HVSUP_OK when HCN answered; HVSUP_E_HOST (or another code) otherwise.
 */
HVSUP_API hvsup_status hvsup_hcn_probe(hvsup_hcn* hcn, hvsup_error** error);

/**
 * Finds "microagent-nat", creating it when absent.
 * @param hcn    [in]  required
 * @param out    [out] required; the network's HCN properties (JSON: ID, Name, Type, Ipams, ...),
 *                     freed with hvsup_string_free
 * @param error  [out] optional
 * @return HVSUP_OK; HVSUP_E_CONFLICT "no free /24 for the managed NAT network; existing HNS
 *         subnets: …"; HVSUP_E_HOST `find HNS NAT network "microagent-nat": …` /
 *         `create HNS NAT network "microagent-nat": …`.
 */
HVSUP_API hvsup_status hvsup_hcn_ensure_nat_network(char** out, hvsup_hcn* hcn, hvsup_error** error);

/** Deprecated in 0.2.0: hvsup_hcn_ensure_nat_network with the out-parameter first. Same behaviour. */
HVSUP_DEPRECATED("use hvsup_hcn_ensure_nat_network(out, hcn, error)")
HVSUP_API hvsup_status hvsup_hcn_nat_network_ensure(hvsup_hcn* hcn, char** out, hvsup_error** error);

/**
 * Finds a network (or Hyper-V switch) by its HCN name.
 * @param out    [out] required; the network's HCN properties (JSON), freed with
 *                     hvsup_string_free; NULL when not found
 * @param hcn    [in]  required
 * @param name   [in]  required; UTF-8
 * @param error  [out] optional
 * @return HVSUP_OK; HVSUP_E_NOT_FOUND when no network has that name; HVSUP_E_HOST otherwise.
 */
HVSUP_API hvsup_status hvsup_hcn_find_network(char** out, hvsup_hcn* hcn, const char* name, hvsup_error** error);

/** Deprecated in 0.2.0: hvsup_hcn_find_network with the out-parameter first. Same behaviour. */
HVSUP_DEPRECATED("use hvsup_hcn_find_network(out, hcn, name, error)")
HVSUP_API hvsup_status hvsup_hcn_network_find(hvsup_hcn* hcn, const char* name, char** out, hvsup_error** error);

/**
 * Creates an endpoint on a network; HCN assigns its id, address (Static IPAM) and MAC.
 * @param out         [out] required; the endpoint's HCN properties (JSON: ID, IpConfigurations,
 *                          Routes, Dns, MacAddress, ...), freed with hvsup_string_free
 * @param hcn         [in]  required
 * @param network_id  [in]  required; the network's ID (GUID text)
 * @param name        [in]  required; the endpoint name (hvsup uses "microagent-<runtimeID>")
 * @param flags       [in]  hvsup_hcn_endpoint_flags; unknown bits are HVSUP_E_INVALID_ARGUMENT
 * @param error       [out] optional
 * @return HVSUP_OK; HVSUP_E_HOST / HVSUP_E_NOT_FOUND `create HNS endpoint "<name>": …`.
 * On failure no endpoint is left behind. Ownership: the caller must delete the endpoint.
 */
HVSUP_API hvsup_status hvsup_hcn_create_endpoint(char** out, hvsup_hcn* hcn, const char* network_id, const char* name,
                                                 uint32_t flags, hvsup_error** error);

/** Deprecated in 0.2.0: hvsup_hcn_create_endpoint with the out-parameter first. Same behaviour. */
HVSUP_DEPRECATED("use hvsup_hcn_create_endpoint(out, hcn, network_id, name, flags, error)")
HVSUP_API hvsup_status hvsup_hcn_endpoint_create(hvsup_hcn* hcn, const char* network_id, const char* name,
                                                 uint32_t flags, char** out, hvsup_error** error);

/**
 * Deletes an endpoint. An empty id, or an endpoint that does not exist, is success.
 * @param hcn          [in]  required
 * @param endpoint_id  [in]  required; GUID text ("" is a no-op)
 * @param error        [out] optional
 * @return HVSUP_OK; otherwise `find HNS endpoint "<id>": …` / `delete HNS endpoint "<id>": …`.
 */
HVSUP_API hvsup_status hvsup_hcn_delete_endpoint(hvsup_hcn* hcn, const char* endpoint_id, hvsup_error** error);

/** Deprecated in 0.2.0: renamed hvsup_hcn_delete_endpoint (one verb-first idiom in hvsup_hcn_*). Same behaviour. */
HVSUP_DEPRECATED("use hvsup_hcn_delete_endpoint(hcn, endpoint_id, error)")
HVSUP_API hvsup_status hvsup_hcn_endpoint_delete(hvsup_hcn* hcn, const char* endpoint_id, hvsup_error** error);

/**
 * Reads an endpoint's HCN properties.
 * @param out          [out] required; JSON, freed with hvsup_string_free
 * @param hcn          [in]  required
 * @param endpoint_id  [in]  required; GUID text
 * @param error        [out] optional
 * @return HVSUP_OK; HVSUP_E_NOT_FOUND when it does not exist; HVSUP_E_INVALID_ARGUMENT when the
 *         id is not a GUID; HVSUP_E_HOST otherwise.
 */
HVSUP_API hvsup_status hvsup_hcn_query_endpoint(char** out, hvsup_hcn* hcn, const char* endpoint_id,
                                                hvsup_error** error);

/** Deprecated in 0.2.0: hvsup_hcn_query_endpoint with the out-parameter first. Same behaviour. */
HVSUP_DEPRECATED("use hvsup_hcn_query_endpoint(out, hcn, endpoint_id, error)")
HVSUP_API hvsup_status hvsup_hcn_endpoint_properties(hvsup_hcn* hcn, const char* endpoint_id, char** out,
                                                     hvsup_error** error);

#ifdef __cplusplus
}
#endif

#endif /* HVSUP_HCN_H */
