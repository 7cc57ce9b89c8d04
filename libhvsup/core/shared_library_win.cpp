// SPDX-License-Identifier: MIT
#include "core/shared_library.hpp"

#include "core/error.hpp"
#include "core/json.hpp"
#include "core/utf.hpp"

#include <windows.h>

#include <filesystem>

namespace hvsup {

namespace {

std::string describe(DWORD code)
{
    wchar_t* buffer = nullptr;
    const DWORD n =
        FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                       nullptr, code, 0, reinterpret_cast<wchar_t*>(&buffer), 0, nullptr);
    std::string text;
    if (n != 0 && buffer != nullptr) {
        try {
            text = utf::to_utf8(std::u16string_view(reinterpret_cast<const char16_t*>(buffer), n));
        } catch (...) {
        }
        LocalFree(buffer);
    }
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' || text.back() == '.')) {
        text.pop_back();
    }
    if (text.empty()) text = "error " + std::to_string(code);
    return text;
}

Error load_error(const std::string& what, DWORD code)
{
    return Error(ErrorCode::unsupported, what + ": " + describe(code)).with_system_error(static_cast<int32_t>(code));
}

}  // namespace

SharedLibrary::~SharedLibrary()
{
    if (handle_ != nullptr) FreeLibrary(static_cast<HMODULE>(handle_));
}

SharedLibrary SharedLibrary::open_path(std::string_view path)
{
    const std::string text(path);
    if (text.empty()) throw Error(ErrorCode::invalid_argument, "load library: empty path");
    // LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR needs a fully qualified path. The library's dependencies
    // come from its own directory and System32 only: never the current directory, the
    // application's directory or PATH.
    std::error_code ec;
    const auto absolute = std::filesystem::absolute(std::filesystem::path(utf::to_utf16(text)), ec);
    const std::wstring wide = ec ? std::filesystem::path(utf::to_utf16(text)).wstring() : absolute.wstring();
    SharedLibrary lib;
    lib.handle_ =
        LoadLibraryExW(wide.c_str(), nullptr, LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR | LOAD_LIBRARY_SEARCH_SYSTEM32);
    if (lib.handle_ == nullptr) throw load_error("load library " + json::quote(text), GetLastError());
    lib.name_ = text;
    return lib;
}

SharedLibrary SharedLibrary::open_system(std::string_view name)
{
    const std::string text(name);
    const std::u16string wide = utf::to_utf16(text);
    SharedLibrary lib;
    lib.handle_ = LoadLibraryExW(reinterpret_cast<const wchar_t*>(wide.c_str()), nullptr, LOAD_LIBRARY_SEARCH_SYSTEM32);
    if (lib.handle_ == nullptr) throw load_error("load system library " + json::quote(text), GetLastError());
    lib.name_ = text;
    return lib;
}

void* SharedLibrary::find(const char* symbol) const noexcept
{
    if (handle_ == nullptr || symbol == nullptr) return nullptr;
    return reinterpret_cast<void*>(GetProcAddress(static_cast<HMODULE>(handle_), symbol));
}

}  // namespace hvsup
