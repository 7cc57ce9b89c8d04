// SPDX-License-Identifier: MIT
#include "core/shared_library.hpp"

#include "core/error.hpp"
#include "core/json.hpp"

#include <dlfcn.h>

namespace hvsup {

SharedLibrary::~SharedLibrary()
{
    if (handle_ != nullptr) dlclose(handle_);
}

SharedLibrary SharedLibrary::open_path(std::string_view path)
{
    const std::string text(path);
    if (text.empty()) throw Error(ErrorCode::invalid_argument, "load library: empty path");
    // A bare name would make dlopen search the system paths; an explicit provider is a path.
    const std::string effective = text.find('/') == std::string::npos ? "./" + text : text;
    SharedLibrary lib;
    lib.handle_ = dlopen(effective.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (lib.handle_ == nullptr) {
        const char* why = dlerror();
        throw Error(ErrorCode::unsupported,
                    "load library " + json::quote(text) + ": " + (why != nullptr ? why : "unknown error"));
    }
    lib.name_ = text;
    return lib;
}

SharedLibrary SharedLibrary::open_system(std::string_view name)
{
    throw Error(ErrorCode::unsupported,
                "load system library " + json::quote(name) + ": system DLLs exist only on windows");
}

void* SharedLibrary::find(const char* symbol) const noexcept
{
    if (handle_ == nullptr || symbol == nullptr) return nullptr;
    return dlsym(handle_, symbol);
}

}  // namespace hvsup
