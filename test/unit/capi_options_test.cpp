// SPDX-License-Identifier: MIT
// The options-struct version check every C ABI entry point shares (capi/abi_helpers.hpp):
// versions 1..current are read, 0 and current + 1 are refused with
// "<function>: unsupported options version" and HVSUP_E_INVALID_ARGUMENT.
#include "capi/abi_helpers.hpp"
#include "hvsup/hcn.h"
#include "hvsup/hcs.h"
#include "hvsup/hvsock.h"
#include "hvsup/hvsup.h"
#include "hvsup/image.h"

#include <catch2/catch.hpp>

#include <string>

namespace {

struct Refusal {
    hvsup_status status;
    std::string message;
};

template <typename Call>
Refusal refusal(Call&& call)
{
    hvsup_error* error = nullptr;
    Refusal r{call(&error), {}};
    r.message = error != nullptr ? hvsup_error_message(error) : "<no error object>";
    hvsup_error_free(error);
    return r;
}

// The refusal every entry point gives an options struct of a version it cannot read.
void check_refused(const Refusal& r, const char* function)
{
    CHECK(r.status == HVSUP_E_INVALID_ARGUMENT);
    CHECK(r.message == std::string(function) + ": unsupported options version");
}

struct Sample {
    uint32_t version;
    uint32_t value;
};

}  // namespace

TEST_CASE("supported_options_version accepts 1..current only", "[capi]")
{
    using hvsup::capi::supported_options_version;
    CHECK_FALSE(supported_options_version(0, 1));
    CHECK(supported_options_version(1, 1));
    CHECK_FALSE(supported_options_version(2, 1));
    CHECK_FALSE(supported_options_version(0, 3));
    CHECK(supported_options_version(1, 3));
    CHECK(supported_options_version(2, 3));
    CHECK(supported_options_version(3, 3));
    CHECK_FALSE(supported_options_version(4, 3));
    CHECK_FALSE(supported_options_version(UINT32_MAX, 3));
}

TEST_CASE("init_options fills the defaults for supported versions only", "[capi]")
{
    const Sample defaults{3, 42};
    for (uint32_t version : {1u, 2u, 3u}) {
        Sample s{0, 0};
        CHECK(hvsup::capi::init_options(&s, version, 3, defaults) == HVSUP_OK);
        CHECK(s.version == 3);
        CHECK(s.value == 42);
    }
    for (uint32_t version : {0u, 4u}) {
        Sample s{7, 7};
        CHECK(hvsup::capi::init_options(&s, version, 3, defaults) == HVSUP_E_INVALID_ARGUMENT);
        CHECK(s.value == 7);  // untouched
    }
    CHECK(hvsup::capi::init_options<Sample>(nullptr, 1, 3, defaults) == HVSUP_E_INVALID_ARGUMENT);
}

TEST_CASE("require_options_version words the refusal as the entry points always did", "[capi]")
{
    CHECK_NOTHROW(hvsup::capi::require_options_version(1, 1, "hvsup_x"));
    const hvsup_status s = hvsup::capi::guarded(nullptr, [] {
        hvsup::capi::require_options_version(2, 1, "hvsup_x");
        return HVSUP_OK;
    });
    CHECK(s == HVSUP_E_INVALID_ARGUMENT);
    const Refusal r = refusal([](hvsup_error** e) {
        return hvsup::capi::guarded(e, [] {
            hvsup::capi::require_options_version(0, 1, "hvsup_x");
            return HVSUP_OK;
        });
    });
    check_refused(r, "hvsup_x");
}

// One hvsup_*_options_init: fills the current version, refuses 0, current + 1 and NULL.
template <typename Options>
void check_init(hvsup_status (*init)(Options*, uint32_t), uint32_t current)
{
    Options options{};
    CHECK(init(&options, current) == HVSUP_OK);
    CHECK(options.version == current);
    CHECK(init(&options, 0) == HVSUP_E_INVALID_ARGUMENT);
    CHECK(init(&options, current + 1) == HVSUP_E_INVALID_ARGUMENT);
    CHECK(init(nullptr, current) == HVSUP_E_INVALID_ARGUMENT);
}

