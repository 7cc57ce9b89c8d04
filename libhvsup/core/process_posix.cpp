// SPDX-License-Identifier: MIT
// POSIX helper processes (core/process.hpp): fork + exec with the log file as stdout/stderr,
// liveness through waitpid/kill and /proc, SIGKILL with a bounded wait.
#include "core/process.hpp"

#include "core/error.hpp"

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <string_view>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>

namespace hvsup::process {
namespace {

// Reports the child's exec failure to the parent through a close-on-exec pipe: the parent reads
// EOF when exec succeeded, or the child's errno.
[[noreturn]] void child_fail(int report_fd, int err)
{
    ssize_t ignored = ::write(report_fd, &err, sizeof err);
    (void)ignored;
    ::_exit(127);
}

// A zombie has exited even though kill(pid, 0) still finds it.
bool is_zombie(int64_t pid)
{
    std::ifstream stat(fmt::format("/proc/{}/stat", pid));
    if (!stat) return false;
    std::string line;
    std::getline(stat, line);
    size_t close = line.rfind(')');
    return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

}  // namespace

int64_t spawn(const SpawnOptions& options)
{
    const std::string& exe = options.executable;
    std::vector<std::string> argv_storage;
    argv_storage.push_back(exe);
    argv_storage.insert(argv_storage.end(), options.args.begin(), options.args.end());
    std::vector<char*> argv;
    for (auto& a : argv_storage) argv.push_back(a.data());
    argv.push_back(nullptr);

    // Opened in the parent so a bad log path is reported as such, not as an exec failure.
    int log_fd = -1;
    if (!options.log_file.empty()) {
        log_fd = ::open(options.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (log_fd < 0) throw system_error(errno, "open helper log " + options.log_file);
    }
    int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd < 0) {
        int err = errno;
        if (log_fd >= 0) ::close(log_fd);
        throw system_error(err, "open /dev/null");
    }
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) {
        int err = errno;
        ::close(null_fd);
        if (log_fd >= 0) ::close(log_fd);
        throw system_error(err, "start " + exe);
    }

    pid_t pid = ::fork();
    if (pid == 0) {
        // Child: only async-signal-safe calls from here on.
        ::close(report[0]);
        if (options.detached && ::setsid() < 0) child_fail(report[1], errno);
        int out = log_fd >= 0 ? log_fd : null_fd;
        if (::dup2(null_fd, STDIN_FILENO) < 0 || ::dup2(out, STDOUT_FILENO) < 0 || ::dup2(out, STDERR_FILENO) < 0) {
            child_fail(report[1], errno);
        }
        // The helper must not die with its parent's terminal or inherit blocked signals.
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::signal(SIGHUP, SIG_DFL);
        ::signal(SIGPIPE, SIG_DFL);
        // Descriptors the parent opened without O_CLOEXEC (sockets, other helpers' pipes) stay
        // with the parent.
        ::close_range(3, ~0u, CLOSE_RANGE_CLOEXEC);
        ::execv(exe.c_str(), argv.data());
        child_fail(report[1], errno);
    }
    int fork_errno = errno;
    ::close(report[1]);
    ::close(null_fd);
    if (log_fd >= 0) ::close(log_fd);
    if (pid < 0) {
        ::close(report[0]);
        throw system_error(fork_errno, "start " + exe);
    }
    int child_errno = 0;
    ssize_t n;
    do {
        n = ::read(report[0], &child_errno, sizeof child_errno);
    } while (n < 0 && errno == EINTR);
    ::close(report[0]);
    if (n == static_cast<ssize_t>(sizeof child_errno)) {
        ::waitpid(pid, nullptr, 0);
        throw system_error(child_errno, "start " + exe);
    }
    return pid;
}

bool is_alive(int64_t pid)
{
    if (pid <= 0 || pid > INT_MAX) return false;
    int status = 0;
    pid_t r = ::waitpid(static_cast<pid_t>(pid), &status, WNOHANG);
    if (r == static_cast<pid_t>(pid)) return false;  // our child, now reaped
    if (r == 0) return true;                         // our child, still running
    // Not our child (ECHILD): ask the kernel.
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return false;
    return !is_zombie(pid);
}

void terminate(int64_t pid, std::chrono::milliseconds timeout)
{
    if (pid <= 0 || pid > INT_MAX) {
        throw Error(ErrorCode::invalid_argument, fmt::format("terminate process {}: not a process id", pid));
    }
    if (!is_alive(pid)) return;
    if (::kill(static_cast<pid_t>(pid), SIGKILL) != 0 && errno != ESRCH) {
        throw system_error(errno, fmt::format("terminate process {}", pid));
    }
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (is_alive(pid)) {
        if (std::chrono::steady_clock::now() >= deadline) {
            throw Error(ErrorCode::io, fmt::format("terminate process {}: still running after {} ms", pid, timeout.count()));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

std::optional<int64_t> start_time(int64_t pid)
{
    if (pid <= 0 || pid > INT_MAX) return std::nullopt;
    std::ifstream stat(fmt::format("/proc/{}/stat", pid));
    std::string line;
    if (!stat || !std::getline(stat, line)) return std::nullopt;
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const size_t close = line.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::string_view rest = std::string_view(line).substr(close + 1);
    // Fields 3.. follow; starttime is field 22, the 20th after the command name.
    for (int field = 3; field < 22; ++field) {
        const size_t at = rest.find_first_not_of(' ');
        if (at == std::string_view::npos) return std::nullopt;
        const size_t end = rest.find(' ', at);
        if (end == std::string_view::npos) return std::nullopt;
        rest = rest.substr(end);
    }
    const size_t at = rest.find_first_not_of(' ');
    if (at == std::string_view::npos) return std::nullopt;
    int64_t value = 0;
    for (size_t i = at; i < rest.size() && rest[i] != ' ' && rest[i] != '\n'; ++i) {
        if (rest[i] < '0' || rest[i] > '9' || value > (INT64_MAX - 9) / 10) return std::nullopt;
        value = value * 10 + (rest[i] - '0');
    }
    return value;
}

std::optional<std::string> executable_path(int64_t pid)
{
    if (pid <= 0 || pid > INT_MAX) return std::nullopt;
    std::string buf(PATH_MAX, '\0');
    const ssize_t n = ::readlink(fmt::format("/proc/{}/exe", pid).c_str(), buf.data(), buf.size());
    if (n < 0) return std::nullopt;
    buf.resize(static_cast<size_t>(n));
    // A binary replaced on disk since the process started still names the process's image.
    constexpr std::string_view deleted = " (deleted)";
    if (buf.size() > deleted.size() && buf.ends_with(deleted)) buf.resize(buf.size() - deleted.size());
    return buf;
}

std::string current_executable()
{
    std::string buf(PATH_MAX, '\0');
    ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size());
    if (n < 0) throw system_error(errno, "read /proc/self/exe");
    buf.resize(static_cast<size_t>(n));
    return buf;
}

int64_t current_pid() { return static_cast<int64_t>(::getpid()); }

}  // namespace hvsup::process
