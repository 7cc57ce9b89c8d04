// SPDX-License-Identifier: MIT
// Shared by the two export files: the export attribute and small helpers.
#pragma once

#include "host.hpp"

#if defined(_WIN32)
#define HVSUP_SIM_EXPORT extern "C" __declspec(dllexport)
#else
#define HVSUP_SIM_EXPORT extern "C" __attribute__((visibility("default")))
#endif

namespace hvsup::sim {

inline constexpr int32_t e_pointer = static_cast<int32_t>(0x80004003u);
inline constexpr int32_t e_handle = static_cast<int32_t>(0x80070006u);
inline constexpr int32_t e_fail = static_cast<int32_t>(0x80004005u);

inline Handle* as_handle(void* system)
{
    auto* h = static_cast<Handle*>(system);
    return (h != nullptr && Host::instance().valid(h)) ? h : nullptr;
}

inline void put(api::PWSTR* out, const std::string& text)
{
    if (out != nullptr) *out = text.empty() ? nullptr : host_string(text);
}

// Runs an export body; an exception (e.g. HVSUP_SIM_DIR unset) becomes E_FAIL with a
// result document when the entry point has one.
template <typename Body>
int32_t guarded(api::PWSTR* result, Body&& body) noexcept
{
    try {
        return body();
    } catch (const std::exception& e) {
        try {
            put(result, json::compact(json::object{{"Error", e_fail}, {"ErrorMessage", e.what()}}));
        } catch (...) {
        }
        return e_fail;
    } catch (...) {
        return e_fail;
    }
}

}  // namespace hvsup::sim
