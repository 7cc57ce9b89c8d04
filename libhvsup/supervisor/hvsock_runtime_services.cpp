// SPDX-License-Identifier: MIT
#include "supervisor/hvsock_runtime_services.hpp"

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/process.hpp"
#include "hvsock/listener_set.hpp"
#include "hvsock/serial_capture.hpp"
#include "hvsock/transport.hpp"

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
class SerialCaptureService final : public SerialLogCapture {
public:
    SerialCaptureService(const std::string& pipe, const std::string& log_path,
                         const std::filesystem::path& emulation_dir, Logger logger)
        : work_(io_.get_executor())
    {
        capture_ = hvsock::start_serial_capture(io_.get_executor(), pipe, files::from_utf8(log_path), emulation_dir,
                                                std::move(logger));
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

class Listeners final : public RuntimeListeners {
public:
    explicit Listeners(std::unique_ptr<hvsock::ListenerSet> set) : set_(std::move(set)) {}

    bool wait_for_result(std::chrono::milliseconds timeout) override
    {
        switch (set_->wait_for_result(timeout)) {
        case hvsock::ResultWait::no_result_listener:
        case hvsock::ResultWait::received: return true;
        case hvsock::ResultWait::timed_out: return false;
        case hvsock::ResultWait::closed: break;
        }
        throw Error(ErrorCode::host, "listeners closed before the guest result arrived");
    }
    void close() override { set_->close(); }

private:
    std::unique_ptr<hvsock::ListenerSet> set_;
};

constexpr std::chrono::seconds helper_ready_timeout{10};

// The helper's last diagnostic, quoted in launch errors (as the reference quotes it).
std::string last_log_line(const std::string& log_path)
{
    std::string text;
    try {
        text = files::read_if_exists(files::from_utf8(log_path), 1u << 20).value_or("");
    } catch (const Error&) {
        return "(hvsock-listener.log unreadable)";
    }
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    const size_t nl = text.rfind('\n');
    std::string line = nl == std::string::npos ? text : text.substr(nl + 1);
    return line.empty() ? "(hvsock-listener.log is empty)" : line;
}

}  // namespace

HvsockRuntimeServices::HvsockRuntimeServices(std::string helper_path, std::string hcs_library, std::string hcs_api,
                                             Logger logger, std::function<std::filesystem::path()> emulation_dir)
    : helper_path_(std::move(helper_path)),
      hcs_library_(std::move(hcs_library)),
      hcs_api_(std::move(hcs_api)),
      logger_(std::move(logger)),
      emulation_dir_(std::move(emulation_dir))
{
}

std::unique_ptr<SerialLogCapture> HvsockRuntimeServices::start_serial_capture(const std::string& pipe_name,
                                                                              const std::string& log_path)
{
    return std::make_unique<SerialCaptureService>(pipe_name, log_path, emulation_dir_(), logger_);
}

std::unique_ptr<RuntimeListeners> HvsockRuntimeServices::start_listeners(const std::string& vm_runtime_id,
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
    spec.emulation_dir = emulation_dir_();
    return std::make_unique<Listeners>(hvsock::ListenerSet::start(std::move(spec)));
}

HelperProcess HvsockRuntimeServices::launch_helper(const std::string& state_dir, const std::string& runtime_id,
                                                   const std::string& log_path)
{
    // The helper says when every listener is bound, so the guest is never started before the
    // host side of its services exists. Whatever is in the way (a stale file, or a directory or
    // link planted to make this wait end at once) goes first, as itself, never followed.
    const auto ready = files::from_utf8(log_path).parent_path() / "hvsock-listener.ready";
    files::remove_tree(ready);
    std::error_code ignored;
    if (std::filesystem::exists(std::filesystem::symlink_status(ready, ignored))) {
        throw Error(ErrorCode::io, fmt::format("hvsock-listener ready file {} could not be cleared", files::to_utf8(ready)));
    }
    process::SpawnOptions options;
    options.executable = helper_path_;
    // --log-file: the helper writes its diagnostics through its capped, rotating log; stderr (a
    // crash message, say) is still appended to the same file.
    options.args = {"--state-dir", state_dir, "--name", runtime_id, "--ready-file", files::to_utf8(ready),
                    "--log-file", log_path};
    if (!hcs_library_.empty()) options.args.insert(options.args.end(), {"--hcs-library", hcs_library_});
    if (!hcs_api_.empty()) options.args.insert(options.args.end(), {"--hcs-api", hcs_api_});
    options.log_file = log_path;
    HelperProcess helper;
    helper.pid = process::spawn(options);
    // Our own child: its start time stays readable until we reap it, even if it exits at once.
    helper.start_time = process::start_time(helper.pid).value_or(0);
    const auto deadline = std::chrono::steady_clock::now() + helper_ready_timeout;
    for (;;) {
        // Only a regular file counts: the helper writes it atomically once it listens.
        if (files::is_regular_file_no_follow(ready)) {
            std::filesystem::remove(ready, ignored);
            return helper;
        }
        if (!process::is_alive(helper.pid)) {
            throw Error(ErrorCode::host, fmt::format("hvsock-listener exited before its listeners were ready: {}",
                                                     last_log_line(log_path)));
        }
        if (std::chrono::steady_clock::now() > deadline) {
            process::terminate(helper.pid, std::chrono::seconds(5));
            throw Error(ErrorCode::host, fmt::format("hvsock-listener did not bind its listeners within {} s: {}",
                                                     helper_ready_timeout.count(), last_log_line(log_path)));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

bool HvsockRuntimeServices::is_our_helper(const HelperProcess& helper) const
{
    if (!process::is_alive(helper.pid)) return false;
    const std::optional<int64_t> started = process::start_time(helper.pid);
    if (!started || (helper.start_time != 0 && *started != helper.start_time)) return false;
    const std::optional<std::string> image = process::executable_path(helper.pid);
    if (!image) return false;
    std::error_code ec;
    const auto actual = files::from_utf8(*image);
    const auto expected = files::from_utf8(helper_path_);
    if (std::filesystem::equivalent(actual, expected, ec)) return true;
    // A helper binary replaced since the helper started has no file to compare with any more.
    return std::filesystem::weakly_canonical(expected, ec) == actual;
}

void HvsockRuntimeServices::stop_helper(const HelperProcess& helper)
{
    if (!process::is_alive(helper.pid)) return;
    if (!is_our_helper(helper)) {
        logger_.log(LogLevel::warning,
                    "not signalling process {}: it is not the hvsock-listener helper this runtime started (a different "
                    "executable or start time; the helper has exited and the PID was reused, or runtime.json was "
                    "altered)",
                    helper.pid);
        return;
    }
    process::terminate(helper.pid, std::chrono::seconds(10));
}

bool HvsockRuntimeServices::helper_alive(const HelperProcess& helper) { return is_our_helper(helper); }

std::string HvsockRuntimeServices::probe()
{
    // The transport listeners would use: opening it is the check (socket(AF_HYPERV) on Windows).
    try {
        hvsock::select_transport(emulation_dir_());
        return {};
    } catch (const Error& e) {
        return e.what();
    }
}

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
