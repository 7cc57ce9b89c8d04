// SPDX-License-Identifier: MIT
// The emulated guest is a real process: hvsup-sim-guest, found next to the simulator library
// (or at HVSUP_SIM_GUEST), started in its own session so it outlives the process that
// started the compute system, as a VM outlives hvsup-cli.
#include "host.hpp"

#include "core/error.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>

extern char** environ;

namespace hvsup::sim {
namespace {

std::filesystem::path guest_executable()
{
    if (const char* explicit_path = std::getenv("HVSUP_SIM_GUEST");
        explicit_path != nullptr && *explicit_path != '\0') {
        return explicit_path;
    }
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(&spawn_guest), &info) == 0 || info.dli_fname == nullptr) {
        throw Error(ErrorCode::not_found, "cannot locate the simulator library to find hvsup-sim-guest");
    }
    return std::filesystem::path(info.dli_fname).parent_path() / "hvsup-sim-guest";
}

}  // namespace

int64_t spawn_guest(const std::filesystem::path& sim_dir, const std::string& id, const std::filesystem::path& log)
{
    const std::string exe = guest_executable().string();
    const std::string dir = sim_dir.string();
    std::vector<std::string> args{exe, "--sim-dir", dir, "--id", id};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    // Nothing else of the caller's (listening sockets, pipes to a test runner) may live on in
    // the "VM": a leaked listener would turn "connection refused" into a hang.
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    // The caller's thread may block or ignore SIGTERM (Go runtimes, sigwait loops); the guest
    // must still see a shutdown request. It starts with SIGTERM blocked and unblocks it once its
    // handler is installed (watch_shutdown): a shutdown request sent while it is still starting
    // (slow under ASan) stays pending instead of killing it, as a VM's power button pressed
    // during boot does not make the VM crash.
    sigset_t blocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGTERM);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigmask(&attr, &blocked);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, exe.c_str(), &actions, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) throw system_error(rc, "spawn " + exe);
    return pid;
}

bool guest_alive(int64_t pid)
{
    if (pid <= 0) return false;
    int status = 0;
    const pid_t r = waitpid(static_cast<pid_t>(pid), &status, WNOHANG);
    if (r == static_cast<pid_t>(pid)) return false;  // our child, now reaped
    if (r == 0) return true;                         // our child, still running
    // Not our child: look at /proc, treating a zombie or another program as gone.
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return false;
    const auto close = line.rfind(')');
    if (close == std::string::npos || close + 2 >= line.size()) return false;
    if (line[close + 2] == 'Z' || line[close + 2] == 'X') return false;
    const std::string comm = line.substr(line.find('(') + 1, close - line.find('(') - 1);
    return comm.rfind("hvsup-sim-gues", 0) == 0;
}

void signal_guest(int64_t pid, bool kill_it)
{
    if (pid > 0) ::kill(static_cast<pid_t>(pid), kill_it ? SIGKILL : SIGTERM);
}

}  // namespace hvsup::sim

namespace hvsup::sim {

void* host_alloc(size_t bytes)
{
    return std::malloc(bytes);
}

int64_t current_pid()
{
    return static_cast<int64_t>(::getpid());
}

bool keep_loaded()
{
    return false;
}

}  // namespace hvsup::sim
