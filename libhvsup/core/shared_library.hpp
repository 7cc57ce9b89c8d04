// SPDX-License-Identifier: MIT
// A shared library loaded at run time and the functions it exports. Used for the host APIs
// (computenetwork.dll, ...) that must never be linked at build time, so a host without them
// still runs and fails closed. Platform code: shared_library_posix.cpp / shared_library_win.cpp.
#pragma once

#include <string>
#include <string_view>

namespace hvsup {

class SharedLibrary {
public:
    SharedLibrary() noexcept = default;
    ~SharedLibrary();
    SharedLibrary(SharedLibrary&& other) noexcept;
    SharedLibrary& operator=(SharedLibrary&& other) noexcept;
    SharedLibrary(const SharedLibrary&) = delete;
    SharedLibrary& operator=(const SharedLibrary&) = delete;

    // The library at an explicit path (UTF-8). Its own directory is searched for its
    // dependencies, the current directory never. Failure: ErrorCode::unsupported,
    // `load library "<path>": <reason>`.
    static SharedLibrary open_path(std::string_view path);

    // A system DLL by file name ("computenetwork.dll") from System32 only. Failure (including
    // every POSIX host, which has no System32): ErrorCode::unsupported,
    // `load system library "<name>": <reason>`.
    static SharedLibrary open_system(std::string_view name);

    bool loaded() const noexcept { return handle_ != nullptr; }
    // What was opened: the path or the system DLL name.
    const std::string& name() const noexcept { return name_; }

    // The export `symbol`, or nullptr when the library does not export it.
    void* find(const char* symbol) const noexcept;

    // The export `symbol`; ErrorCode::unsupported `"<name>" does not export <symbol>` if missing.
    void* require(const char* symbol) const;

    // A typed function pointer to a required export.
    template <typename Function>
    Function require_function(const char* symbol) const
    {
        return reinterpret_cast<Function>(require(symbol));
    }
    template <typename Function>
    Function find_function(const char* symbol) const noexcept
    {
        return reinterpret_cast<Function>(find(symbol));
    }

private:
    void* handle_ = nullptr;
    std::string name_;
};

}  // namespace hvsup
