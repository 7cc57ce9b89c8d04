#include "hcs/library.hpp"

#include "core/error.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <utility>

namespace hvsup::hcs {

DynamicLibrary::~DynamicLibrary()
{
    if (handle_ != nullptr) dlclose(handle_);
}

DynamicLibrary::DynamicLibrary(DynamicLibrary&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)), path_(std::move(other.path_))
{
}

DynamicLibrary& DynamicLibrary::operator=(DynamicLibrary&& other) noexcept
{
    if (this != &other) {
        if (handle_ != nullptr) dlclose(handle_);
        handle_ = std::exchange(other.handle_, nullptr);
        path_ = std::move(other.path_);
    }
    return *this;
}

DynamicLibrary DynamicLibrary::open_path(const std::string& path)
{
    DynamicLibrary lib;
    lib.handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (lib.handle_ == nullptr) {
        const char* why = dlerror();
        throw Error(ErrorCode::unsupported,
                    std::string("load HCS provider ") + path + ": " + (why != nullptr ? why : "unknown error"));
    }
    lib.path_ = path;
    return lib;
}

DynamicLibrary DynamicLibrary::open_system(const std::string&)
{
    return DynamicLibrary();
}

void* DynamicLibrary::symbol(const char* name) const noexcept
{
    if (handle_ == nullptr) return nullptr;
    return dlsym(handle_, name);
}

void free_host_string(void* s) noexcept
{
    std::free(s);
}

const char* no_system_hcs_message() noexcept
{
    return "windows-hyperv supervisor is only supported on windows";
}

}  // namespace hvsup::hcs
