// SPDX-License-Identifier: MIT
// SIGTERM / SIGINT / SIGHUP as a stop source.
#include "stop_signal.hpp"

#include <csignal>
#include <cstring>
#include <pthread.h>
#include <time.h>

namespace hvsock_listener {

std::function<void(StopSignal&)> signal_source()
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    return [set](StopSignal& stop) {
        // sigtimedwait, so the thread notices other stop sources and can be joined.
        while (!stop.stop_requested()) {
            timespec tick{0, 200 * 1000 * 1000};
            int sig = sigtimedwait(&set, nullptr, &tick);
            if (sig > 0) stop.request_stop(std::string("received ") + sigabbrev_np(sig));
        }
    };
}

}  // namespace hvsock_listener
