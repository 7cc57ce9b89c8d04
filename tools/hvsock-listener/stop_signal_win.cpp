// SPDX-License-Identifier: MIT
// Console control events (Ctrl+C, close, shutdown) as a stop source. The supervisor itself
// ends the helper with TerminateProcess, which needs no cooperation.
#include "stop_signal.hpp"

#include <windows.h>

#include <atomic>

namespace hvsock_listener {
namespace {

std::atomic<DWORD> last_event{0xffffffffu};

BOOL WINAPI on_console_event(DWORD event)
{
    last_event = event;
    return TRUE;
}

}  // namespace

std::function<void(StopSignal&)> signal_source()
{
    SetConsoleCtrlHandler(on_console_event, TRUE);
    return [](StopSignal& stop) {
        while (!stop.wait_for(std::chrono::milliseconds(200))) {
            DWORD event = last_event.load();
            if (event != 0xffffffffu) stop.request_stop("received console control event " + std::to_string(event));
        }
    };
}

}  // namespace hvsock_listener
