// SPDX-License-Identifier: MIT
// Error objects, strings and versions of the C ABI.
#include "capi/firewall.hpp"

#include "hvsup/version.h"

#include <cstdlib>
#include <cstring>

// The firewall passes ErrorCode values through as hvsup_status, so the two enums must pair up
// one to one with equal values. The switches have no default: with -Wswitch made an error here,
// adding an enumerator to either enum without its partner fails to compile, and the
// static_asserts below fail when a pair's values drift apart.
namespace {

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic error "-Wswitch"
#endif

constexpr hvsup_status status_for(hvsup::ErrorCode code)
{
    using hvsup::ErrorCode;
    switch (code) {
        case ErrorCode::generic:
            return HVSUP_E_ERROR;
        case ErrorCode::invalid_argument:
            return HVSUP_E_INVALID_ARGUMENT;
        case ErrorCode::unsupported:
            return HVSUP_E_UNSUPPORTED;
        case ErrorCode::not_found:
            return HVSUP_E_NOT_FOUND;
        case ErrorCode::conflict:
            return HVSUP_E_CONFLICT;
        case ErrorCode::io:
            return HVSUP_E_IO;
        case ErrorCode::host:
            return HVSUP_E_HOST;
        case ErrorCode::integrity:
            return HVSUP_E_INTEGRITY;
        case ErrorCode::too_large:
            return HVSUP_E_TOO_LARGE;
        case ErrorCode::no_memory:
            return HVSUP_E_NO_MEMORY;
        case ErrorCode::cancelled:
            return HVSUP_E_CANCELLED;
    }
    return HVSUP_OK;  // not an ErrorCode at all
}

// The ErrorCode for a failure status; HVSUP_OK has none and maps to itself.
constexpr int code_for(hvsup_status status)
{
    using hvsup::ErrorCode;
    switch (status) {
        case HVSUP_OK:
            return 0;
        case HVSUP_E_ERROR:
            return static_cast<int>(ErrorCode::generic);
        case HVSUP_E_INVALID_ARGUMENT:
            return static_cast<int>(ErrorCode::invalid_argument);
        case HVSUP_E_UNSUPPORTED:
            return static_cast<int>(ErrorCode::unsupported);
        case HVSUP_E_NOT_FOUND:
            return static_cast<int>(ErrorCode::not_found);
        case HVSUP_E_CONFLICT:
            return static_cast<int>(ErrorCode::conflict);
        case HVSUP_E_IO:
            return static_cast<int>(ErrorCode::io);
        case HVSUP_E_HOST:
            return static_cast<int>(ErrorCode::host);
        case HVSUP_E_INTEGRITY:
            return static_cast<int>(ErrorCode::integrity);
        case HVSUP_E_TOO_LARGE:
            return static_cast<int>(ErrorCode::too_large);
        case HVSUP_E_NO_MEMORY:
            return static_cast<int>(ErrorCode::no_memory);
        case HVSUP_E_CANCELLED:
            return static_cast<int>(ErrorCode::cancelled);
    }
    return 1;  // not an hvsup_status at all
}

#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

// A pair holds when both directions agree and the values are equal (the firewall casts).
constexpr bool paired(hvsup::ErrorCode code, hvsup_status status)
{
    return status_for(code) == status && code_for(status) == static_cast<int>(code) &&
           static_cast<int>(code) == static_cast<int>(status);
}

static_assert(code_for(HVSUP_OK) == 0);
static_assert(paired(hvsup::ErrorCode::generic, HVSUP_E_ERROR));
static_assert(paired(hvsup::ErrorCode::invalid_argument, HVSUP_E_INVALID_ARGUMENT));
static_assert(paired(hvsup::ErrorCode::unsupported, HVSUP_E_UNSUPPORTED));
static_assert(paired(hvsup::ErrorCode::not_found, HVSUP_E_NOT_FOUND));
static_assert(paired(hvsup::ErrorCode::conflict, HVSUP_E_CONFLICT));
static_assert(paired(hvsup::ErrorCode::io, HVSUP_E_IO));
static_assert(paired(hvsup::ErrorCode::host, HVSUP_E_HOST));
static_assert(paired(hvsup::ErrorCode::integrity, HVSUP_E_INTEGRITY));
static_assert(paired(hvsup::ErrorCode::too_large, HVSUP_E_TOO_LARGE));
static_assert(paired(hvsup::ErrorCode::no_memory, HVSUP_E_NO_MEMORY));
static_assert(paired(hvsup::ErrorCode::cancelled, HVSUP_E_CANCELLED));

}  // namespace

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
