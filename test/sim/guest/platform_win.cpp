// SPDX-License-Identifier: MIT
#include "guest/platform.hpp"

#include "core/files.hpp"
#include "core/json.hpp"

#include <windows.h>

#include <algorithm>
#include <thread>

namespace hvsup::sim::guest {
namespace {

std::wstring wide(const std::string& utf8)
{
    if (utf8.empty()) return {};
    const int n = ::MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), nullptr, 0);
    std::wstring out(static_cast<size_t>(n), L'\0');
    ::MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), out.data(), n);
    return out;
}

// The client end of the host's COM1 named pipe, as Hyper-V's virtual serial port holds it.
class PipeSerial final : public SerialPort {
public:
    explicit PipeSerial(HANDLE pipe) : pipe_(pipe) {}
    ~PipeSerial() override { ::CloseHandle(pipe_); }
    PipeSerial(const PipeSerial&) = delete;
    PipeSerial& operator=(const PipeSerial&) = delete;

    bool write(const std::string& text) override
    {
        size_t off = 0;
        while (off < text.size()) {
            DWORD n = 0;
            const DWORD chunk = static_cast<DWORD>(std::min<size_t>(text.size() - off, 65536));
            if (!::WriteFile(pipe_, text.data() + off, chunk, &n, nullptr) || n == 0) return false;
            off += n;
        }
        return true;
    }

private:
    HANDLE pipe_;
};

}  // namespace

void watch_shutdown(const std::filesystem::path& sim_dir, const std::string& id, std::atomic<bool>& requested)
{
    std::thread([record = sim_dir / "systems" / (id + ".json"), &requested] {
        while (!requested) {
            try {
                if (auto text = files::read_if_exists(record, 16u << 20)) {
                    const json::value v = json::parse(*text, "record");
                    if (json::read_string(json::as_object(v, "record"), "StopRequest", "StopRequest") == "shutdown") {
                        requested = true;
                    }
                }
            } catch (...) {
                // A record being replaced or already removed: look again.
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }).detach();
}

std::unique_ptr<SerialPort> open_serial(const std::string& name, const std::filesystem::path&,
                                        std::chrono::milliseconds limit)
{
    const std::wstring path = L"\\\\.\\pipe\\" + wide(name);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        HANDLE h = ::CreateFileW(path.c_str(), GENERIC_WRITE, 0, nullptr, OPEN_EXISTING, 0, nullptr);
        if (h != INVALID_HANDLE_VALUE) return std::make_unique<PipeSerial>(h);
        const DWORD err = ::GetLastError();
        if (std::chrono::steady_clock::now() >= deadline) return nullptr;
        if (err == ERROR_PIPE_BUSY) {
            ::WaitNamedPipeW(path.c_str(), 50);
        } else {
            ::Sleep(50);  // not created yet (ERROR_FILE_NOT_FOUND)
        }
    }
}

}  // namespace hvsup::sim::guest
