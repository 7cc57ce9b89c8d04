// SPDX-License-Identifier: MIT
// Every C ABI entry point that takes JSON text caps what it reads and what the parse may cost:
// 16 MiB of text, 100000 values for a request. hvsup_context_plan and hvsup_hcs_build_document had no
// cap at all.
#include "hvsup/hcs.h"
#include "hvsup/hvsock.h"
#include "hvsup/hvsup.h"
#include "hvsup/image.h"

#include <catch2/catch.hpp>

#include <string>

namespace {

constexpr size_t cap = 16u << 20;

std::string take_message(hvsup_error* e)
{
    std::string text = e != nullptr ? hvsup_error_message(e) : "";
    hvsup_error_free(e);
    return text;
}

// {"command":"run","x":"aaa…"} of exactly `size` bytes.
std::string request_of_size(size_t size)
{
    const std::string head = R"({"command":"run","x":")";
    std::string text = head + std::string(size - head.size() - 2, 'a') + "\"}";
    REQUIRE(text.size() == size);
    return text;
}

// {"command":"run","x":[0,0,…]}: more values than a request may hold, far under the byte cap.
std::string value_bomb()
{
    std::string text = R"({"command":"run","x":[)";
    for (int i = 0; i < 200000; ++i) text += "0,";
    return text + "0]}";
}

struct Context {
    hvsup_context* ctx = nullptr;
    Context() { REQUIRE(hvsup_context_create(&ctx, nullptr, nullptr) == HVSUP_OK); }
    ~Context() { hvsup_context_free(ctx); }
};

}  // namespace

TEST_CASE("hvsup_context_plan refuses a request over 16 MiB or over the value cap", "[capi][bounds]")
{
    Context c;
    char* out = nullptr;
    hvsup_error* error = nullptr;
    CHECK(hvsup_context_plan(&out, c.ctx, request_of_size(cap + 1).c_str(), &error) == HVSUP_E_INVALID_ARGUMENT);
    CHECK(out == nullptr);
    CHECK(take_message(error) == "request exceeds 16777216 bytes");
    CHECK(hvsup_context_plan(&out, c.ctx, value_bomb().c_str(), &error) == HVSUP_E_INVALID_ARGUMENT);
    CHECK_THAT(take_message(error), Catch::StartsWith("decode request: more than 100000 JSON values at byte "));
    // At the cap the text is read and judged on its content.
    CHECK(hvsup_context_plan(&out, c.ctx, request_of_size(cap).c_str(), &error) == HVSUP_E_INVALID_ARGUMENT);
    CHECK(take_message(error) == "identity is required");
}

TEST_CASE("hvsup_hcs_build_document refuses a request over 16 MiB or over the value cap", "[capi][bounds]")
{
    char* out = nullptr;
    hvsup_error* error = nullptr;
    CHECK(hvsup_hcs_build_document(&out, request_of_size(cap + 1).c_str(), nullptr, &error) ==
          HVSUP_E_INVALID_ARGUMENT);
    CHECK(take_message(error) == "request exceeds 16777216 bytes");
    CHECK(hvsup_hcs_build_document(&out, value_bomb().c_str(), nullptr, &error) == HVSUP_E_INVALID_ARGUMENT);
    CHECK_THAT(take_message(error), Catch::StartsWith("decode request: more than 100000 JSON values"));
    // A processor count that would wrap to 2 in the document is refused by name.
    const char* wraps = R"({"command":"run","identity":{"requestID":"r","runtimeID":"a","role":"workload","backend":"b"},
                           "config":{"kernelPath":"/k","rootfsPath":"/r.vhd","stateDir":"/s","cpuCount":4294967298}})";
    CHECK(hvsup_hcs_build_document(&out, wraps, nullptr, &error) == HVSUP_E_INVALID_ARGUMENT);
    CHECK(take_message(error) == "config.cpuCount must be at most 2048");
    CHECK(out == nullptr);
}

TEST_CASE("hvsup_context_supervise answers a request over 16 MiB with an ok:false response", "[capi][bounds]")
{
    Context c;
    char* out = nullptr;
    hvsup_error* error = nullptr;
    REQUIRE(hvsup_context_supervise(&out, c.ctx, request_of_size(cap + 1).c_str(), &error) == HVSUP_OK);
    REQUIRE(out != nullptr);
    CHECK(std::string(out).find(R"("error": "request exceeds 16777216 bytes")") != std::string::npos);
    hvsup_string_free(out);
    REQUIRE(hvsup_context_supervise(&out, c.ctx, value_bomb().c_str(), &error) == HVSUP_OK);
    CHECK(std::string(out).find(R"("error": "decode request: more than 100000 JSON values at byte )") != std::string::npos);
    hvsup_string_free(out);
}

TEST_CASE("the hvsock spec and the image request are capped at 16 MiB", "[capi][bounds]")
{
    hvsup_hvsock_listeners* listeners = nullptr;
    hvsup_error* error = nullptr;
    CHECK(hvsup_hvsock_listeners_create(&listeners, "22222222-3333-4444-5555-666666666666",
                                        request_of_size(cap + 1).c_str(), nullptr, &error) == HVSUP_E_INVALID_ARGUMENT);
    CHECK(take_message(error) == "spec exceeds 16777216 bytes");
    CHECK(listeners == nullptr);
    char* out = nullptr;
    CHECK(hvsup_image_create(&out, request_of_size(cap + 1).c_str(), nullptr, &error) == HVSUP_E_INVALID_ARGUMENT);
    CHECK(take_message(error) == "request exceeds 16777216 bytes");
}
