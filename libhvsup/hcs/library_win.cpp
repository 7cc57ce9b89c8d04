#include "hcs/library.hpp"

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/utf.hpp"

#include <windows.h>
#include <objbase.h>

#include <filesystem>
#include <utility>

namespace hvsup::hcs {

DynamicLibrary::~DynamicLibrary()
{
    if (handle_ != nullptr) FreeLibrary(static_cast<HMODULE>(handle_));
}

DynamicLibrary::DynamicLibrary(DynamicLibrary&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)), path_(std::move(other.path_))
{
}

DynamicLibrary& DynamicLibrary::operator=(DynamicLibrary&& other) noexcept
{
    if (this != &other) {
        if (handle_ != nullptr) FreeLibrary(static_cast<HMODULE>(handle_));
        handle_ = std::exchange(other.handle_, nullptr);
        path_ = std::move(other.path_);
    }
    return *this;
}

DynamicLibrary DynamicLibrary::open_path(const std::string& path)
{
    DynamicLibrary lib;
    // LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR needs an absolute path; with it the provider's own
    // directory (and System32) is searched for its dependencies, never the current directory.
    std::error_code ec;
    const std::filesystem::path absolute = std::filesystem::absolute(files::from_utf8(path), ec);
    const std::wstring wide = (ec ? files::from_utf8(path) : absolute).wstring();
    lib.handle_ = LoadLibraryExW(wide.c_str(), nullptr, LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR | LOAD_LIBRARY_SEARCH_SYSTEM32);
    if (lib.handle_ == nullptr) {
        const DWORD err = GetLastError();
        Error e(ErrorCode::unsupported, "load HCS provider " + path + ": Win32 error " + std::to_string(err));
        e.with_system_error(static_cast<int32_t>(err));
        throw e;
    }
    lib.path_ = path;
    return lib;
}

DynamicLibrary DynamicLibrary::open_system(const std::string& name)
{
    DynamicLibrary lib;
    const std::u16string wide = utf::to_utf16(name);
    lib.handle_ = LoadLibraryExW(reinterpret_cast<LPCWSTR>(wide.c_str()), nullptr, LOAD_LIBRARY_SEARCH_SYSTEM32);
    if (lib.handle_ != nullptr) lib.path_ = name;
    return lib;
}

void* DynamicLibrary::symbol(const char* name) const noexcept
{
    if (handle_ == nullptr) return nullptr;
    return reinterpret_cast<void*>(GetProcAddress(static_cast<HMODULE>(handle_), name));
}

void free_host_string(void* s) noexcept
{
    CoTaskMemFree(s);
}

const char* no_system_hcs_message() noexcept
{
    return "windows-hyperv HCS is not available: neither computecore.dll nor vmcompute.dll could be loaded from "
           "System32";
}

}  // namespace hvsup::hcs
