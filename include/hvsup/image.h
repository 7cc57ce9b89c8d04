/* SPDX-License-Identifier: MIT */
/*
 * hvsup/image.h — building and checking the disks a Hyper-V Linux guest boots from.
 *
 * hvsup_image_create writes an ext4 filesystem (4 KiB blocks, 256-byte inodes, extents,
 * flex_bg, sparse_super, large_file, huge_file, dir_nlink, extra_isize, filetype, ext_attr,
 * an internal journal unless disabled; metadata_csum and 64bit on request) from a directory,
 * a tar file or stream, an OCI image layout, or nothing (an empty volume), as a fixed VHD
 * (raw disk + 512-byte footer) or a raw image. The output is written to an unnamed file in its
 * directory (O_TMPFILE; delete-on-close on Windows) that gets the output's name only once it is
 * complete and on disk; a failed, cancelled or killed build leaves nothing behind. See
 * docs/image.md.
 */
#ifndef HVSUP_IMAGE_H
#define HVSUP_IMAGE_H

#include "hvsup/hvsup.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Progress of a build: bytes of file data written so far and source entries seen so far.
 * Called on the building thread, at most every 16 MiB of data or 512 entries, and once more
 * before the metadata is written. Return 0 to continue; any other value cancels the build
 * (hvsup_image_create then fails with HVSUP_E_ERROR and leaves no output).
 */
typedef int32_t (*hvsup_image_progress_callback)(uint64_t bytes_written, uint64_t entries, void* user);

#define HVSUP_IMAGE_BUILD_OPTIONS_VERSION 1

/** Options for hvsup_image_create. Initialise with HVSUP_IMAGE_BUILD_OPTIONS_INIT. */
typedef struct hvsup_image_build_options {
    uint32_t version;                       /**< HVSUP_IMAGE_BUILD_OPTIONS_VERSION */
    uint32_t flags;                         /**< reserved; must be 0 */
    hvsup_image_progress_callback progress; /**< optional */
    void* progress_user;                    /**< passed to progress */
} hvsup_image_build_options;

#define HVSUP_IMAGE_BUILD_OPTIONS_INIT { HVSUP_IMAGE_BUILD_OPTIONS_VERSION, 0, NULL, NULL }

/**
 * Fills `options` with defaults for `version`.
 * @param options  [out] required
 * @param version  HVSUP_IMAGE_BUILD_OPTIONS_VERSION
 * @return HVSUP_OK, or HVSUP_E_INVALID_ARGUMENT for NULL or an unknown version.
 */
HVSUP_API hvsup_status hvsup_image_build_options_init(hvsup_image_build_options* options, uint32_t version);

/**
 * Builds an image described by a JSON request:
 *   {"fromDir": PATH} | {"fromTar": PATH or "-" for stdin} | {"fromOci": PATH} | {"empty": true},
 *   "output": PATH (required), "size": bytes or "512M" (required for empty), "free": headroom
 *   when the size follows the content (default "64M"; an error together with "size"), "label"
 *   (at most 16 bytes, no control characters), "uuid" (8-4-4-4-12, not the nil UUID),
 *   "timestamp" (Unix seconds; default now), "raw", "metadataCsum", "bit64", "journal"
 *   (default true), "overlay" (OCI whiteouts kept as overlayfs whiteouts), "platform"
 *   ("os/arch[/variant]", default linux on the host's architecture) and "ref" (ref name) to
 *   pick the manifest of an OCI index (fromOci only), "convertBackslash" (fromTar/fromOci),
 *   "guestInit" (a host path to an ELF executable installed as /sbin/microagent-init, mode
 *   0755, owner 0:0; not with empty; see docs/image.md, "Guest init"; the summary then has
 *   "guestInit": the path it landed at).
 * Same request, uuid and timestamp give byte-identical output.
 *
 * @param out           [out] optional; receives the summary JSON (sizes, counts, free blocks
 *                            and inodes, uuid, seconds), freed with hvsup_string_free
 * @param request_json  [in]  required; UTF-8 JSON
 * @param options       [in]  optional; NULL means no progress callback
 * @param error         [out] optional
 * @return HVSUP_OK; HVSUP_E_INVALID_ARGUMENT for a bad request or hostile input (unsafe
 *         paths, hard links to missing targets); HVSUP_E_INTEGRITY for a corrupt or
 *         truncated archive; HVSUP_E_TOO_LARGE when the content does not fit "size";
 *         HVSUP_E_IO / HVSUP_E_NOT_FOUND for file errors; HVSUP_E_ERROR when cancelled.
 * Blocking; thread-safe (builds share nothing). The callback runs on the calling thread.
 */
HVSUP_API hvsup_status hvsup_image_create(char** out, const char* request_json,
                                          const hvsup_image_build_options* options, hvsup_error** error);

/** Deprecated in 0.2.0: hvsup_image_create with the out-parameter first. Same behaviour. */
HVSUP_DEPRECATED("use hvsup_image_create(out, request_json, options, error)")
HVSUP_API hvsup_status hvsup_image_build(const char* request_json, const hvsup_image_build_options* options, char** out,
                                         hvsup_error** error);

/**
 * Reads the footer and the ext4 superblock of an image (fixed VHD or raw) as JSON.
 * @param out    [out] required; JSON document, freed with hvsup_string_free
 * @param path   [in]  required; UTF-8
 * @param error  [out] optional
 * @return HVSUP_OK; HVSUP_E_NOT_FOUND / HVSUP_E_IO for file errors; HVSUP_E_INTEGRITY when the
 *         file is too small to be an image. A footer that fails verification is reported in
 *         the document ("valid": false, "problem"), not as a failure. Thread-safe.
 */
HVSUP_API hvsup_status hvsup_image_describe(char** out, const char* path, hvsup_error** error);

/** Deprecated in 0.2.0: hvsup_image_describe with the out-parameter first. Same behaviour. */
HVSUP_DEPRECATED("use hvsup_image_describe(out, path, error)")
HVSUP_API hvsup_status hvsup_image_inspect(const char* path, char** out, hvsup_error** error);

/**
 * Reads and verifies the fixed-VHD footer of `path`: cookie, checksum, disk type 2, data
 * offset, and current size + 512 = file size.
 * @param out    [out] optional; the decoded footer as JSON, freed with hvsup_string_free
 * @param path   [in]  required; UTF-8
 * @param error  [out] optional
 * @return HVSUP_OK when valid; HVSUP_E_INTEGRITY with the reason when not; file errors as above.
 * Thread-safe.
 */
HVSUP_API hvsup_status hvsup_image_check_footer(char** out, const char* path, hvsup_error** error);

/** Deprecated in 0.2.0: hvsup_image_check_footer with the out-parameter first. Same behaviour. */
HVSUP_DEPRECATED("use hvsup_image_check_footer(out, path, error)")
HVSUP_API hvsup_status hvsup_image_footer_verify(const char* path, char** out, hvsup_error** error);

#ifdef __cplusplus
}
#endif

#endif /* HVSUP_IMAGE_H */
