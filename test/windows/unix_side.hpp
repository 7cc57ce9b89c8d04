// SPDX-License-Identifier: MIT
// Test-only access to the Unix side of Wine: Wine 8's CreateSymbolicLinkW is a stub (it
// returns TRUE and makes nothing) and a Windows program cannot chown, so the tests that need a
// real link or a foreign owner run /bin/ln or /bin/chown themselves. Wine maps Z: to / and
// starts a Unix executable given to CreateProcessW as a Unix process; on Windows none of this
// is available (is_wine() is false) and the tests use the Windows calls instead.
#pragma once

#include <windows.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace hvsup::wintest {

inline bool is_wine()
{
    HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
    return ntdll != nullptr && ::GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

// The Unix path of `path` (its parent must exist), or nothing outside Wine.
inline std::optional<std::string> unix_path(const std::filesystem::path& path)
{
    using Convert = char*(CDECL*)(const wchar_t*);
    HMODULE kernel32 = ::GetModuleHandleW(L"kernel32.dll");
    auto convert = kernel32 ? reinterpret_cast<Convert>(reinterpret_cast<void*>(::GetProcAddress(kernel32, "wine_get_unix_file_name"))) : nullptr;
    if (!convert) return std::nullopt;
    const std::filesystem::path full = std::filesystem::absolute(path);
    char* parent = convert(full.parent_path().c_str());
    if (!parent) return std::nullopt;
    std::string out = std::string(parent) + "/" + full.filename().string();
    ::HeapFree(::GetProcessHeap(), 0, parent);
    return out;
}

// Starts /bin/<tool> with `args` as a Unix process. Wine gives no handle to wait on for a
// Unix process, so the caller polls for the effect it expects.
inline bool start_unix_tool(const std::string& tool, const std::vector<std::string>& args)
{
    std::wstring command_line = std::filesystem::path(tool).wstring();
    for (const auto& a : args) command_line += L" \"" + std::filesystem::path(a).wstring() + L"\"";
    const std::wstring program = L"Z:\\bin\\" + std::filesystem::path(tool).wstring();
    STARTUPINFOW si{};
    si.cb = sizeof si;
    PROCESS_INFORMATION pi{};
    if (!::CreateProcessW(program.c_str(), command_line.data(), nullptr, nullptr, FALSE, 0, nullptr, nullptr, &si, &pi)) {
        return false;
    }
    if (pi.hProcess) ::CloseHandle(pi.hProcess);
    if (pi.hThread) ::CloseHandle(pi.hThread);
    return true;
}

template <typename Predicate>
bool wait_until(Predicate done, std::chrono::milliseconds limit = std::chrono::seconds(10))
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

// A real symbolic link at `link` naming `target`: CreateSymbolicLinkW where it works (Windows
// with the privilege or developer mode), else a Unix link made by /bin/ln under Wine. False
// when neither can make one. `directory`: a directory link (Wine reports those as reparse
// points; a link to a file it reports as the file).
inline bool make_symlink(const std::filesystem::path& link, const std::filesystem::path& target, bool directory)
{
    auto exists = [&] { return ::GetFileAttributesW(link.c_str()) != INVALID_FILE_ATTRIBUTES; };
    const DWORD flags = (directory ? SYMBOLIC_LINK_FLAG_DIRECTORY : 0) | SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE;
    // Wine's stub returns TRUE without a link: only an entry that now exists counts.
    if (!is_wine() && ::CreateSymbolicLinkW(link.c_str(), target.c_str(), flags) && exists()) return true;
    const auto unix_link = unix_path(link);
    const auto unix_target = unix_path(target);
    if (!unix_link || !unix_target) return false;
    return start_unix_tool("ln", {"-s", *unix_target, *unix_link}) && wait_until(exists);
}

}  // namespace hvsup::wintest