TEST_CASE("every _options_init takes version 1..current and refuses 0 and current + 1", "[capi]")
{
    check_init(hvsup_context_options_init, HVSUP_CONTEXT_OPTIONS_VERSION);
    check_init(hvsup_doctor_options_init, HVSUP_DOCTOR_OPTIONS_VERSION);
    check_init(hvsup_hcs_options_init, HVSUP_HCS_OPTIONS_VERSION);
    check_init(hvsup_hcs_document_options_init, HVSUP_HCS_DOCUMENT_OPTIONS_VERSION);
    check_init(hvsup_hcn_options_init, HVSUP_HCN_OPTIONS_VERSION);
    check_init(hvsup_hvsock_listeners_options_init, HVSUP_HVSOCK_LISTENERS_OPTIONS_VERSION);
    check_init(hvsup_image_build_options_init, HVSUP_IMAGE_BUILD_OPTIONS_VERSION);
}

TEST_CASE("every entry point refuses options of version 0 and current + 1 with its own message", "[capi]")
{
    for (int step = 0; step < 2; ++step) {
        const auto bad = [step](uint32_t current) { return step == 0 ? 0u : current + 1; };
        CAPTURE(step);

        hvsup_context_options context = HVSUP_CONTEXT_OPTIONS_INIT;
        context.version = bad(HVSUP_CONTEXT_OPTIONS_VERSION);
        hvsup_context* ctx = nullptr;
        Refusal r = refusal([&](hvsup_error** e) { return hvsup_context_create(&ctx, &context, e); });
        check_refused(r, "hvsup_context_create");
        CHECK(ctx == nullptr);

        hvsup_hcs_options hcs = HVSUP_HCS_OPTIONS_INIT;
        hcs.version = bad(HVSUP_HCS_OPTIONS_VERSION);
        hvsup_hcs* h = nullptr;
        r = refusal([&](hvsup_error** e) { return hvsup_hcs_open(&h, &hcs, e); });
        check_refused(r, "hvsup_hcs_open");
        CHECK(h == nullptr);

        hvsup_hcs_document_options document = HVSUP_HCS_DOCUMENT_OPTIONS_INIT;
        document.version = bad(HVSUP_HCS_DOCUMENT_OPTIONS_VERSION);
        char* out = nullptr;
        r = refusal([&](hvsup_error** e) { return hvsup_hcs_build_document(&out, "{}", &document, e); });
        check_refused(r, "hvsup_hcs_build_document");
        CHECK(out == nullptr);

        hvsup_hcn_options hcn = HVSUP_HCN_OPTIONS_INIT;
        hcn.version = bad(HVSUP_HCN_OPTIONS_VERSION);
        hvsup_hcn* n = nullptr;
        r = refusal([&](hvsup_error** e) { return hvsup_hcn_open(&n, &hcn, e); });
        check_refused(r, "hvsup_hcn_open");
        CHECK(n == nullptr);

        hvsup_hvsock_listeners_options listeners = HVSUP_HVSOCK_LISTENERS_OPTIONS_INIT;
        listeners.version = bad(HVSUP_HVSOCK_LISTENERS_OPTIONS_VERSION);
        hvsup_hvsock_listeners* set = nullptr;
        r = refusal([&](hvsup_error** e) {
            return hvsup_hvsock_listeners_create(&set, "d7e5a5b4-0000-4000-8000-000000000001", "{}", &listeners, e);
        });
        check_refused(r, "hvsup_hvsock_listeners_create");
        CHECK(set == nullptr);

        hvsup_image_build_options image = HVSUP_IMAGE_BUILD_OPTIONS_INIT;
        image.version = bad(HVSUP_IMAGE_BUILD_OPTIONS_VERSION);
        r = refusal([&](hvsup_error** e) { return hvsup_image_create(&out, "{}", &image, e); });
        check_refused(r, "hvsup_image_create");
        CHECK(out == nullptr);

        hvsup_context* defaults = nullptr;
        REQUIRE(hvsup_context_create(&defaults, nullptr, nullptr) == HVSUP_OK);
        hvsup_doctor_options doctor = HVSUP_DOCTOR_OPTIONS_INIT;
        doctor.version = bad(HVSUP_DOCTOR_OPTIONS_VERSION);
        int32_t ok = -1;
        r = refusal([&](hvsup_error** e) { return hvsup_context_doctor(&out, &ok, defaults, &doctor, e); });
        check_refused(r, "hvsup_context_doctor");
        CHECK(out == nullptr);
        hvsup_context_free(defaults);
    }
}
