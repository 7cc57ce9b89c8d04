// SPDX-License-Identifier: MIT
// Windows implementation of core/process.hpp: CreateProcessW, OpenProcess, TerminateProcess.
#include "core/process.hpp"

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/win32.hpp"

#include <memory>
#include <vector>

#include <fmt/format.h>

namespace hvsup::process {
namespace {

using win32::Handle;

// One argument quoted so that CommandLineToArgvW (and the MSVC/mingw C runtimes) give it back
// unchanged: backslashes are literal except before a quote, where they are doubled.
void append_quoted(std::wstring& line, const std::wstring& arg)
{
    if (!line.empty()) line += L' ';
    if (!arg.empty() && arg.find_first_of(L" \t\n\v\"") == std::wstring::npos) {
        line += arg;
        return;
    }
    line += L'"';
    size_t backslashes = 0;
    for (wchar_t c : arg) {
        if (c == L'\\') {
            ++backslashes;
            continue;
        }
        if (c == L'"') line.append(backslashes * 2 + 1, L'\\');
        else line.append(backslashes, L'\\');
        backslashes = 0;
        line += c;
    }
    line.append(backslashes * 2, L'\\');
    line += L'"';
}

Handle open_output(const SpawnOptions& options)
{
    SECURITY_ATTRIBUTES* inheritable = win32::PrivateSecurity::attributes(true);
    const DWORD share = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
    if (options.log_file.empty()) {
        SECURITY_ATTRIBUTES plain{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
        Handle h(::CreateFileW(L"NUL", GENERIC_WRITE, share, &plain, OPEN_EXISTING, 0, nullptr));
        if (!h) {
            const DWORD last = ::GetLastError();  // before building the message
            throw win32::error(last, "open NUL for " + options.executable);
        }
        return h;
    }
    // FILE_APPEND_DATA alone makes every write go to the end, like O_APPEND.
    const std::filesystem::path log = files::from_utf8(options.log_file);
    Handle h(::CreateFileW(log.c_str(), FILE_APPEND_DATA | SYNCHRONIZE, share, inheritable, OPEN_ALWAYS,
                           FILE_ATTRIBUTE_NORMAL, nullptr));
    if (!h) {
        const DWORD last = ::GetLastError();  // before building the message
        throw win32::error(last, "open log " + options.log_file);
    }
    return h;
}

Handle open_input()
{
    SECURITY_ATTRIBUTES plain{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
    Handle h(::CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &plain, OPEN_EXISTING, 0, nullptr));
    if (!h) {
        const DWORD last = ::GetLastError();  // before building the message
        throw win32::error(last, "open NUL");
    }
    return h;
}

// Exactly the listed handles are inherited, not whatever else happens to be inheritable in
// the embedding program.
class HandleList {
public:
    explicit HandleList(std::vector<HANDLE> handles) : handles_(std::move(handles))
    {
        SIZE_T size = 0;
        ::InitializeProcThreadAttributeList(nullptr, 1, 0, &size);
        storage_.resize(size);
        list_ = reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(storage_.data());
        if (!::InitializeProcThreadAttributeList(list_, 1, 0, &size)) {
            list_ = nullptr;
            const DWORD last = ::GetLastError();  // before building the message
            throw win32::error(last, "initialize process attributes");
        }
        if (!::UpdateProcThreadAttribute(list_, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, handles_.data(),
                                         handles_.size() * sizeof(HANDLE), nullptr, nullptr)) {
            const DWORD last = ::GetLastError();  // before building the message
            throw win32::error(last, "set inherited handles");
        }
    }
    ~HandleList()
    {
        if (list_ != nullptr) ::DeleteProcThreadAttributeList(list_);
    }
    HandleList(const HandleList&) = delete;
    HandleList& operator=(const HandleList&) = delete;
    LPPROC_THREAD_ATTRIBUTE_LIST get() const { return list_; }

private:
    std::vector<HANDLE> handles_;
    std::vector<unsigned char> storage_;
    LPPROC_THREAD_ATTRIBUTE_LIST list_ = nullptr;
};

}  // namespace

int64_t spawn(const SpawnOptions& options)
{
    if (options.executable.empty()) throw Error(ErrorCode::invalid_argument, "spawn: executable is required");
    const std::wstring application = files::from_utf8(options.executable).wstring();
    std::wstring command_line;
    append_quoted(command_line, application);
    for (const auto& arg : options.args) append_quoted(command_line, win32::to_wide(arg));

    Handle input = open_input();
    Handle output = open_output(options);
    std::vector<HANDLE> inherited{input.get(), output.get()};
    HandleList handle_list(inherited);

    STARTUPINFOEXW startup{};
    startup.StartupInfo.cb = sizeof startup;
    startup.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
    startup.StartupInfo.hStdInput = input.get();
    startup.StartupInfo.hStdOutput = output.get();
    startup.StartupInfo.hStdError = output.get();
    startup.lpAttributeList = handle_list.get();

    // Detached: no console at all and its own process group, so the caller's Ctrl+C and
    // console window never reach it. Otherwise: the caller's group, but still no window.
    DWORD flags = EXTENDED_STARTUPINFO_PRESENT | CREATE_UNICODE_ENVIRONMENT;
    flags |= options.detached ? (DETACHED_PROCESS | CREATE_NEW_PROCESS_GROUP) : CREATE_NO_WINDOW;

    PROCESS_INFORMATION info{};
    std::vector<wchar_t> mutable_line(command_line.begin(), command_line.end());
    mutable_line.push_back(L'\0');
    if (!::CreateProcessW(application.c_str(), mutable_line.data(), nullptr, nullptr, TRUE, flags, nullptr, nullptr,
                          &startup.StartupInfo, &info)) {
        const DWORD last = ::GetLastError();  // before building the message
        throw win32::error(last, "start " + options.executable);
    }
    ::CloseHandle(info.hThread);
    ::CloseHandle(info.hProcess);
    return static_cast<int64_t>(info.dwProcessId);
}

bool is_alive(int64_t pid)
{
    if (pid <= 0 || pid > static_cast<int64_t>(MAXDWORD)) return false;
    Handle h(::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, FALSE, static_cast<DWORD>(pid)));
    if (!h) {
        // The process exists but belongs to someone we may not query: it is alive.
        return ::GetLastError() == ERROR_ACCESS_DENIED;
    }
    DWORD code = 0;
    if (!::GetExitCodeProcess(h.get(), &code)) return true;
    // STILL_ACTIVE (259) is also a legal exit code; the handle's signalled state decides.
    return code == STILL_ACTIVE && ::WaitForSingleObject(h.get(), 0) == WAIT_TIMEOUT;
}

void terminate(int64_t pid, std::chrono::milliseconds timeout)
{
    if (pid <= 0 || pid > static_cast<int64_t>(MAXDWORD)) {
        throw Error(ErrorCode::invalid_argument, fmt::format("terminate process {}: not a process id", pid));
    }
    Handle h(::OpenProcess(PROCESS_TERMINATE | PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, FALSE,
                           static_cast<DWORD>(pid)));
    if (!h) {
        const DWORD err = ::GetLastError();
        if (err == ERROR_INVALID_PARAMETER) return;  // no such process: already gone
        throw win32::error(err, fmt::format("terminate process {}", pid));
    }
    if (::WaitForSingleObject(h.get(), 0) == WAIT_OBJECT_0) return;
    if (!::TerminateProcess(h.get(), 1)) {
        const DWORD err = ::GetLastError();
        // Access is denied to a process that is exiting on its own; the wait below decides.
        if (err != ERROR_ACCESS_DENIED) throw win32::error(err, fmt::format("terminate process {}", pid));
    }
    const DWORD wait_ms = static_cast<DWORD>(std::min<int64_t>(std::max<int64_t>(timeout.count(), 0), INFINITE - 1));
    const DWORD waited = ::WaitForSingleObject(h.get(), wait_ms);
    if (waited == WAIT_OBJECT_0) return;
    if (waited == WAIT_FAILED) {
        const DWORD last = ::GetLastError();  // before building the message
        throw win32::error(last, fmt::format("wait for process {}", pid));
    }
    throw Error(ErrorCode::io, fmt::format("terminate process {}: still running after {} ms", pid, timeout.count()));
}

std::optional<int64_t> start_time(int64_t pid)
{
    if (pid <= 0 || pid > static_cast<int64_t>(MAXDWORD)) return std::nullopt;
    Handle h(::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, static_cast<DWORD>(pid)));
    if (!h) return std::nullopt;
    FILETIME created{}, exited{}, kernel{}, user{};
    if (!::GetProcessTimes(h.get(), &created, &exited, &kernel, &user)) return std::nullopt;
    return static_cast<int64_t>((static_cast<uint64_t>(created.dwHighDateTime) << 32) | created.dwLowDateTime);
}

std::optional<std::string> executable_path(int64_t pid)
{
    if (pid <= 0 || pid > static_cast<int64_t>(MAXDWORD)) return std::nullopt;
    Handle h(::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, static_cast<DWORD>(pid)));
    if (!h) return std::nullopt;
    std::wstring buf(32768, L'\0');
    DWORD size = static_cast<DWORD>(buf.size());
    if (!::QueryFullProcessImageNameW(h.get(), 0, buf.data(), &size)) return std::nullopt;
    buf.resize(size);
    return win32::to_utf8(buf);
}

std::string current_executable()
{
    return win32::to_utf8(win32::module_file_name(nullptr, "find the running executable"));
}

int64_t current_pid() { return static_cast<int64_t>(::GetCurrentProcessId()); }

}  // namespace hvsup::process
