// SPDX-License-Identifier: MIT
// The raw HCS entry points of vmcompute.dll (v1) and computecore.dll (v2) as function-pointer
// types (docs/hcs.md, "The binding and the API choice"). Strings are UTF-16: char16_t has the size and encoding of
// Windows' wchar_t, so the same table works against the real DLLs and the simulator on Linux.
// Shared with test/sim, which implements these signatures.
#pragma once

#include <cstdint>

#if defined(_WIN32)
#define HVSUP_HCS_CALL __stdcall
#else
#define HVSUP_HCS_CALL
#endif

namespace hvsup::hcs::api {

using HRESULT = int32_t;
using DWORD = uint32_t;
using HANDLE = void*;
using HCS_SYSTEM = void*;
using HCS_OPERATION = void*;
using HCS_CALLBACK = void*;
using PCWSTR = const char16_t*;
using PWSTR = char16_t*;

inline constexpr DWORD infinite_timeout = 0xFFFFFFFFu;
inline constexpr DWORD generic_all = 0x10000000u;

// v1 notification types (hcsshim internal/hcs/callback.go).
enum class Notification : DWORD {
    invalid = 0x00000000,
    system_exited = 0x00000001,
    system_create_completed = 0x00000002,
    system_start_completed = 0x00000003,
    system_pause_completed = 0x00000004,
    system_resume_completed = 0x00000005,
    service_disconnect = 0x01000000,
};

// v2 HCS_EVENT_TYPE
enum class EventType : uint32_t {
    invalid = 0x00000000,
    system_exited = 0x00000001,
    operation_callback = 0x01000000,
    service_disconnect = 0x02000000,
};

inline constexpr uint32_t event_option_none = 0;

struct HcsEvent {
    uint32_t type;      // EventType
    PCWSTR event_data;  // JSON; SystemExited -> SystemExitStatus
    HCS_OPERATION operation;
};

extern "C" {
using NotificationCallback = void(HVSUP_HCS_CALL*)(DWORD type, void* context, HRESULT status, PCWSTR data);
using OperationCompletion = void(HVSUP_HCS_CALL*)(HCS_OPERATION operation, void* context);
using EventCallback = void(HVSUP_HCS_CALL*)(HcsEvent* event, void* context);

// vmcompute.dll
using V1CreateComputeSystem = HRESULT(HVSUP_HCS_CALL*)(PCWSTR id, PCWSTR configuration, HANDLE identity,
                                                       HCS_SYSTEM* system, PWSTR* result);
using V1OpenComputeSystem = HRESULT(HVSUP_HCS_CALL*)(PCWSTR id, HCS_SYSTEM* system, PWSTR* result);
using V1CloseComputeSystem = HRESULT(HVSUP_HCS_CALL*)(HCS_SYSTEM system);
using V1SystemOperation = HRESULT(HVSUP_HCS_CALL*)(HCS_SYSTEM system, PCWSTR options, PWSTR* result);
using V1GetComputeSystemProperties = HRESULT(HVSUP_HCS_CALL*)(HCS_SYSTEM system, PCWSTR query, PWSTR* properties,
                                                              PWSTR* result);
using V1GetServiceProperties = HRESULT(HVSUP_HCS_CALL*)(PCWSTR query, PWSTR* properties, PWSTR* result);
using V1RegisterComputeSystemCallback = HRESULT(HVSUP_HCS_CALL*)(HCS_SYSTEM system, NotificationCallback callback,
                                                                 void* context, HCS_CALLBACK* handle);
using V1UnregisterComputeSystemCallback = HRESULT(HVSUP_HCS_CALL*)(HCS_CALLBACK handle);
using V1GrantVmAccess = HRESULT(HVSUP_HCS_CALL*)(PCWSTR vm_id, PCWSTR file_path);

// computecore.dll
using V2CreateOperation = HCS_OPERATION(HVSUP_HCS_CALL*)(void* context, OperationCompletion callback);
using V2CloseOperation = void(HVSUP_HCS_CALL*)(HCS_OPERATION operation);
using V2WaitForOperationResult = HRESULT(HVSUP_HCS_CALL*)(HCS_OPERATION operation, DWORD timeout_ms, PWSTR* result);
using V2CreateComputeSystem = HRESULT(HVSUP_HCS_CALL*)(PCWSTR id, PCWSTR configuration, HCS_OPERATION operation,
                                                       const void* security_descriptor, HCS_SYSTEM* system);
using V2OpenComputeSystem = HRESULT(HVSUP_HCS_CALL*)(PCWSTR id, DWORD requested_access, HCS_SYSTEM* system);
using V2CloseComputeSystem = void(HVSUP_HCS_CALL*)(HCS_SYSTEM system);
using V2SystemOperation = HRESULT(HVSUP_HCS_CALL*)(HCS_SYSTEM system, HCS_OPERATION operation, PCWSTR options);
using V2SetComputeSystemCallback = HRESULT(HVSUP_HCS_CALL*)(HCS_SYSTEM system, uint32_t options, const void* context,
                                                            EventCallback callback);
using V2GetServiceProperties = HRESULT(HVSUP_HCS_CALL*)(PCWSTR query, PWSTR* result);
using V2GrantVmAccess = HRESULT(HVSUP_HCS_CALL*)(PCWSTR vm_id, PCWSTR file_path);
}

struct V1Functions {
    V1CreateComputeSystem create = nullptr;                           // HcsCreateComputeSystem
    V1OpenComputeSystem open = nullptr;                               // HcsOpenComputeSystem
    V1CloseComputeSystem close = nullptr;                             // HcsCloseComputeSystem
    V1SystemOperation start = nullptr;                                // HcsStartComputeSystem
    V1SystemOperation shutdown = nullptr;                             // HcsShutdownComputeSystem
    V1SystemOperation terminate = nullptr;                            // HcsTerminateComputeSystem
    V1GetComputeSystemProperties get_properties = nullptr;            // HcsGetComputeSystemProperties
    V1GetServiceProperties get_service_properties = nullptr;          // HcsGetServiceProperties
    V1RegisterComputeSystemCallback register_callback = nullptr;      // HcsRegisterComputeSystemCallback
    V1UnregisterComputeSystemCallback unregister_callback = nullptr;  // HcsUnregisterComputeSystemCallback
    V1GrantVmAccess grant_vm_access = nullptr;                        // GrantVmAccess
};

struct V2Functions {
    V2CreateOperation create_operation = nullptr;                  // HcsCreateOperation
    V2CloseOperation close_operation = nullptr;                    // HcsCloseOperation
    V2WaitForOperationResult wait_for_operation_result = nullptr;  // HcsWaitForOperationResult
    V2CreateComputeSystem create = nullptr;                        // HcsCreateComputeSystem
    V2OpenComputeSystem open = nullptr;                            // HcsOpenComputeSystem
    V2CloseComputeSystem close = nullptr;                          // HcsCloseComputeSystem
    V2SystemOperation start = nullptr;                             // HcsStartComputeSystem
    V2SystemOperation shutdown = nullptr;                          // HcsShutDownComputeSystem
    V2SystemOperation terminate = nullptr;                         // HcsTerminateComputeSystem
    V2SystemOperation get_properties = nullptr;                    // HcsGetComputeSystemProperties
    V2SetComputeSystemCallback set_callback = nullptr;             // HcsSetComputeSystemCallback
    V2GetServiceProperties get_service_properties = nullptr;       // HcsGetServiceProperties
    V2GrantVmAccess grant_vm_access = nullptr;                     // HcsGrantVmAccess
};

}  // namespace hvsup::hcs::api
