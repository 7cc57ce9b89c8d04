// SPDX-License-Identifier: MIT
#include "guest/platform.hpp"

#include "guest/net.hpp"

#include <pthread.h>
#include <signal.h>

namespace hvsup::sim::guest {
namespace {

std::atomic<bool>* shutdown_flag = nullptr;

extern "C" void on_term(int)
{
    if (shutdown_flag != nullptr) *shutdown_flag = true;
}

class EmulatedSerial final : public SerialPort {
public:
    explicit EmulatedSerial(std::shared_ptr<tcp::socket> socket) : socket_(std::move(socket)) {}
    bool write(const std::string& text) override { return write_all(*socket_, text); }

private:
    std::shared_ptr<tcp::socket> socket_;
};

}  // namespace

void watch_shutdown(const std::filesystem::path&, const std::string&, std::atomic<bool>& requested)
{
    shutdown_flag = &requested;
    struct sigaction sa {};
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);
    // The simulator starts the guest with SIGTERM blocked (process_posix.cpp): a request that
    // came during start-up is delivered now, to the handler.
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    pthread_sigmask(SIG_UNBLOCK, &term, nullptr);
}

std::unique_ptr<SerialPort> open_serial(const std::string& name, const std::filesystem::path& emulation,
                                        std::chrono::milliseconds limit)
{
    if (emulation.empty()) return nullptr;
    auto socket = connect_via(emulation / "pipes" / (name + ".port"), limit);
    if (!socket) return nullptr;
    return std::make_unique<EmulatedSerial>(std::move(socket));
}

}  // namespace hvsup::sim::guest
