// SPDX-License-Identifier: MIT
// The request a caller hands hvsup-cli / hvsup_request_*: decode, normalise and validate it
// and, when it is valid, build the HCS document from it. Only hvsup::Error may escape.
#include "core/error.hpp"
#include "hcs/document.hpp"
#include "supervisor/compute_document.hpp"
#include "protocol/codec.hpp"
#include "protocol/validate.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

using namespace hvsup;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    protocol::Request request;
    try {
        request = protocol::decode_request(text);
    } catch (const Error&) {
        return 0;
    }
    const std::optional<protocol::Command> command = protocol::find_command(request.command);
    (void)protocol::effective_network_mode(request.config ? request.config->network : std::nullopt);
    try {
        protocol::validate_request(request);
    } catch (const Error&) {
        return 0;
    }
    if (request.config) {
        (void)json::compact(protocol::encode(*request.config));
        if (request.identity && command && protocol::command_info(*command).cls == protocol::CommandClass::full_config) {
            try {
                protocol::validate_listener_targets(*request.config, request.identity->runtime_id);
                supervisor::DocumentInputs in;
                in.config = *request.config;
                in.runtime_id = request.identity->runtime_id;
                (void)supervisor::document_json(in);
                (void)supervisor::kernel_command_line(in);
            } catch (const Error&) {
            }
        }
    }
    return 0;
}
