// SPDX-License-Identifier: MIT
// hvsup_image_*: the image builder behind include/hvsup/image.h.
#include "hvsup/image.h"

#include "capi/abi_helpers.hpp"
#include "image/image_build.hpp"

namespace {

using hvsup::capi::hand_out;
using hvsup::capi::invalid;

}  // namespace

extern "C" {

hvsup_status hvsup_image_build_options_init(hvsup_image_build_options* options, uint32_t version)
{
    return hvsup::capi::init_options(options, version, HVSUP_IMAGE_BUILD_OPTIONS_VERSION,
                                     hvsup_image_build_options HVSUP_IMAGE_BUILD_OPTIONS_INIT);
}

hvsup_status hvsup_image_create(char** out, const char* request_json, const hvsup_image_build_options* options,
                                hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (out != nullptr) *out = nullptr;
        if (request_json == nullptr) return invalid(error, "hvsup_image_create: request_json is NULL");
        hvsup::image::BuildProgress progress;
        const hvsup_status checked =
            hvsup::capi::check_options(options, HVSUP_IMAGE_BUILD_OPTIONS_VERSION, "hvsup_image_create", error);
        if (checked != HVSUP_OK) return checked;
        if (options != nullptr) {
            if (options->progress != nullptr) {
                auto cb = options->progress;
                void* user = options->progress_user;
                progress = [cb, user](uint64_t bytes, uint64_t entries) { return cb(bytes, entries, user) == 0; };
            }
        }
        auto request = hvsup::image::decode_build_request(
            hvsup::capi::bounded_text(request_json, hvsup::capi::max_json_text_bytes, "request"));
        auto summary = hvsup::image::build_image(request, progress);
        if (out != nullptr) return hand_out(hvsup::json::pretty(summary) + "\n", out);
        return HVSUP_OK;
    });
}

hvsup_status hvsup_image_describe(char** out, const char* path, hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (out == nullptr) return invalid(error, "hvsup_image_describe: out is NULL");
        *out = nullptr;
        if (path == nullptr) return invalid(error, "hvsup_image_describe: path is NULL");
        return hand_out(hvsup::json::pretty(hvsup::image::inspect_image(path)) + "\n", out);
    });
}

hvsup_status hvsup_image_check_footer(char** out, const char* path, hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (out != nullptr) *out = nullptr;
        if (path == nullptr) return invalid(error, "hvsup_image_check_footer: path is NULL");
        auto footer = hvsup::image::verify_footer(path);
        if (out != nullptr) return hand_out(hvsup::json::pretty(footer) + "\n", out);
        return HVSUP_OK;
    });
}

}  // extern "C"
