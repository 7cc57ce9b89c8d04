// SPDX-License-Identifier: MIT
#include "core/shared_library.hpp"

#include "core/error.hpp"
#include "core/json.hpp"

#include <utility>

namespace hvsup {

SharedLibrary::SharedLibrary(SharedLibrary&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)), name_(std::move(other.name_))
{
}

SharedLibrary& SharedLibrary::operator=(SharedLibrary&& other) noexcept
{
    if (this != &other) {
        SharedLibrary doomed(std::move(*this));
        handle_ = std::exchange(other.handle_, nullptr);
        name_ = std::move(other.name_);
    }
    return *this;
}

void* SharedLibrary::require(const char* symbol) const
{
    void* p = find(symbol);
    if (p == nullptr) {
        throw Error(ErrorCode::unsupported, json::quote(name_) + " does not export " + symbol);
    }
    return p;
}

}  // namespace hvsup
