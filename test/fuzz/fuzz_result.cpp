// SPDX-License-Identifier: MIT
// The guest's result payload (result.json, the result port): parse it and encode the result
// the way the response carries it. Only hvsup::Error may escape.
#include "core/error.hpp"
#include "protocol/codec.hpp"
#include "protocol/result_file.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace hvsup;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const protocol::RuntimeResult result = protocol::decode_result_payload(text);
        (void)json::pretty(protocol::encode(result));
    } catch (const Error&) {
    }
    return 0;
}
