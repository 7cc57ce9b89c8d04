// SPDX-License-Identifier: MIT
// hvsup_context_*: create, supervise, plan, cancel, doctor.
#include "capi/abi_helpers.hpp"

#include "core/json.hpp"
#include "protocol/codec.hpp"
#include "supervisor/doctor.hpp"
#include "supervisor/plan.hpp"
#include "supervisor/supervisor.hpp"

#include <memory>

struct hvsup_context {
    std::unique_ptr<hvsup::supervisor::Supervisor> supervisor;
};

namespace {

using hvsup::capi::hand_out;
using hvsup::capi::invalid;

using hvsup::Error;
using hvsup::ErrorCode;

std::string optional_text(const char* s) { return s != nullptr ? std::string(s) : std::string(); }

}  // namespace

extern "C" {

hvsup_status hvsup_context_options_init(hvsup_context_options* options, uint32_t version)
{
    return hvsup::capi::init_options(options, version, HVSUP_CONTEXT_OPTIONS_VERSION,
                                     hvsup_context_options HVSUP_CONTEXT_OPTIONS_INIT);
}

hvsup_status hvsup_context_create(hvsup_context** out, const hvsup_context_options* options, hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (out == nullptr) return invalid(error, "hvsup_context_create: out is NULL");
        *out = nullptr;
        hvsup::supervisor::SupervisorOptions opts;
        const hvsup_status checked =
            hvsup::capi::check_options(options, HVSUP_CONTEXT_OPTIONS_VERSION, "hvsup_context_create", error);
        if (checked != HVSUP_OK) return checked;
        if (options != nullptr) {
            opts.default_state_dir = optional_text(options->default_state_dir);
            opts.hcs_library = optional_text(options->hcs_library);
            opts.hcn_library = optional_text(options->hcn_library);
            opts.hcs_api = optional_text(options->hcs_api);
            opts.boot_mode = optional_text(options->boot_mode);
            opts.listener_helper = optional_text(options->listener_helper);
            if (options->stop_grace_ms != 0) opts.graceful_stop = std::chrono::milliseconds(options->stop_grace_ms);
            if (options->unregister_wait_ms != 0) {
                opts.unregister_wait = std::chrono::milliseconds(options->unregister_wait_ms);
            }
            if (options->log_callback != nullptr) {
                opts.logger = hvsup::capi::forward_log(options->log_callback, options->log_user);
            }
        }
        auto backends = hvsup::supervisor::make_backends(opts);
        auto context = std::make_unique<hvsup_context>();
        context->supervisor = std::make_unique<hvsup::supervisor::Supervisor>(std::move(opts), std::move(backends));
        *out = context.release();
        return HVSUP_OK;
    });
}

void hvsup_context_free(hvsup_context* context) { delete context; }

hvsup_status hvsup_context_supervise(char** out, hvsup_context* context, const char* request_json, hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (out == nullptr) return invalid(error, "hvsup_context_supervise: out is NULL");
        *out = nullptr;
        if (context == nullptr) return invalid(error, "hvsup_context_supervise: context is NULL");
        if (request_json == nullptr) return invalid(error, "hvsup_context_supervise: request_json is NULL");
        bool cancelled = false;
        // Over the cap, the first max + 1 bytes are enough for handle() to refuse it with an
        // ok:false response, as it refuses every other bad request.
        const std::string_view request(request_json, hvsup::capi::bounded_length(request_json, hvsup::protocol::max_request_bytes));
        const auto response = context->supervisor->handle(request, cancelled);
        if (cancelled) {
            // No document: the failure (and its cleanup) is recorded in the state file.
            return hvsup::capi::report(error, HVSUP_E_CANCELLED, response.error.c_str(), "supervise");
        }
        return hand_out(hvsup::protocol::encode_response_text(response), out);
    });
}

hvsup_status hvsup_context_cancel(hvsup_context* context)
{
    return hvsup::capi::guarded(nullptr, [&]() -> hvsup_status {
        if (context == nullptr) return HVSUP_E_INVALID_ARGUMENT;
        context->supervisor->cancel();
        return HVSUP_OK;
    });
}

hvsup_status hvsup_context_plan(char** out, hvsup_context* context, const char* request_json, hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (out == nullptr) return invalid(error, "hvsup_context_plan: out is NULL");
        *out = nullptr;
        if (context == nullptr) return invalid(error, "hvsup_context_plan: context is NULL");
        if (request_json == nullptr) return invalid(error, "hvsup_context_plan: request_json is NULL");
        const std::string_view request = hvsup::capi::bounded_text(request_json, hvsup::protocol::max_request_bytes, "request");
        return hand_out(hvsup::json::pretty(hvsup::supervisor::plan(request, context->supervisor->options().boot_mode)) + "\n", out);
    });
}

hvsup_status hvsup_doctor_options_init(hvsup_doctor_options* options, uint32_t version)
{
    return hvsup::capi::init_options(options, version, HVSUP_DOCTOR_OPTIONS_VERSION,
                                     hvsup_doctor_options HVSUP_DOCTOR_OPTIONS_INIT);
}

hvsup_status hvsup_context_doctor(char** out, int32_t* ok, hvsup_context* context, const hvsup_doctor_options* options,
                                  hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (out == nullptr) return invalid(error, "hvsup_context_doctor: out is NULL");
        *out = nullptr;
        if (context == nullptr) return invalid(error, "hvsup_context_doctor: context is NULL");
        hvsup::supervisor::DoctorOptions opts;
        uint32_t format = HVSUP_DOCTOR_FORMAT_JSON;
        if (options != nullptr) {
            hvsup::capi::require_options_version(options->version, HVSUP_DOCTOR_OPTIONS_VERSION,
                                                 "hvsup_context_doctor");
            if (options->format != HVSUP_DOCTOR_FORMAT_JSON && options->format != HVSUP_DOCTOR_FORMAT_TEXT) {
                return invalid(error, "hvsup_context_doctor: unknown format");
            }
            format = options->format;
            opts.kernel_path = optional_text(options->kernel_path);
            opts.guest_init_path = optional_text(options->guest_init_path);
        }
        const auto report = hvsup::supervisor::run_doctor(context->supervisor->host(), context->supervisor->network(),
                                                          context->supervisor->services(), opts);
        if (ok != nullptr) *ok = report.response.ok ? 1 : 0;
        return hand_out(format == HVSUP_DOCTOR_FORMAT_TEXT ? hvsup::supervisor::doctor_text(report)
                                                           : hvsup::supervisor::doctor_json(report),
                        out);
    });
}

}  // extern "C"
