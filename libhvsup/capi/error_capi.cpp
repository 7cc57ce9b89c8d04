// SPDX-License-Identifier: MIT
// Error objects, strings and versions of the C ABI.
#include "capi/firewall.hpp"

#include "hvsup/version.h"

#include <cstdlib>
#include <cstring>

// The firewall passes ErrorCode values through as hvsup_status: they must stay equal.
static_assert(static_cast<int>(hvsup::ErrorCode::no_memory) == static_cast<int>(HVSUP_E_NO_MEMORY));
static_assert(static_cast<int>(hvsup::ErrorCode::cancelled) == static_cast<int>(HVSUP_E_CANCELLED));

namespace hvsup::capi {

hvsup_status report(hvsup_error** out, hvsup_status code, const char* message, const std::string& operation,
                    int32_t hresult, int32_t system_code) noexcept
{
    if (out == nullptr) return code;
    try {
        *out = new hvsup_error{code, message != nullptr ? message : "", operation, hresult, system_code};
    } catch (...) {
        *out = nullptr;  // no memory even for the error: the status still says what happened
    }
    return code;
}

char* duplicate(const std::string& text) noexcept
{
    char* s = static_cast<char*>(std::malloc(text.size() + 1));
    if (s != nullptr) std::memcpy(s, text.c_str(), text.size() + 1);
    return s;
}

}  // namespace hvsup::capi

extern "C" {

uint32_t hvsup_abi_version(void) { return HVSUP_ABI_VERSION; }

const char* hvsup_version_string(void) { return HVSUP_VERSION_STRING; }

hvsup_status hvsup_error_code(const hvsup_error* error)
{
    return error != nullptr ? error->code : HVSUP_E_INVALID_ARGUMENT;
}

const char* hvsup_error_message(const hvsup_error* error) { return error != nullptr ? error->message.c_str() : ""; }

const char* hvsup_error_operation(const hvsup_error* error)
{
    return error != nullptr ? error->operation.c_str() : "";
}

int32_t hvsup_error_hresult(const hvsup_error* error) { return error != nullptr ? error->hresult : 0; }

int32_t hvsup_error_system_code(const hvsup_error* error) { return error != nullptr ? error->system_code : 0; }

void hvsup_error_free(hvsup_error* error) { delete error; }

void hvsup_string_free(char* string) { std::free(string); }

}  // extern "C"
