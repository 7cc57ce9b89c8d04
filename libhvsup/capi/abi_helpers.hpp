// SPDX-License-Identifier: MIT
// The argument checks and hand-outs every capi file shares, so each export words its refusals
// the same way. Internal to the library; call these inside hvsup::capi::guarded.
#pragma once

#include "capi/firewall.hpp"
#include "core/log.hpp"

#include <cstdint>
#include <new>
#include <string>
#include <string_view>

namespace hvsup::capi {

// An HVSUP_E_INVALID_ARGUMENT status with `message` in *error when the caller asked for one.
inline hvsup_status invalid(hvsup_error** error, const char* message) noexcept
{
    return report(error, HVSUP_E_INVALID_ARGUMENT, message);
}

inline hvsup_status invalid(hvsup_error** error, const std::string& message) noexcept
{
    return invalid(error, message.c_str());
}

// Stores a malloc'd copy of `text` in *out (freed with hvsup_string_free). Throws bad_alloc,
// which guarded reports as HVSUP_E_NO_MEMORY.
inline hvsup_status hand_out(const std::string& text, char** out)
{
    *out = duplicate(text);
    if (*out == nullptr) throw std::bad_alloc();
    return HVSUP_OK;
}

// A Logger that hands each message to the caller's C callback as a NUL-terminated string.
inline Logger forward_log(hvsup_log_callback callback, void* user)
{
    return Logger([callback, user](LogLevel level, std::string_view message) {
        const std::string text(message);
        callback(static_cast<hvsup_log_level>(level), text.c_str(), user);
    });
}

// Options structs only ever gain fields at the end, so every version from 1 up to the one this
// library was built with can be read; 0 (a zeroed struct) and later versions cannot.
constexpr bool supported_options_version(uint32_t version, uint32_t current) noexcept
{
    return version >= 1 && version <= current;
}

// The body of every hvsup_*_options_init: `defaults` (the _INIT macro) into *options.
// It writes the whole struct, which is right while every current version is 1; a struct that
// reaches version 2 must copy only the fields an older caller's struct has.
template <typename Options>
hvsup_status init_options(Options* options, uint32_t version, uint32_t current, const Options& defaults) noexcept
{
    if (options == nullptr || !supported_options_version(version, current)) return HVSUP_E_INVALID_ARGUMENT;
    *options = defaults;
    return HVSUP_OK;
}

// Refuses an options struct of a version this library cannot read, as
// "<function>: unsupported options version" (HVSUP_E_INVALID_ARGUMENT).
inline void require_options_version(uint32_t version, uint32_t current, const char* function)
{
    if (!supported_options_version(version, current)) {
        throw Error(ErrorCode::invalid_argument, std::string(function) + ": unsupported options version");
    }
}

// The checks of an export's options struct that has a `flags` field: NULL means the defaults;
// otherwise the version must be one this library reads (require_options_version) and no flag bit
// may be unknown ("<function>: unknown flags", HVSUP_E_INVALID_ARGUMENT). HVSUP_OK to go on.
template <typename Options>
hvsup_status check_options(const Options* options, uint32_t current, const char* function, hvsup_error** error)
{
    if (options == nullptr) return HVSUP_OK;
    require_options_version(options->version, current, function);
    if (options->flags != 0) return invalid(error, std::string(function) + ": unknown flags");
    return HVSUP_OK;
}

}  // namespace hvsup::capi
