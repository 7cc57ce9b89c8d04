// Loading a provider DLL / shared object and resolving its exports. Platform code lives in
// library_win.cpp (LoadLibraryExW with LOAD_LIBRARY_SEARCH_SYSTEM32, never the current
// directory) and library_posix.cpp (dlopen of an explicit path only).
#pragma once

#include <string>

namespace hvsup::hcs {

class DynamicLibrary {
public:
    DynamicLibrary() noexcept = default;
    ~DynamicLibrary();
    DynamicLibrary(DynamicLibrary&& other) noexcept;
    DynamicLibrary& operator=(DynamicLibrary&& other) noexcept;
    DynamicLibrary(const DynamicLibrary&) = delete;
    DynamicLibrary& operator=(const DynamicLibrary&) = delete;

    // An explicit path (UTF-8). Throws ErrorCode::unsupported naming the path on failure.
    static DynamicLibrary open_path(const std::string& path);
    // A system DLL by name ("computecore.dll") from System32 only; an empty object when absent.
    // On POSIX there is no System32: always empty.
    static DynamicLibrary open_system(const std::string& name);

    bool loaded() const noexcept { return handle_ != nullptr; }
    const std::string& path() const noexcept { return path_; }
    // The export `name`, or nullptr.
    void* symbol(const char* name) const noexcept;

private:
    void* handle_ = nullptr;
    std::string path_;
};

// Frees a string an HCS entry point returned (CoTaskMemFree on Windows; free() for a POSIX
// provider, whose contract is malloc). Accepts nullptr.
void free_host_string(void* s) noexcept;

// The message for hosts without HCS: "windows-hyperv supervisor is only supported on windows"
// on POSIX; on Windows, that neither DLL was found in System32.
const char* no_system_hcs_message() noexcept;

}  // namespace hvsup::hcs
