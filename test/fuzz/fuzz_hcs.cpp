// SPDX-License-Identifier: MIT
// Documents HCS hands back: compute-system properties, the SystemExited exit status, the
// result/error document of a failed call and the service properties (schema versions), and
// the error built from a failed call's HRESULT and document. Only hvsup::Error may escape.
#include "core/error.hpp"
#include "hcs/errors.hpp"
#include "hcs/schema/properties.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

using namespace hvsup;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        (void)hcs::schema::decode_properties(text);
    } catch (const Error&) {
    }
    try {
        (void)hcs::schema::decode_exit_status(text);
    } catch (const Error&) {
    }
    int32_t hr = hcs::hr::system_not_found;
    try {
        const auto r = hcs::schema::decode_result_error(text);
        hr = r.error;
    } catch (const Error&) {
    }
    try {
        (void)hcs::schema::decode_supported_schema_versions(text);
    } catch (const Error&) {
    }
    const Error e = hcs::make_error("HcsCreateComputeSystem", hr, text);
    (void)hcs::is_missing_compute_system(e);
    (void)hcs::describe(hcs::normalize(hr));
    return 0;
}
