// The exception firewall every export goes through: no C++ exception crosses the C ABI.
// Internal to the library.
#pragma once

#include "core/error.hpp"
#include "hvsup/hvsup.h"

#include <new>
#include <string>

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
