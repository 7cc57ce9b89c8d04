// SPDX-License-Identifier: MIT
#include "shell_service.hpp"

#include "console.hpp"

#include <cerrno>
#include <csignal>
#include <poll.h>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace hvsup::guestinit {

namespace {

// The shell must not inherit the init's blocked signals (the mask survives exec): a shell that
// cannot get SIGCHLD or SIGINT misbehaves in ways that look like the guest's fault.
[[noreturn]] void exec_shell(int connection, const std::string& shell, const std::vector<std::string>& env)
{
    for (int fd = 0; fd < 3; ++fd) ::dup2(connection, fd);
    if (connection > 2) ::close(connection);
    for (const int s : {SIGCHLD, SIGPIPE, SIGTERM, SIGINT, SIGUSR1, SIGUSR2}) ::signal(s, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (::chdir("/") != 0) ::_exit(127);
    std::vector<char*> envp;
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    char* argv[] = {const_cast<char*>(shell.c_str()), nullptr};
    ::execve(shell.c_str(), argv, envp.data());
    const std::string why = "hvsup-guestinit: exec " + shell + ": " + error_text(errno) + "\n";
    write_fully(2, why);
    ::_exit(127);
}

[[noreturn]] void serve(int listener, const std::string& shell, const std::vector<std::string>& env)
{
    // Should the init itself die (the test mode, killed), the shells must not outlive it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::signal(SIGTERM, SIG_DFL);
    // SIGCHLD stays blocked (as the init left it) and is taken from a signalfd: each ended
    // shell is collected here, its parent.
    sigset_t child;
    sigemptyset(&child);
    sigaddset(&child, SIGCHLD);
    ::sigprocmask(SIG_BLOCK, &child, nullptr);
    const int child_fd = ::signalfd(-1, &child, SFD_CLOEXEC | SFD_NONBLOCK);
    pollfd fds[2] = {{listener, POLLIN, 0}, {child_fd, POLLIN, 0}};
    for (;;) {
        if (::poll(fds, child_fd >= 0 ? 2 : 1, child_fd >= 0 ? -1 : 1000) < 0 && errno != EINTR) ::_exit(1);
        signalfd_siginfo info{};
        while (child_fd >= 0 && ::read(child_fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        }
        int status = 0;
        while (::waitpid(-1, &status, WNOHANG) > 0) {
        }
        // A listener in error would wake the loop forever: without it there is nothing to serve.
        if ((fds[0].revents & (POLLERR | POLLNVAL)) != 0) ::_exit(1);
        if ((fds[0].revents & POLLIN) == 0) continue;
        const int connection = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (connection < 0) continue;
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::close(listener);
            if (child_fd >= 0) ::close(child_fd);
            exec_shell(connection, shell, env);
        }
        if (pid < 0) say("shell port: fork: " + error_text(errno));
        ::close(connection);
    }
}

}  // namespace

ShellService::ShellService(VsockTransport& transport, uint16_t port, std::string shell, std::vector<std::string> env)
    : transport_(transport), port_(port)
{
    std::string why;
    const int listener = transport_.listen_guest(port, why);
    if (listener < 0) {
        transport_.unpublish(port);
        throw std::runtime_error("listen vsock port " + std::to_string(port) + " for the shell: " + why);
    }
    server_ = ::fork();
    if (server_ == 0) {
        ::setpgid(0, 0);
        serve(listener, shell, env);
    }
    const int err = errno;
    ::close(listener);
    if (server_ < 0) {
        stop();
        throw std::runtime_error("start the shell service: fork: " + error_text(err));
    }
    // Also from here: the group must exist before stop() signals it, whichever runs first.
    ::setpgid(server_, server_);
    say("shell: vsock port " + std::to_string(port) + " -> " + shell);
}

ShellService::~ShellService()
{
    stop();
}

void ShellService::stop() noexcept
{
    if (server_ > 0) {
        ::kill(-server_, SIGKILL);
        int status = 0;
        ::waitpid(server_, &status, 0);
        server_ = -1;
    }
    transport_.unpublish(port_);
}

}  // namespace hvsup::guestinit
