// SPDX-License-Identifier: MIT
// The emulated guest on Windows: hvsup-sim-guest.exe, found next to the simulator DLL (or at
// HVSUP_SIM_GUEST), started detached with CreateProcessW (core/process) so it outlives the
// process that started the compute system, as a VM outlives hvsup-cli. Windows has no
// signals: a shutdown request reaches the guest through the record's StopRequest, which the
// guest polls; a kill is TerminateProcess.
#include "host.hpp"

#include "core/error.hpp"
#include "core/process.hpp"
#include "core/win32.hpp"

#include <objbase.h>

#include <algorithm>
#include <cwctype>
#include <vector>

namespace hvsup::sim {
namespace {

std::filesystem::path guest_executable()
{
    const DWORD n = ::GetEnvironmentVariableW(L"HVSUP_SIM_GUEST", nullptr, 0);
    if (n > 1) {
        std::wstring value(n, L'\0');
        value.resize(::GetEnvironmentVariableW(L"HVSUP_SIM_GUEST", value.data(), n));
        return std::filesystem::path(value);
    }
    HMODULE self = nullptr;
    if (!::GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                              reinterpret_cast<LPCWSTR>(&spawn_guest), &self)) {
        const DWORD last = ::GetLastError();  // before building the message
        throw win32::error(last, "locate the simulator DLL to find hvsup-sim-guest.exe");
    }
    return std::filesystem::path(win32::module_file_name(self, "locate the simulator DLL")).parent_path() /
           L"hvsup-sim-guest.exe";
}

std::string utf8(const std::filesystem::path& p)
{
    return win32::to_utf8(p.wstring());
}

}  // namespace

int64_t spawn_guest(const std::filesystem::path& sim_dir, const std::string& id, const std::filesystem::path& log)
{
    process::SpawnOptions options;
    options.executable = utf8(guest_executable());
    options.args = {"--sim-dir", utf8(sim_dir), "--id", id};
    options.log_file = utf8(log);
    options.detached = true;
    return process::spawn(options);
}

bool guest_alive(int64_t pid)
{
    if (pid <= 0 || !process::is_alive(pid)) return false;
    // A recycled PID of another program is not the guest.
    win32::Handle h(::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, static_cast<DWORD>(pid)));
    if (!h) return true;
    std::vector<wchar_t> name(32768);
    DWORD size = static_cast<DWORD>(name.size());
    if (!::QueryFullProcessImageNameW(h.get(), 0, name.data(), &size)) return true;
    std::wstring stem = std::filesystem::path(std::wstring(name.data(), size)).stem().wstring();
    std::transform(stem.begin(), stem.end(), stem.begin(), [](wchar_t c) { return std::towlower(c); });
    return stem.rfind(L"hvsup-sim-guest", 0) == 0;
}

void signal_guest(int64_t pid, bool kill_it)
{
    if (!kill_it || pid <= 0) return;
    try {
        process::terminate(pid, std::chrono::seconds(5));
    } catch (...) {
        // The caller waits for the process to go and reports what it sees.
    }
}

void* host_alloc(size_t bytes)
{
    return ::CoTaskMemAlloc(bytes);
}

int64_t current_pid()
{
    return static_cast<int64_t>(::GetCurrentProcessId());
}

bool keep_loaded()
{
    HMODULE self = nullptr;
    return ::GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                                reinterpret_cast<LPCWSTR>(&keep_loaded), &self) != FALSE;
}

}  // namespace hvsup::sim
