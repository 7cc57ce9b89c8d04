#include "supervisor/hvsock_runtime_services.hpp"

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/process.hpp"
#include "hvsock/listener_set.hpp"
#include "hvsock/serial_capture.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <future>
#include <thread>

namespace hvsup::supervisor {

namespace {

// Serves the COM1 pipe on an I/O thread of its own until closed.
class SerialCaptureService final : public SerialCapture {
public:
    SerialCaptureService(const std::string& pipe, const std::string& log_path, Logger logger)
        : work_(io_.get_executor())
    {
        capture_ = hvsock::start_serial_capture(io_.get_executor(), pipe, files::from_utf8(log_path), {}, std::move(logger));
        thread_ = std::thread([this] { io_.run(); });
    }
    ~SerialCaptureService() override { close(); }

    void close() override
    {
        if (!thread_.joinable()) return;
        std::promise<void> done;
        boost::asio::post(io_, [this, &done] {
            capture_->close();
            done.set_value();
        });
        done.get_future().wait();
        work_.reset();
        io_.stop();
        thread_.join();
    }

private:
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::unique_ptr<hvsock::SerialCapture> capture_;
    std::thread thread_;
};

class Listeners final : public ListenerSet {
public:
    explicit Listeners(std::unique_ptr<hvsock::ListenerSet> set) : set_(std::move(set)) {}

    void wait_for_result(std::chrono::milliseconds timeout) override
    {
        switch (set_->wait_for_result(timeout)) {
        case hvsock::ResultWait::no_result_listener:
        case hvsock::ResultWait::received: return;
        case hvsock::ResultWait::timed_out:
            throw Error(ErrorCode::host, fmt::format("no guest result within {} s", timeout.count() / 1000));
        case hvsock::ResultWait::closed: throw Error(ErrorCode::host, "listeners closed before the guest result arrived");
        }
    }
    void close() override { set_->close(); }

private:
    std::unique_ptr<hvsock::ListenerSet> set_;
};

}  // namespace

HvsockRuntimeServices::HvsockRuntimeServices(std::string helper_path, Logger logger)
    : helper_path_(std::move(helper_path)), logger_(std::move(logger))
{
}

std::unique_ptr<SerialCapture> HvsockRuntimeServices::start_serial_capture(const std::string& pipe_name,
                                                                           const std::string& log_path)
{
    return std::make_unique<SerialCaptureService>(pipe_name, log_path, logger_);
}

std::unique_ptr<ListenerSet> HvsockRuntimeServices::start_listeners(const std::string& vm_runtime_id,
                                                                    const protocol::Config& config,
                                                                    const std::string& result_path)
{
    hvsock::ListenerSpec spec;
    spec.vm_id = vm_runtime_id;
    if (config.network) {
        for (const auto& f : config.network->port_forwards) {
            spec.published_ports.push_back(hvsock::PublishedPort{f.protocol, f.host, f.host_port, 0});
        }
    }
    for (const auto& l : config.vsock_listeners) spec.vsock_listeners.push_back(hvsock::VsockService{l.port, l.target});
    spec.result_path = result_path;
    spec.logger = logger_;
    return std::make_unique<Listeners>(hvsock::ListenerSet::start(std::move(spec)));
}

int64_t HvsockRuntimeServices::launch_helper(const std::string& state_dir, const std::string& runtime_id,
                                             const std::string& log_path)
{
    process::SpawnOptions options;
    options.executable = helper_path_;
    options.args = {"--state-dir", state_dir, "--name", runtime_id};
    options.log_file = log_path;
    return process::spawn(options);
}

void HvsockRuntimeServices::stop_helper(int64_t pid) { process::terminate(pid, std::chrono::seconds(10)); }

std::string default_helper_path()
{
#ifdef _WIN32
    constexpr const char* name = "hvsock-listener.exe";
#else
    constexpr const char* name = "hvsock-listener";
#endif
    auto self = files::from_utf8(process::current_executable());
    return files::to_utf8(self.parent_path() / name);
}

}  // namespace hvsup::supervisor
