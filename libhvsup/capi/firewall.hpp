// SPDX-License-Identifier: MIT
// The exception firewall every export goes through: no C++ exception crosses the C ABI.
// Internal to the library.
#pragma once

#include "core/error.hpp"
#include "hvsup/hvsup.h"

#include <new>
#include <string>
#include <string_view>

struct hvsup_error {
    hvsup_status code;
    std::string message;
    std::string operation;
    int32_t hresult;
    int32_t system_code;
};

namespace hvsup::capi {

// Stores an error object in *out when the caller asked for one. Never throws.
hvsup_status report(hvsup_error** out, hvsup_status code, const char* message, const std::string& operation = {},
                    int32_t hresult = 0, int32_t system_code = 0) noexcept;

// Copies `text` into a malloc'd string for hvsup_string_free. nullptr on allocation failure.
char* duplicate(const std::string& text) noexcept;

// The NUL-terminated `text` as a view, reading at most max + 1 bytes of it: a longer text
// throws ErrorCode::invalid_argument "<what> exceeds <max> bytes" before anything is parsed,
// so no entry point's cost grows with what the caller passes.
inline size_t bounded_length(const char* text, size_t max)  // min(strlen(text), max + 1)
{
    size_t n = 0;
    while (n <= max && text[n] != '\0') ++n;
    return n;
}

inline std::string_view bounded_text(const char* text, size_t max, const char* what)
{
    const size_t n = bounded_length(text, max);
    if (n > max) throw Error(ErrorCode::invalid_argument, std::string(what) + " exceeds " + std::to_string(max) + " bytes");
    return std::string_view(text, n);
}

// The cap bounded_text applies to every JSON text an entry point takes (requests, documents,
// specs): the request limit of the supervisor protocol.
inline constexpr size_t max_json_text_bytes = 16u << 20;

// Runs `body` (returning hvsup_status) and maps any exception to a status and error object.
template <typename Body>
hvsup_status guarded(hvsup_error** error, Body&& body) noexcept
{
    if (error != nullptr) *error = nullptr;
    try {
        return body();
    } catch (const Error& e) {
        return report(error, static_cast<hvsup_status>(e.code()), e.what(), e.operation(), e.hresult(),
                      e.system_error());
    } catch (const std::bad_alloc&) {
        return report(error, HVSUP_E_NO_MEMORY, "out of memory");
    } catch (const std::exception& e) {
        return report(error, HVSUP_E_ERROR, e.what());
    } catch (...) {
        return report(error, HVSUP_E_ERROR, "unknown internal error");
    }
}

}  // namespace hvsup::capi
