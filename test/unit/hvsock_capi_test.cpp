// SPDX-License-Identifier: MIT
// hvsup_hvsock_* through the C ABI: argument checks, service ids and a listener set.
#include "hvsup/hvsock.h"
#include "hvsock_support.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace hvsock_test;

namespace {

const std::string vm_id = "22222222-3333-4444-5555-666666666666";

std::string error_text(hvsup_error* e)
{
    std::string text = hvsup_error_message(e);
    hvsup_error_free(e);
    return text;
}

std::string json_string(const std::string& s)
{
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

}  // namespace

TEST_CASE("hvsup_hvsock_port_to_service_id maps ports to template GUIDs", "[hvsock][capi]")
{
    char* text = nullptr;
    REQUIRE(hvsup_hvsock_port_to_service_id(&text, 18080, nullptr) == HVSUP_OK);
    CHECK(std::string(text) == "000046a0-facb-11e6-bd58-64006a7986d3");
    hvsup_string_free(text);
    CHECK(hvsup_hvsock_port_to_service_id(nullptr, 1, nullptr) == HVSUP_E_INVALID_ARGUMENT);

    uint32_t port = 0;
    CHECK(hvsup_hvsock_service_id_to_port(&port, "00000400-FACB-11E6-BD58-64006A7986D3", nullptr) == HVSUP_OK);
    CHECK(port == 1024);
    hvsup_error* err = nullptr;
    CHECK(hvsup_hvsock_service_id_to_port(&port, "a42e7cda-d03f-480c-9cc2-a4de20abb878", &err) ==
          HVSUP_E_INVALID_ARGUMENT);
    CHECK(error_text(err) == "service id a42e7cda-d03f-480c-9cc2-a4de20abb878 is not a vsock port service id");
    CHECK(hvsup_hvsock_service_id_to_port(&port, "junk", nullptr) == HVSUP_E_INVALID_ARGUMENT);
    CHECK(hvsup_hvsock_service_id_to_port(&port, nullptr, nullptr) == HVSUP_E_INVALID_ARGUMENT);
}

TEST_CASE("hvsup_hvsock_listeners_create checks its arguments", "[hvsock][capi]")
{
    hvsup_hvsock_listeners* set = nullptr;
    hvsup_hvsock_listeners_options options;
    REQUIRE(hvsup_hvsock_listeners_options_init(&options, HVSUP_HVSOCK_LISTENERS_OPTIONS_VERSION) == HVSUP_OK);
    CHECK(hvsup_hvsock_listeners_options_init(&options, 99) == HVSUP_E_INVALID_ARGUMENT);
    CHECK(hvsup_hvsock_listeners_create(nullptr, vm_id.c_str(), "{}", nullptr, nullptr) == HVSUP_E_INVALID_ARGUMENT);
    CHECK(hvsup_hvsock_listeners_create(&set, nullptr, "{}", nullptr, nullptr) == HVSUP_E_INVALID_ARGUMENT);
    CHECK(hvsup_hvsock_listeners_create(&set, vm_id.c_str(), nullptr, nullptr, nullptr) == HVSUP_E_INVALID_ARGUMENT);
    options.version = 7;
    CHECK(hvsup_hvsock_listeners_create(&set, vm_id.c_str(), "{}", &options, nullptr) == HVSUP_E_INVALID_ARGUMENT);
    options.version = HVSUP_HVSOCK_LISTENERS_OPTIONS_VERSION;
    options.flags = 4;
    CHECK(hvsup_hvsock_listeners_create(&set, vm_id.c_str(), "{}", &options, nullptr) == HVSUP_E_INVALID_ARGUMENT);
    options.flags = 0;
    hvsup_error* err = nullptr;
    CHECK(hvsup_hvsock_listeners_create(&set, vm_id.c_str(), "[1]", &options, &err) == HVSUP_E_INVALID_ARGUMENT);
    hvsup_error_free(err);
    CHECK(hvsup_hvsock_listeners_create(&set, vm_id.c_str(), R"({"vsockListeners":[{"port":2048,"target":"nowhere"}]})",
                                        &options, &err) == HVSUP_E_INVALID_ARGUMENT);
    CHECK(error_text(err) == "windows-hyperv vsock listener 2048 target must be host:port or the workspace result path");
    CHECK(hvsup_hvsock_listeners_create(&set, vm_id.c_str(), R"({"portForwards":[{"hostPort":0}]})", &options, &err) ==
          HVSUP_E_INVALID_ARGUMENT);
    hvsup_error_free(err);
    CHECK(set == nullptr);
    CHECK(hvsup_hvsock_listeners_stop(nullptr, nullptr) == HVSUP_E_INVALID_ARGUMENT);
    uint32_t state = 0;
    CHECK(hvsup_hvsock_listeners_await_result(&state, nullptr, 0, nullptr) == HVSUP_E_INVALID_ARGUMENT);
    hvsup_hvsock_listeners_free(nullptr);
}

TEST_CASE("a listener set started through the C ABI bridges, delivers the result and stops", "[hvsock][capi]")
{
    TempDir dir;
    const auto emulation = dir.path() / "hvsock";
    const auto result = dir.path() / "result.json";
    Guest guest(emulation, vm_id);
    const uint16_t port = free_port();
    guest.listen(4242, Guest::echo);

    std::vector<std::string> lines;
    hvsup_hvsock_listeners_options options = HVSUP_HVSOCK_LISTENERS_OPTIONS_INIT;
    const std::string emulation_text = emulation.string();
    options.emulation_dir = emulation_text.c_str();
    options.log_user = &lines;
    options.log_callback = [](hvsup_log_level, const char* message, void* user) {
        static_cast<std::vector<std::string>*>(user)->emplace_back(message);
    };
    const std::string spec = R"({"PortForwards":[{"hostPort":)" + std::to_string(port) +
                             R"(,"servicePort":4242}],"vsockListeners":[{"port":1024,"target":)" +
                             json_string(result.string()) + R"(}],"resultPath":)" + json_string(result.string()) + "}";
    hvsup_hvsock_listeners* set = nullptr;
    hvsup_error* err = nullptr;
    REQUIRE(hvsup_hvsock_listeners_create(&set, vm_id.c_str(), spec.c_str(), &options, &err) == HVSUP_OK);
    REQUIRE(set != nullptr);

    asio::io_context io;
    {
        tcp::socket s = connect_tcp(io, port);
        asio::write(s, asio::buffer(std::string("via C")));
        s.shutdown(tcp::socket::shutdown_send);
        CHECK(read_all(s) == "via C");
    }
    uint32_t state = 99;
    CHECK(hvsup_hvsock_listeners_await_result(&state, set, 0, nullptr) == HVSUP_OK);
    CHECK(state == HVSUP_HVSOCK_RESULT_PENDING);
    {
        Stream r = guest.connect(1024);
        asio::write(r, asio::buffer(std::string("{\"exit_code\":0}\n")));
    }
    CHECK(hvsup_hvsock_listeners_await_result(&state, set, 20000, nullptr) == HVSUP_OK);
    CHECK(state == HVSUP_HVSOCK_RESULT_RECEIVED);
    std::ifstream in(result);
    std::stringstream ss;
    ss << in.rdbuf();
    CHECK(ss.str() == "{\"exit_code\":0}\n");

    CHECK(hvsup_hvsock_listeners_stop(set, nullptr) == HVSUP_OK);
    CHECK(hvsup_hvsock_listeners_stop(set, nullptr) == HVSUP_OK);
    tcp::socket s(io);
    boost::system::error_code ec;
    s.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port), ec);
    CHECK(ec == asio::error::connection_refused);
    hvsup_hvsock_listeners_free(set);
    CHECK_FALSE(lines.empty());
}
