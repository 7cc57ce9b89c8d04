// SPDX-License-Identifier: MIT
#include "workload.hpp"

#include "console.hpp"
#include "result.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <optional>
#include <unistd.h>

namespace hvsup::guestinit {

namespace {

sigset_t init_signals()
{
    sigset_t set;
    sigemptyset(&set);
    for (const int s : {SIGCHLD, SIGTERM, SIGINT, SIGUSR1, SIGUSR2}) sigaddset(&set, s);
    return set;
}

// What the child reports through the close-on-exec pipe when it cannot exec.
struct ChildFailure {
    int step;  // 0 = chdir, 1 = setgroups/setgid/setuid, 2 = exec
    int err;
};

[[noreturn]] void child_fail(int fd, int step)
{
    const ChildFailure f{step, errno};
    [[maybe_unused]] const ssize_t n = ::write(fd, &f, sizeof f);
    ::_exit(127);
}

[[noreturn]] void exec_child(const WorkloadSpec& spec, char* const* argv, char* const* envp, int out_w, int err_w,
                             int fail_w)
{
    ::setsid();  // its own session and process group: the timeout kills the group
    ::dup2(out_w, 1);
    ::dup2(err_w, 2);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    const sigset_t blocked = init_signals();
    ::sigprocmask(SIG_UNBLOCK, &blocked, nullptr);
    for (const int s : {SIGPIPE, SIGTERM, SIGINT, SIGUSR1, SIGUSR2}) ::signal(s, SIG_DFL);
    if (::chdir(spec.working_dir.c_str()) != 0) child_fail(fail_w, 0);
    const Identity& id = spec.identity;
    if (::geteuid() != id.uid || ::getegid() != id.gid) {
        if (::geteuid() == 0 && ::setgroups(0, nullptr) != 0) child_fail(fail_w, 1);
        if (::setgid(id.gid) != 0 || ::setuid(id.uid) != 0) child_fail(fail_w, 1);
    }
    environ = const_cast<char**>(envp);
    ::execvp(argv[0], argv);
    child_fail(fail_w, 2);
}

std::vector<char*> c_strings(const std::vector<std::string>& v)
{
    std::vector<char*> out;
    for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

struct Stream {
    int fd = -1;
    int console_fd = 1;
    std::string* keep = nullptr;
    bool* truncated = nullptr;
};

// Copies what is available to the console and the capture; false at end of stream.
bool pump(Stream& s, size_t limit)
{
    char buf[65536];
    const ssize_t n = ::read(s.fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
    if (n <= 0) return false;
    const std::string_view chunk(buf, static_cast<size_t>(n));
    write_fully(s.console_fd, chunk);
    const size_t room = limit > s.keep->size() ? limit - s.keep->size() : 0;
    s.keep->append(chunk.substr(0, room));
    if (chunk.size() > room) *s.truncated = true;
    return true;
}

const char* signal_name(int sig)
{
    switch (sig) {
        case SIGTERM:
            return "SIGTERM";
        case SIGINT:
            return "SIGINT";
        case SIGUSR1:
            return "SIGUSR1";
        case SIGUSR2:
            return "SIGUSR2";
        default:
            return "a signal";
    }
}

// The run is over: whatever is left of the workload's process group (background processes that
// kept or closed its output) is killed, and collected. Its members that were orphaned came
// back to the init (PID 1, or the subreaper of the test mode), so waitpid(-group) sees them.
// Bounded: a member that ignores SIGKILL in uninterruptible sleep does not stop the run.
void end_process_group(pid_t group)
{
    ::kill(-group, SIGKILL);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    for (;;) {
        int status = 0;
        const pid_t r = ::waitpid(-group, &status, WNOHANG);
        if (r < 0 && errno != EINTR) return;  // ECHILD: none of the group is left
        if (r > 0) continue;
        if (std::chrono::steady_clock::now() >= deadline) return;
        ::usleep(5000);
    }
}

}  // namespace

void block_init_signals()
{
    const sigset_t set = init_signals();
    ::sigprocmask(SIG_BLOCK, &set, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
}

void reap_ended_children() noexcept
{
    int status = 0;
    while (::waitpid(-1, &status, WNOHANG) > 0) {
    }
}

std::vector<std::string> workload_environment(const Identity& id, const std::vector<std::string>& extra)
{
    std::vector<std::string> env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                    "HOME=" + id.home, "TERM=linux"};
    if (!id.name.empty()) {
        env.push_back("USER=" + id.name);
        env.push_back("LOGNAME=" + id.name);
    }
    for (const auto& entry : extra) {
        const std::string key = entry.substr(0, entry.find('=') + 1);
        std::erase_if(env, [&](const std::string& e) { return e.rfind(key, 0) == 0; });
        env.push_back(entry);
    }
    return env;
}

WorkloadOutcome run_workload(const WorkloadSpec& spec)
{
    WorkloadOutcome o;
    o.started_at = now_rfc3339();
    int out_pipe[2], err_pipe[2], fail_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0 || ::pipe2(fail_pipe, O_CLOEXEC) != 0) {
        o.error = "create workload pipes: " + error_text(errno);
        o.exited_at = now_rfc3339();
        return o;
    }
    const sigset_t signals = init_signals();
    const int sig_fd = ::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
    auto argv = c_strings(spec.argv);
    auto envp = c_strings(spec.env);
    const pid_t pid = ::fork();
    if (pid == 0) exec_child(spec, argv.data(), envp.data(), out_pipe[1], err_pipe[1], fail_pipe[1]);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    ::close(fail_pipe[1]);
    if (pid < 0) {
        o.error = "fork: " + error_text(errno);
        for (const int fd : {out_pipe[0], err_pipe[0], fail_pipe[0], sig_fd}) ::close(fd);
        o.exited_at = now_rfc3339();
        return o;
    }
    // The exec either happens (the pipe closes empty) or the child reports why not.
    ChildFailure failure{};
    ssize_t got = 0;
    do {
        got = ::read(fail_pipe[0], &failure, sizeof failure);
    } while (got < 0 && errno == EINTR);
    ::close(fail_pipe[0]);
    if (got == static_cast<ssize_t>(sizeof failure)) {
        static const char* steps[] = {"chdir ", "set user ids for ", "exec "};
        const std::string what = failure.step == 0 ? spec.working_dir
                                 : failure.step == 1
                                     ? std::to_string(spec.identity.uid) + ":" + std::to_string(spec.identity.gid)
                                     : spec.argv.front();
        o.error = std::string("start workload: ") + steps[failure.step < 0 || failure.step > 2 ? 2 : failure.step] +
                  what + ": " + error_text(failure.err);
    } else {
        o.started = true;
    }

    Stream streams[2] = {{out_pipe[0], 1, &o.stdout_data, &o.stdout_truncated},
                         {err_pipe[0], 2, &o.stderr_data, &o.stderr_truncated}};
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    std::optional<clock::time_point> deadline;
    if (spec.timeout.count() > 0) deadline = start + spec.timeout;
    std::optional<clock::time_point> drain_deadline;
    bool exited = false;
    bool killed = false;
    int open_streams = 2;
    while (!exited || open_streams > 0) {
        int wait_ms = -1;
        const auto now = clock::now();
        for (const auto& d : {deadline, drain_deadline}) {
            if (!d) continue;
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*d - now).count();
            const int ms = left < 0 ? 0 : static_cast<int>(std::min<int64_t>(left, 60000));
            wait_ms = wait_ms < 0 ? ms : std::min(wait_ms, ms);
        }
        if (deadline && now >= *deadline && !exited && !killed) {
            ::kill(-pid, SIGKILL);
            killed = true;
            o.error = "workload timed out after " + std::to_string(spec.timeout.count()) +
                      " ms; its process group was killed";
            deadline.reset();
            continue;
        }
        if (drain_deadline && now >= *drain_deadline) {
            // Background processes still hold the output: the run is over, end them.
            ::kill(-pid, SIGKILL);
            break;
        }
        pollfd fds[3] = {{streams[0].fd, POLLIN, 0}, {streams[1].fd, POLLIN, 0}, {sig_fd, POLLIN, 0}};
        const int r = ::poll(fds, 3, wait_ms);
        if (r < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; ++i) {
            if (streams[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0 &&
                !pump(streams[i], spec.capture_limit)) {
                ::close(streams[i].fd);
                streams[i].fd = -1;
                --open_streams;
            }
        }
        if ((fds[2].revents & POLLIN) != 0) {
            signalfd_siginfo info{};
            while (::read(sig_fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
                if (info.ssi_signo != SIGCHLD && !exited && !killed) {
                    ::kill(-pid, SIGKILL);
                    killed = true;
                    o.error = std::string("stopped by ") + signal_name(static_cast<int>(info.ssi_signo)) +
                              "; the workload's process group was killed";
                }
            }
        }
        int status = 0;
        pid_t ended = 0;
        while ((ended = ::waitpid(-1, &status, WNOHANG)) > 0) {
            if (ended != pid) continue;  // an orphan the init inherited: reaped, nothing more
            exited = true;
            o.exited_at = now_rfc3339();
            if (WIFEXITED(status))
                o.exit_code = WEXITSTATUS(status);
            else if (WIFSIGNALED(status))
                o.exit_code = 128 + WTERMSIG(status);
            if (!o.started) o.exit_code = 127;
            drain_deadline = clock::now() + spec.drain_limit;
        }
    }
    for (const auto& s : streams) {
        if (s.fd >= 0) ::close(s.fd);
    }
    if (sig_fd >= 0) ::close(sig_fd);
    if (!exited) {
        // Only when poll itself failed: make sure the workload is gone and collected.
        ::kill(-pid, SIGKILL);
        int status = 0;
        ::waitpid(pid, &status, 0);
        o.exit_code = 128 + SIGKILL;
        o.exited_at = now_rfc3339();
    }
    end_process_group(pid);
    reap_ended_children();
    return o;
}

}  // namespace hvsup::guestinit
