// SPDX-License-Identifier: MIT
#include "core/native_machine.hpp"

#include <windows.h>

namespace hvsup::core {
namespace {

// IMAGE_FILE_MACHINE_* values, spelled out so older SDK headers need not define them all.
constexpr USHORT machine_i386 = 0x014c;
constexpr USHORT machine_amd64 = 0x8664;
constexpr USHORT machine_arm64 = 0xAA64;
constexpr USHORT machine_armnt = 0x01c4;

using IsWow64Process2Fn = BOOL(WINAPI*)(HANDLE, USHORT*, USHORT*);

}  // namespace

std::string native_machine()
{
    // Looked up at run time: kernel32 has it from Windows 10 1709 on. It reports the native
    // machine even to an emulated x64 process on ARM64, which GetNativeSystemInfo does not.
    if (HMODULE kernel32 = GetModuleHandleW(L"kernel32.dll")) {
        auto* fn = reinterpret_cast<IsWow64Process2Fn>(
            reinterpret_cast<void*>(GetProcAddress(kernel32, "IsWow64Process2")));
        USHORT process = 0;
        USHORT native = 0;
        if (fn != nullptr && fn(GetCurrentProcess(), &process, &native)) {
            switch (native) {
                case machine_amd64:
                    return "amd64";
                case machine_arm64:
                    return "arm64";
                case machine_i386:
                    return "386";
                case machine_armnt:
                    return "arm";
                default:
                    break;
            }
        }
    }
    SYSTEM_INFO info{};
    GetNativeSystemInfo(&info);
    switch (info.wProcessorArchitecture) {
        case PROCESSOR_ARCHITECTURE_AMD64:
            return "amd64";
        case PROCESSOR_ARCHITECTURE_ARM64:
            return "arm64";
        case PROCESSOR_ARCHITECTURE_INTEL:
            return "386";
        case PROCESSOR_ARCHITECTURE_ARM:
            return "arm";
        default:
            return "unknown";
    }
}

}  // namespace hvsup::core
