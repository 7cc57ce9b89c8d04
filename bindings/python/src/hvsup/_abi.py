# SPDX-License-Identifier: MIT
"""The C ABI as ctypes sees it: the ONE place that declares structs and function signatures.

Adding a primitive from a new header (include/hvsup/<noun>.h) means:
  1. declare any options struct here (fields in header order, `version` first),
  2. add one line per export to SIGNATURES (returned strings are `c_void_p`, never `c_char_p`,
     so the pointer survives to be freed with hvsup_string_free),
  3. list it in OPTIONAL if older libraries may lack it,
then call it through hvsup._native.call()/call_for_string() from a thin Python method.
"""
from ctypes import CFUNCTYPE, POINTER, Structure, c_char_p, c_int, c_int32, c_uint32, c_uint64, c_void_p

ABI_VERSION = 1  # HVSUP_ABI_VERSION

status_t = c_int  # hvsup_status (a C enum)
handle_t = c_void_p  # any opaque object pointer (hvsup_context*, hvsup_error*, ...)
out_handle_t = POINTER(c_void_p)  # T** out-parameters, including char** for library strings

# typedef void (*hvsup_log_callback)(hvsup_log_level level, const char* message, void* user);
LOG_CALLBACK = CFUNCTYPE(None, c_int, c_char_p, c_void_p)

CONTEXT_OPTIONS_VERSION = 1


class ContextOptions(Structure):
    """hvsup_context_options (HVSUP_CONTEXT_OPTIONS_VERSION 1)."""

    _fields_ = [
        ("version", c_uint32),
        ("flags", c_uint32),
        ("default_state_dir", c_char_p),
        ("hcs_library", c_char_p),
        ("hcn_library", c_char_p),
        ("log_callback", LOG_CALLBACK),
        ("log_user", c_void_p),
        ("hcs_api", c_char_p),
        ("boot_mode", c_char_p),
        ("listener_helper", c_char_p),
        ("stop_grace_ms", c_uint32),  # appended in main after this branch's header; ignored by older libraries
        ("unregister_wait_ms", c_uint32),
    ]


DOCTOR_OPTIONS_VERSION = 1
DOCTOR_FORMAT_JSON = 0
DOCTOR_FORMAT_TEXT = 1


class DoctorOptions(Structure):
    """hvsup_doctor_options (HVSUP_DOCTOR_OPTIONS_VERSION 1)."""

    _fields_ = [
        ("version", c_uint32),
        ("format", c_uint32),
        ("kernel_path", c_char_p),
        ("guest_init_path", c_char_p),
    ]


# hvsup/hcs.h
HCS_OPTIONS_VERSION = 1
HCS_API = {"auto": 0, "computecore": 1, "vmcompute": 2}
HCS_TIMEOUT_DEFAULT = 0
HCS_TIMEOUT_INFINITE = 0xFFFFFFFF


class HcsOptions(Structure):
    """hvsup_hcs_options (HVSUP_HCS_OPTIONS_VERSION 1)."""

    _fields_ = [("version", c_uint32), ("flags", c_uint32), ("library_path", c_char_p), ("api", c_uint32)]


HCS_DOCUMENT_OPTIONS_VERSION = 1
HCS_BOOT = {"kernel-direct": 0, "uefi-vmbfs": 1}


class HcsDocumentOptions(Structure):
    """hvsup_hcs_document_options (HVSUP_HCS_DOCUMENT_OPTIONS_VERSION 1)."""

    _fields_ = [("version", c_uint32), ("flags", c_uint32), ("endpoint_id", c_char_p), ("boot", c_uint32),
                ("schema_major", c_uint32), ("schema_minor", c_uint32)]


# hvsup/hvsock.h
HVSOCK_LISTENERS_OPTIONS_VERSION = 1


class HvsockListenersOptions(Structure):
    """hvsup_hvsock_listeners_options (HVSUP_HVSOCK_LISTENERS_OPTIONS_VERSION 1)."""

    _fields_ = [("version", c_uint32), ("flags", c_uint32), ("emulation_dir", c_char_p),
                ("log_callback", LOG_CALLBACK), ("log_user", c_void_p)]


