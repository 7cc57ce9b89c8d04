// SPDX-License-Identifier: MIT
// Hyper-V sockets and the COM1 pipe on Windows: AF_HYPERV failing closed where the host lacks
// it (Wine, Windows without Hyper-V), and the serial capture's real named pipe server.

// This program links the library's internals statically: the C ABI is called directly, not
// imported from hvsup.dll.
#define HVSUP_BUILDING_LIBRARY 1
#include "core/error.hpp"
#include "hvsock/serial_capture.hpp"
#include "hvsock/transport.hpp"
#include "hvsup/hvsock.h"
#include "support.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <catch2/catch.hpp>

#include <winsock2.h>
#include <windows.h>

#include <cstdlib>
#include <future>
#include <string>
#include <thread>

using namespace hvsup;
using namespace hvsup::wintest;

namespace {

// Whether this host can create an AF_HYPERV socket at all (Wine cannot: WSAEAFNOSUPPORT).
bool af_hyperv_available(int* error)
{
    WSADATA data;
    ::WSAStartup(MAKEWORD(2, 2), &data);
    SOCKET s = ::socket(34 /* AF_HYPERV */, SOCK_STREAM, 1 /* HV_PROTOCOL_RAW */);
    *error = s == INVALID_SOCKET ? ::WSAGetLastError() : 0;
    if (s != INVALID_SOCKET) ::closesocket(s);
    ::WSACleanup();
    return s != INVALID_SOCKET;
}

// The environment variable must not select the emulation for these tests.
struct NoEmulationDir {
    NoEmulationDir() { _putenv_s(hvsock::emulation_dir_variable, ""); }
};

// An io_context running on its own thread, as the supervisor runs its listeners.
struct IoThread {
    boost::asio::io_context io;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
    std::thread thread{[this] { io.run(); }};
    ~IoThread()
    {
        work.reset();
        io.stop();
        thread.join();
    }
    template <typename F>
    auto on_io(F f)
    {
        std::packaged_task<decltype(f())()> task(std::move(f));
        auto result = task.get_future();
        boost::asio::post(io, [&task] { task(); });
        return result.get();
    }
};

HANDLE open_pipe_client(const std::wstring& path)
{
    HANDLE h = INVALID_HANDLE_VALUE;
    eventually([&] {
        h = ::CreateFileW(path.c_str(), GENERIC_WRITE, 0, nullptr, OPEN_EXISTING, 0, nullptr);
        if (h == INVALID_HANDLE_VALUE && ::GetLastError() == ERROR_PIPE_BUSY) ::WaitNamedPipeW(path.c_str(), 100);
        return h != INVALID_HANDLE_VALUE;
    });
    return h;
}

void write_pipe(HANDLE h, const std::string& text)
{
    DWORD n = 0;
    REQUIRE(::WriteFile(h, text.data(), static_cast<DWORD>(text.size()), &n, nullptr));
    REQUIRE(n == text.size());
}

}  // namespace

TEST_CASE("without AF_HYPERV the platform transport is a clear unsupported error", "[hvsock]")
{
    int error = 0;
    if (af_hyperv_available(&error)) {
        // A Windows host with Hyper-V sockets: the product transport must come up.
        CHECK(hvsock::make_platform_transport()->name() == "AF_HYPERV");
        return;
    }
    // Wine (and Windows without Hyper-V): socket(AF_HYPERV) fails; so must the transport,
    // with the code kept, and not later with a crash in a bridge.
    CHECK(error == WSAEAFNOSUPPORT);
    try {
        hvsock::make_platform_transport();
        FAIL("make_platform_transport succeeded without AF_HYPERV");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::unsupported);
        CHECK_THAT(e.what(), Catch::StartsWith("Hyper-V sockets are not available on this host (socket(AF_HYPERV): "));
        CHECK(e.system_error() == error);
    }
    NoEmulationDir no_emulation;
    CHECK_THROWS_AS(hvsock::select_transport(hvsock::emulation_dir_from_environment()), Error);
}

TEST_CASE("hvsup_hvsock_listeners_create without AF_HYPERV returns HVSUP_E_UNSUPPORTED", "[hvsock]")
{
    int error = 0;
    if (af_hyperv_available(&error)) return;  // covered by real Hyper-V hosts, not here
    NoEmulationDir no_emulation;
    hvsup_hvsock_listeners* listeners = nullptr;
    hvsup_error* err = nullptr;
    const char* spec = R"({"vsockListeners": [{"port": 2048, "target": "127.0.0.1:9"}]})";
    const hvsup_status s =
        hvsup_hvsock_listeners_create(&listeners, "d7e5a5b4-0000-4000-8000-000000000001", spec, nullptr, &err);
    CHECK(s == HVSUP_E_UNSUPPORTED);
    CHECK(listeners == nullptr);
    REQUIRE(err != nullptr);
    CHECK(hvsup_error_code(err) == HVSUP_E_UNSUPPORTED);
    CHECK_THAT(hvsup_error_message(err), Catch::Contains("Hyper-V sockets are not available on this host"));
    hvsup_error_free(err);
}

TEST_CASE("the COM1 capture serves a real named pipe and survives a guest reconnect", "[serial]")
{
    TempDir dir("hvsup-serial");
    const auto log = dir.path() / "serial.log";
    const std::string name = "hvsup-wintest-serial-" + std::to_string(::GetCurrentProcessId());
    const std::wstring path = L"\\\\.\\pipe\\" + std::wstring(name.begin(), name.end());
    IoThread io;
    auto capture = io.on_io([&] {
        return hvsock::start_serial_capture(io.io.get_executor(), "\\\\.\\pipe\\" + name, log, {}, Logger{});
    });
    REQUIRE(capture != nullptr);

    // A second server of the same pipe is refused: nobody can stand in for hvsup's pipe.
    try {
        io.on_io([&] { return hvsock::start_serial_capture(io.io.get_executor(), name, dir.path() / "other.log", {}, Logger{}); });
        FAIL("a second server of the COM1 pipe was created");
    } catch (const Error& e) {
        CHECK_THAT(e.what(), Catch::StartsWith("create windows-hyperv serial pipe " + name + ": "));
    }

    HANDLE first = open_pipe_client(path);
    REQUIRE(first != INVALID_HANDLE_VALUE);
    write_pipe(first, "boot line 1\n");
    write_pipe(first, std::string(100000, 'x') + "\n");
    ::CloseHandle(first);  // the guest closes COM1 (reboot); the server waits for the next client
    HANDLE second = open_pipe_client(path);
    REQUIRE(second != INVALID_HANDLE_VALUE);
    write_pipe(second, "after reboot\n");
    ::CloseHandle(second);

    const std::string expected = "boot line 1\n" + std::string(100000, 'x') + "\n" + "after reboot\n";
    CHECK(eventually([&] { return slurp(log) == expected; }));
    CHECK(slurp(log) == expected);

    io.on_io([&] {
        capture->close();
        return 0;
    });
    // Closed: the pipe is gone, a client now finds nothing to connect to.
    CHECK(eventually([&] {
        HANDLE h = ::CreateFileW(path.c_str(), GENERIC_WRITE, 0, nullptr, OPEN_EXISTING, 0, nullptr);
        if (h != INVALID_HANDLE_VALUE) {
            ::CloseHandle(h);
            return false;
        }
        return ::GetLastError() == ERROR_FILE_NOT_FOUND;
    }));
    io.on_io([&] {
        capture.reset();
        return 0;
    });
    CHECK(slurp(log) == expected);
}
