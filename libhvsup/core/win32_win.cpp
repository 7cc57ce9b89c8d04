// SPDX-License-Identifier: MIT
// Windows helpers behind core/win32.hpp.
#include "core/win32.hpp"

#include <sddl.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include <fmt/format.h>

namespace hvsup::win32 {

std::wstring to_wide(std::string_view utf8)
{
    std::u8string u8(utf8.begin(), utf8.end());
    return std::filesystem::path(u8).wstring();
}

std::string to_utf8(std::wstring_view wide)
{
    std::u8string u8 = std::filesystem::path(wide).u8string();
    return std::string(u8.begin(), u8.end());
}

std::string error_text(DWORD err)
{
    wchar_t* buffer = nullptr;
    DWORD n = ::FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                               nullptr, err, MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US),
                               reinterpret_cast<wchar_t*>(&buffer), 0, nullptr);
    if (n == 0) {
        n = ::FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                             nullptr, err, 0, reinterpret_cast<wchar_t*>(&buffer), 0, nullptr);
    }
    std::string text;
    if (n != 0 && buffer != nullptr) {
        std::wstring w(buffer, n);
        ::LocalFree(buffer);
        while (!w.empty() && (w.back() == L'\n' || w.back() == L'\r' || w.back() == L' ' || w.back() == L'.')) w.pop_back();
        text = to_utf8(w);
    }
    if (text.empty()) return fmt::format("Windows error {}", err);
    // The look of the POSIX errors ("no such file or directory"): lower-case first letter.
    if (text[0] >= 'A' && text[0] <= 'Z') text[0] = static_cast<char>(text[0] - 'A' + 'a');
    return fmt::format("{} (Windows error {})", text, err);
}

std::wstring module_file_name(HMODULE module, const std::string& what)
{
    std::vector<wchar_t> buffer(MAX_PATH);
    for (;;) {
        const DWORD n = ::GetModuleFileNameW(module, buffer.data(), static_cast<DWORD>(buffer.size()));
        if (n == 0) {
            const DWORD last = ::GetLastError();  // before building the message
            throw error(last, what);
        }
        if (n < buffer.size()) return std::wstring(buffer.data(), n);
        if (buffer.size() >= 32768) throw Error(ErrorCode::io, what + ": path too long");
        buffer.resize(buffer.size() * 2);
    }
}

Error error(DWORD err, const std::string& what)
{
    ErrorCode code = ErrorCode::io;
    if (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND || err == ERROR_MOD_NOT_FOUND) code = ErrorCode::not_found;
    else if (err == ERROR_NOT_ENOUGH_MEMORY || err == ERROR_OUTOFMEMORY) code = ErrorCode::no_memory;
    Error e(code, what + ": " + error_text(err));
    e.with_system_error(static_cast<int32_t>(err));
    return e;
}

namespace {

struct LocalFreeDeleter {
    void operator()(void* p) const noexcept { ::LocalFree(p); }
};

struct PrivateDescriptor {
    std::unique_ptr<void, LocalFreeDeleter> descriptor;
    SECURITY_ATTRIBUTES plain{};
    SECURITY_ATTRIBUTES inheritable{};
};

std::wstring current_user_sid()
{
    HANDLE raw = nullptr;
    if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &raw)) {
        const DWORD last = ::GetLastError();  // before building the message
        throw error(last, "open process token");
    }
    Handle token(raw);
    DWORD size = 0;
    ::GetTokenInformation(token.get(), TokenUser, nullptr, 0, &size);
    std::vector<unsigned char> buffer(size == 0 ? sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE : size);
    if (!::GetTokenInformation(token.get(), TokenUser, buffer.data(), static_cast<DWORD>(buffer.size()), &size)) {
        const DWORD last = ::GetLastError();  // before building the message
        throw error(last, "query the current user");
    }
    wchar_t* text = nullptr;
    if (!::ConvertSidToStringSidW(reinterpret_cast<TOKEN_USER*>(buffer.data())->User.Sid, &text)) {
        const DWORD last = ::GetLastError();  // before building the message
        throw error(last, "format the current user's SID");
    }
    std::wstring sid(text);
    ::LocalFree(text);
    return sid;
}

PrivateDescriptor& private_descriptor()
{
    static PrivateDescriptor d;
    static std::once_flag once;
    std::call_once(once, [] {
        // Protected DACL (P): nothing inherited from the parent; full access (FA) for the
        // user, SYSTEM and Administrators, inherited by files and directories below (OICI).
        const std::wstring sddl = L"D:P(A;OICI;FA;;;" + current_user_sid() + L")(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)";
        PSECURITY_DESCRIPTOR sd = nullptr;
        if (!::ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl.c_str(), SDDL_REVISION_1, &sd, nullptr)) {
            const DWORD last = ::GetLastError();  // before building the message
            throw error(last, "build the private security descriptor");
        }
        d.descriptor.reset(sd);
        d.plain = SECURITY_ATTRIBUTES{sizeof(SECURITY_ATTRIBUTES), sd, FALSE};
        d.inheritable = SECURITY_ATTRIBUTES{sizeof(SECURITY_ATTRIBUTES), sd, TRUE};
    });
    return d;
}

}  // namespace

SECURITY_ATTRIBUTES* PrivateSecurity::attributes(bool inheritable_handle)
{
    PrivateDescriptor& d = private_descriptor();
    return inheritable_handle ? &d.inheritable : &d.plain;
}

}  // namespace hvsup::win32