# hvsup/image.h
# typedef int32_t (*hvsup_image_progress_callback)(uint64_t bytes_written, uint64_t entries, void* user);
IMAGE_PROGRESS_CALLBACK = CFUNCTYPE(c_int32, c_uint64, c_uint64, c_void_p)
IMAGE_BUILD_OPTIONS_VERSION = 1


class ImageBuildOptions(Structure):
    """hvsup_image_build_options (HVSUP_IMAGE_BUILD_OPTIONS_VERSION 1)."""

    _fields_ = [("version", c_uint32), ("flags", c_uint32), ("progress", IMAGE_PROGRESS_CALLBACK),
                ("progress_user", c_void_p)]


# hvsup/hcn.h
HCN_OPTIONS_VERSION = 1
HCN_ENDPOINT_REPLACE_STALE = 1


class HcnOptions(Structure):
    """hvsup_hcn_options (HVSUP_HCN_OPTIONS_VERSION 1)."""

    _fields_ = [("version", c_uint32), ("flags", c_uint32), ("provider_library", c_char_p)]


# name -> (restype, argtypes), in the headers' order: out-parameters first, then the object the
# call acts on, then its inputs. Every `hvsup_error**` is the last argument and is filled in by
# hvsup._native.call(); do not pass it yourself.
SIGNATURES = {
    # versions
    "hvsup_abi_version": (c_uint32, []),
    "hvsup_version_string": (c_char_p, []),  # static storage: never freed
    # errors and strings
    "hvsup_error_code": (status_t, [handle_t]),
    "hvsup_error_message": (c_char_p, [handle_t]),  # owned by the error object
    "hvsup_error_operation": (c_char_p, [handle_t]),
    "hvsup_error_hresult": (c_int32, [handle_t]),
    "hvsup_error_system_code": (c_int32, [handle_t]),
    "hvsup_error_free": (None, [handle_t]),
    "hvsup_string_free": (None, [c_void_p]),
    # context
    "hvsup_context_options_init": (status_t, [POINTER(ContextOptions), c_uint32]),
    "hvsup_context_create": (status_t, [out_handle_t, POINTER(ContextOptions), out_handle_t]),
    "hvsup_context_free": (None, [handle_t]),
    # supervisor protocol
    "hvsup_context_supervise": (status_t, [out_handle_t, handle_t, c_char_p, out_handle_t]),
    "hvsup_context_plan": (status_t, [out_handle_t, handle_t, c_char_p, out_handle_t]),
    # diagnostics
    "hvsup_doctor_options_init": (status_t, [POINTER(DoctorOptions), c_uint32]),
    "hvsup_context_doctor": (status_t, [out_handle_t, POINTER(c_int32), handle_t, POINTER(DoctorOptions),
                                        out_handle_t]),
    # hvsup/hcs.h
    "hvsup_hcs_options_init": (status_t, [POINTER(HcsOptions), c_uint32]),
    "hvsup_hcs_open": (status_t, [out_handle_t, POINTER(HcsOptions), out_handle_t]),
    "hvsup_hcs_dll": (c_char_p, [handle_t]),  # static storage
    "hvsup_hcs_free": (None, [handle_t]),
    "hvsup_hcs_probe_access": (status_t, [handle_t, out_handle_t]),
    "hvsup_hcs_query_schema_version": (status_t, [POINTER(c_uint32), POINTER(c_uint32), handle_t, out_handle_t]),
    "hvsup_hcs_grant_vm_access": (status_t, [handle_t, c_char_p, c_char_p, out_handle_t]),
    "hvsup_hcs_document_options_init": (status_t, [POINTER(HcsDocumentOptions), c_uint32]),
    "hvsup_hcs_build_document": (status_t, [out_handle_t, c_char_p, POINTER(HcsDocumentOptions), out_handle_t]),
    "hvsup_hcs_create_system": (status_t, [out_handle_t, handle_t, c_char_p, c_char_p, c_uint32, out_handle_t]),
    "hvsup_hcs_open_system": (status_t, [out_handle_t, handle_t, c_char_p, out_handle_t]),
    "hvsup_hcs_system_start": (status_t, [handle_t, c_uint32, out_handle_t]),
    "hvsup_hcs_system_shutdown": (status_t, [handle_t, c_uint32, out_handle_t]),
    "hvsup_hcs_system_terminate": (status_t, [handle_t, c_uint32, out_handle_t]),
    "hvsup_hcs_system_await_exit": (status_t, [POINTER(c_int32), out_handle_t, handle_t, c_uint32, out_handle_t]),
    "hvsup_hcs_system_query_properties": (status_t, [out_handle_t, handle_t, out_handle_t]),
    "hvsup_hcs_system_close": (None, [handle_t]),
    # hvsup/image.h
    "hvsup_image_build_options_init": (status_t, [POINTER(ImageBuildOptions), c_uint32]),
    "hvsup_image_create": (status_t, [out_handle_t, c_char_p, POINTER(ImageBuildOptions), out_handle_t]),
    "hvsup_image_describe": (status_t, [out_handle_t, c_char_p, out_handle_t]),
    "hvsup_image_check_footer": (status_t, [out_handle_t, c_char_p, out_handle_t]),
    # hvsup/hvsock.h
    "hvsup_hvsock_port_to_service_id": (status_t, [out_handle_t, c_uint32, out_handle_t]),
    "hvsup_hvsock_service_id_to_port": (status_t, [POINTER(c_uint32), c_char_p, out_handle_t]),
    "hvsup_hvsock_listeners_options_init": (status_t, [POINTER(HvsockListenersOptions), c_uint32]),
    "hvsup_hvsock_listeners_create": (status_t, [out_handle_t, c_char_p, c_char_p, POINTER(HvsockListenersOptions),
                                                 out_handle_t]),
    "hvsup_hvsock_listeners_await_result": (status_t, [POINTER(c_uint32), handle_t, c_uint32, out_handle_t]),
    "hvsup_hvsock_listeners_stop": (status_t, [handle_t, out_handle_t]),
    "hvsup_hvsock_listeners_free": (None, [handle_t]),
    # hvsup/hcn.h
    "hvsup_hcn_options_init": (status_t, [POINTER(HcnOptions), c_uint32]),
    "hvsup_hcn_open": (status_t, [out_handle_t, POINTER(HcnOptions), out_handle_t]),
    "hvsup_hcn_free": (None, [handle_t]),
    "hvsup_hcn_probe": (status_t, [handle_t, out_handle_t]),
    "hvsup_hcn_ensure_nat_network": (status_t, [out_handle_t, handle_t, out_handle_t]),
    "hvsup_hcn_find_network": (status_t, [out_handle_t, handle_t, c_char_p, out_handle_t]),
    "hvsup_hcn_create_endpoint": (status_t, [out_handle_t, handle_t, c_char_p, c_char_p, c_uint32, out_handle_t]),
    "hvsup_hcn_delete_endpoint": (status_t, [handle_t, c_char_p, out_handle_t]),
    "hvsup_hcn_query_endpoint": (status_t, [out_handle_t, handle_t, c_char_p, out_handle_t]),
    # cancellation (hvsup.h); no error out-parameter: call it directly, not through call()
    "hvsup_context_cancel": (status_t, [handle_t]),
}

# Exports that a library may lack (added after ABI 1 shipped: the primitives headers, the
# out-parameter-first names of 0.2.0 such as hvsup_context_supervise, hvsup_context_cancel).
# Calling a missing one raises HvsupError with Status.UNSUPPORTED instead of failing at load
# time. SIGNATURES binds no deprecated ABI-1 name (hvsup_supervise, ...): those stay exported by
# the library as forwarders, but these bindings call only their replacements.
OPTIONAL = frozenset(name for name in SIGNATURES
                     if name.startswith(("hvsup_hcs_", "hvsup_hvsock_", "hvsup_image_", "hvsup_hcn_"))
                     or name in ("hvsup_context_supervise", "hvsup_context_plan", "hvsup_context_doctor",
                                 "hvsup_context_cancel"))
