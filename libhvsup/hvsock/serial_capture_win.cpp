// SPDX-License-Identifier: MIT
// The COM1 named pipe server on Windows: \\.\pipe\<name>, created before the compute system,
// readable only by SYSTEM, Administrators and the current user; everything the guest writes is
// appended to serial.log until it closes the pipe, then the instance waits for the next client.
#include "hvsock/serial_capture.hpp"
#include "hvsock/serial_pipe_server.hpp"

#include "core/error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/windows/overlapped_ptr.hpp>
#include <boost/asio/windows/stream_handle.hpp>

#include <windows.h>
#include <sddl.h>

#include <fmt/format.h>

namespace hvsup::hvsock {
namespace {

namespace asio = boost::asio;

std::wstring widen(const std::string& text)
{
    if (text.empty()) return {};
    int n = MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), nullptr, 0);
    std::wstring out(static_cast<size_t>(n), L'\0');
    MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), out.data(), n);
    return out;
}

Error last_error(const std::string& name, const char* what)
{
    DWORD err = GetLastError();
    return Error(ErrorCode::io, fmt::format("create windows-hyperv serial pipe {}: {}: {}", name, what,
                                            std::system_category().message(static_cast<int>(err))))
        .with_system_error(static_cast<int32_t>(err));
}

// serial_pipe_sddl() with the current user's SID.
std::wstring pipe_sddl(const std::string& name)
{
    HANDLE token = nullptr;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) throw last_error(name, "open process token");
    DWORD size = 0;
    GetTokenInformation(token, TokenUser, nullptr, 0, &size);
    std::vector<unsigned char> buffer(size);
    if (!GetTokenInformation(token, TokenUser, buffer.data(), size, &size)) {
        Error e = last_error(name, "query token user");
        CloseHandle(token);
        throw e;
    }
    CloseHandle(token);
    LPWSTR sid_text = nullptr;
    if (!ConvertSidToStringSidW(reinterpret_cast<TOKEN_USER*>(buffer.data())->User.Sid, &sid_text)) {
        throw last_error(name, "format user SID");
    }
    const std::wstring sid(sid_text);
    LocalFree(sid_text);
    // SID strings are ASCII ("S-1-5-21-..."): widening them byte by byte is exact.
    const std::string sddl = serial_pipe_sddl(std::string(sid.begin(), sid.end()));
    return std::wstring(sddl.begin(), sddl.end());
}

HANDLE create_pipe(const std::string& name)
{
    PSECURITY_DESCRIPTOR sd = nullptr;
    if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(pipe_sddl(name).c_str(), SDDL_REVISION_1, &sd, nullptr)) {
        throw last_error(name, "build security descriptor");
    }
    SECURITY_ATTRIBUTES sa{sizeof sa, sd, FALSE};
    const std::wstring path = L"\\\\.\\pipe\\" + widen(name);
    HANDLE pipe = CreateNamedPipeW(path.c_str(), PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
                                   PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS, 1,
                                   65536, 65536, 0, &sa);
    DWORD err = GetLastError();
    LocalFree(sd);
    if (pipe == INVALID_HANDLE_VALUE) {
        SetLastError(err);
        throw last_error(name, "CreateNamedPipe");
    }
    return pipe;
}

// ConnectNamedPipe as an Asio operation (overlapped, completed through the IOCP).
template <typename Token>
auto async_connect_pipe(asio::windows::stream_handle& pipe, Token&& token)
{
    return asio::async_initiate<Token, void(boost::system::error_code)>(
        [&pipe](auto handler) {
            asio::windows::overlapped_ptr op(
                pipe.get_executor(), [h = std::move(handler)](boost::system::error_code ec, std::size_t) mutable {
                    std::move(h)(ec);
                });
            BOOL ok = ConnectNamedPipe(pipe.native_handle(), op.get());
            DWORD err = GetLastError();
            if (!ok && err == ERROR_PIPE_CONNECTED) {
                op.complete(boost::system::error_code(), 0);  // the client came first
            } else if (!ok && err != ERROR_IO_PENDING) {
                op.complete(boost::system::error_code(static_cast<int>(err), asio::error::get_system_category()), 0);
            } else {
                op.release();
            }
        },
        token);
}

struct PipeState {
    PipeState(const asio::any_io_executor& ex, HANDLE h, const std::filesystem::path& log_file, Logger log)
        : pipe(ex, h), serial_log(log_file), logger(std::move(log))
    {
    }
    asio::windows::stream_handle pipe;
    detail::SerialLog serial_log;
    Logger logger;
    std::string name;
    bool closed = false;
};

asio::awaitable<void> serve(std::shared_ptr<PipeState> s)
{
    auto token = asio::as_tuple(asio::use_awaitable);
    while (!s->closed) {
        auto [connect_error] = co_await async_connect_pipe(s->pipe, token);
        if (s->closed) co_return;
        if (connect_error) {
            s->logger.log(LogLevel::warning, "accept windows-hyperv serial pipe {}: {}", s->name, connect_error.message());
            co_return;
        }
        co_await detail::copy_guest_output(s->pipe, s->serial_log, s->logger, s->name);
        if (s->closed) co_return;
        DisconnectNamedPipe(s->pipe.native_handle());
    }
}

class NamedPipeSerialCapture final : public SerialCapture {
public:
    explicit NamedPipeSerialCapture(std::shared_ptr<PipeState> state) : state_(std::move(state)) {}
    ~NamedPipeSerialCapture() override { close(); }
    void close() noexcept override
    {
        if (state_->closed) return;
        state_->closed = true;
        boost::system::error_code ignored;
        state_->pipe.close(ignored);
    }

private:
    std::shared_ptr<PipeState> state_;
};

}  // namespace

std::unique_ptr<SerialCapture> start_serial_capture(const asio::any_io_executor& executor, const std::string& pipe_name,
                                                    const std::filesystem::path& log_file,
                                                    const std::filesystem::path& /*emulation_dir*/, Logger logger)
{
    const std::string name = serial_pipe_basename(pipe_name);
    HANDLE h = create_pipe(name);
    std::shared_ptr<PipeState> state;
    try {
        state = std::make_shared<PipeState>(executor, h, log_file, std::move(logger));
    } catch (...) {
        CloseHandle(h);
        throw;
    }
    state->name = name;
    auto capture = std::make_unique<NamedPipeSerialCapture>(state);
    detail::spawn_serial_pipe_server(executor, serve(state), state->logger, name);
    return capture;
}

}  // namespace hvsup::hvsock
