// SPDX-License-Identifier: MIT
// The boot mode on Linux (boot.hpp): the image's own init as PID 1 of new PID, mount and UTS
// namespaces, and of a new network namespace when the document gives the guest a NIC (its
// microagent_net_* keys): the NIC is one end of a veth pair whose other end is the gateway, in
// a namespace of its own (guest/virtual_switch.hpp). The Hyper-V socket emulation the init talks
// to is loopback TCP of the simulator's namespace, which the init is told to make its sockets in
// (microagent_vsock_emulation_netns), as AF_VSOCK belongs to no network namespace. What it
// verifies is the init against the real image and the host's services; there is no guest
// kernel (docs/guest.md).
#include "guest/boot.hpp"

#include "core/files.hpp"
#include "guest/net.hpp"
#include "guest/run_program.hpp"
#include "guest/virtual_switch.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <linux/loop.h>
#include <optional>
#include <sched.h>
#include <stdexcept>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace hvsup::sim::guest {
namespace {

constexpr off_t vhd_footer = 512;
// Where the emulation directory appears inside the guest. Not its host path: that is often under
// /tmp, which the init covers with a tmpfs.
constexpr const char* guest_emulation_dir = "/.hvsup-sim-hvsock";
// Where the simulator's network namespace is bound inside a guest that has its own.
constexpr const char* guest_emulation_netns = "/.hvsup-sim-netns";

std::runtime_error failure(const std::string& what, int err)
{
    return std::runtime_error(what + ": " + std::strerror(err));
}

// An open file descriptor, closed on scope exit.
struct Fd {
    int fd = -1;
    explicit Fd(int f = -1) : fd(f) {}
    Fd(Fd&& o) noexcept : fd(o.fd) { o.fd = -1; }
    Fd& operator=(Fd&&) = delete;
    ~Fd()
    {
        if (fd >= 0) ::close(fd);
    }
};

// A VHD's payload on a loop device. Autoclear: the kernel detaches it once this descriptor is
// closed and the guest's mount of it is gone (with the mount namespace), also when the
// simulator is killed.
struct Loop {
    Fd fd;
    int number = -1;
    std::string device() const { return "/dev/loop" + std::to_string(number); }
};

Loop attach_loop(const BootDisk& disk)
{
    const std::string path = disk.path.string();
    Fd file(::open(path.c_str(), (disk.read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC));
    if (file.fd < 0) throw failure("open disk " + path, errno);
    struct stat st {};
    if (::fstat(file.fd, &st) != 0) throw failure("stat disk " + path, errno);
    if (st.st_size <= vhd_footer) throw std::runtime_error("disk " + path + " is not a fixed VHD (too small)");
    Fd control(::open("/dev/loop-control", O_RDWR | O_CLOEXEC));
    if (control.fd < 0) throw failure("open /dev/loop-control", errno);
    // Another process may take the free device between the two calls: try again.
    for (int attempt = 0; attempt < 20; ++attempt) {
        const int n = ::ioctl(control.fd, LOOP_CTL_GET_FREE);
        if (n < 0) throw failure("find a free loop device", errno);
        Loop loop;
        loop.number = n;
        const std::string dev = loop.device();
        struct stat node {};
        if (::stat(dev.c_str(), &node) != 0 && ::mknod(dev.c_str(), S_IFBLK | 0660, makedev(7, n)) != 0) {
            throw failure("create " + dev, errno);
        }
        loop.fd.fd = ::open(dev.c_str(), O_RDWR | O_CLOEXEC);
        if (loop.fd.fd < 0) throw failure("open " + dev, errno);
        loop_config config{};
        config.fd = static_cast<uint32_t>(file.fd);
        config.info.lo_sizelimit = static_cast<uint64_t>(st.st_size - vhd_footer);
        config.info.lo_flags = LO_FLAGS_AUTOCLEAR | (disk.read_only ? LO_FLAGS_READ_ONLY : 0);
        std::snprintf(reinterpret_cast<char*>(config.info.lo_file_name), LO_NAME_SIZE, "%s", path.c_str());
        if (::ioctl(loop.fd.fd, LOOP_CONFIGURE, &config) == 0) return loop;
        if (errno != EBUSY) throw failure("attach " + path + " to " + dev, errno);
    }
    throw std::runtime_error("attach " + path + ": no free loop device after 20 attempts");
}

// Writes `text` to a /proc file in one write (a user namespace's maps take only that).
void write_proc_file(const std::string& path, const std::string& text)
{
    const Fd file(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (file.fd < 0) throw failure("open " + path, errno);
    if (::write(file.fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) throw failure("write " + path, errno);
}

// The value of `key=` on the command line ("" when absent).
std::string cmdline_value(const std::string& cmdline, const std::string& key)
{
    size_t at = 0;
    while ((at = cmdline.find(key + "=", at)) != std::string::npos) {
        if (at == 0 || cmdline[at - 1] == ' ') {
            const size_t begin = at + key.size() + 1;
            return cmdline.substr(begin, cmdline.find(' ', begin) - begin);
        }
        at += key.size();
    }
    return {};
}

// The NIC the command line configures: all three microagent_net_* keys, or none.
std::optional<GuestNic> guest_nic(const std::string& cmdline)
{
    GuestNic nic{cmdline_value(cmdline, "microagent_net_if"), cmdline_value(cmdline, "microagent_net_ip"),
                 cmdline_value(cmdline, "microagent_net_gw")};
    if (nic.name.empty() || nic.address_cidr.empty() || nic.gateway.empty()) return std::nullopt;
    return nic;
}

// The command line the init sees: the document's, plus the keys of the emulation transport.
// A guest with a network namespace of its own (`own_network`) keeps the static NIC keys and is
// told to make the emulation's sockets in the simulator's namespace; one that shares the
// simulator's loses them (configuring "eth0" there would reconfigure the host). `ip=` goes in
// both cases: the simulator has no DHCP server to answer it.
std::string guest_cmdline(const std::string& document_cmdline, const std::string& emulation, const std::string& vm,
                          bool own_network)
{
    std::string out;
    size_t begin = 0;
    while (begin < document_cmdline.size()) {
        const size_t end = std::min(document_cmdline.find(' ', begin), document_cmdline.size());
        const std::string word = document_cmdline.substr(begin, end - begin);
        const bool keep = word.rfind("ip=", 0) != 0 && (own_network || word.rfind("microagent_net_", 0) != 0);
        if (!word.empty() && keep) out += (out.empty() ? "" : " ") + word;
        begin = end + 1;
    }
    out += " microagent_vsock_emulation_dir=" + emulation + " microagent_vm_id=" + vm;
    if (own_network) out += std::string(" microagent_vsock_emulation_netns=") + guest_emulation_netns;
    return out;
}

// Everything the child needs, prepared before clone(): it only makes system calls.
struct ChildPlan {
    std::string root;                                        // the mountpoint of the root disk
    std::string root_device;                                 // its loop device
    std::vector<std::pair<std::string, dev_t>> block_nodes;  // /dev/sda -> loop device
    std::string cmdline_file;                                // bound over /proc/cmdline
    std::string emulation;                                   // bound at guest_emulation_dir inside
    std::string host_netns;  // the simulator's network namespace, bound at guest_emulation_netns ("" = shared)
    int serial = -1;                                         // stdout and stderr of the init (-1: /dev/null)
    int report = -1;                                         // close-on-exec pipe: the failed step's text
    // Without root: `root` is the root disk's tree as debugfs read it, the child is in a new user
    // namespace too and waits on `maps` (a pipe) until its uid/gid maps are written.
    bool unprivileged = false;
    int maps = -1;
};

// Where the command line file is inside a root the simulator extracted (passed with
// --cmdline-file: a user namespace may not mount over /proc/cmdline).
constexpr const char* guest_cmdline_file = "/.hvsup-sim-cmdline";

[[noreturn]] void child_fail(const ChildPlan& p, const std::string& step)
{
    const std::string text = step + ": " + std::strerror(errno);
    if (::write(p.report, text.data(), text.size()) < 0) {
    }
    ::_exit(127);
}

int child_main(void* arg)
{
    const ChildPlan& p = *static_cast<const ChildPlan*>(arg);
    // A terminate of the compute system kills the simulator: the whole namespace goes with it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (p.unprivileged) {
        char go = 0;
        if (::read(p.maps, &go, 1) != 1) child_fail(p, "wait for the user namespace's uid/gid maps");
    }
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) child_fail(p, "make / rprivate");
    if (!p.unprivileged && ::mount(p.root_device.c_str(), p.root.c_str(), "ext4", 0, nullptr) != 0)
        child_fail(p, "mount the root disk " + p.root_device);
    for (const char* dir : {"/dev", "/proc", "/sbin"}) ::mkdir((p.root + dir).c_str(), 0755);
    const std::string dev = p.root + "/dev";
    if (::mount("tmpfs", dev.c_str(), "tmpfs", MS_NOSUID, "mode=0755") != 0) child_fail(p, "mount tmpfs on /dev");
    for (const auto& [name, number] : p.block_nodes) {
        if (::mknod((p.root + name).c_str(), S_IFBLK | 0660, number) != 0) child_fail(p, "create " + name);
    }
    // The character devices a workload expects; no /dev/console (it would be the host's).
    const std::pair<const char*, dev_t> chars[] = {{"/dev/null", makedev(1, 3)},    {"/dev/zero", makedev(1, 5)},
                                                   {"/dev/full", makedev(1, 7)},    {"/dev/random", makedev(1, 8)},
                                                   {"/dev/urandom", makedev(1, 9)}, {"/dev/tty", makedev(5, 0)}};
    for (const auto& [name, number] : chars) {
        const std::string node = p.root + name;
        if (!p.unprivileged) {
            if (::mknod(node.c_str(), S_IFCHR | 0666, number) != 0) child_fail(p, std::string("create ") + name);
            continue;
        }
        // A user namespace may not make device nodes: the host's are bound over empty files.
        const int file = ::open(node.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
        if (file < 0) child_fail(p, std::string("create ") + name);
        ::close(file);
        if (::mount(name, node.c_str(), nullptr, MS_BIND, nullptr) != 0) child_fail(p, std::string("bind ") + name);
    }
    const std::string proc = p.root + "/proc";
    if (::mount("proc", proc.c_str(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
        child_fail(p, "mount /proc");
    if (!p.unprivileged && ::mount(p.cmdline_file.c_str(), (proc + "/cmdline").c_str(), nullptr, MS_BIND, nullptr) != 0)
        child_fail(p, "bind the kernel command line over /proc/cmdline");
    const std::string emulation = p.root + guest_emulation_dir;
    ::mkdir(emulation.c_str(), 0700);
    if (::mount(p.emulation.c_str(), emulation.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
        child_fail(p, "bind the emulation directory " + p.emulation);
    if (!p.host_netns.empty()) {
        const std::string netns = p.root + guest_emulation_netns;
        const int file = ::open(netns.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        if (file < 0) child_fail(p, "create " + netns);
        ::close(file);
        if (::mount(p.host_netns.c_str(), netns.c_str(), nullptr, MS_BIND, nullptr) != 0)
            child_fail(p, "bind the simulator's network namespace " + p.host_netns);
    }
    if (::chdir(p.root.c_str()) != 0 || ::chroot(".") != 0 || ::chdir("/") != 0) child_fail(p, "chroot");
    const int null_fd = ::open("/dev/null", O_RDWR);
    if (null_fd < 0) child_fail(p, "open /dev/null");
    const int out = p.serial >= 0 ? p.serial : null_fd;
    ::fcntl(out, F_SETFL, ::fcntl(out, F_GETFL) & ~O_NONBLOCK);
    if (::dup2(null_fd, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0) child_fail(p, "wire the console");
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    char init[] = "/sbin/microagent-init";
    char option[] = "--cmdline-file";
    std::string file = guest_cmdline_file;
    char* argv_privileged[] = {init, nullptr};
    char* argv_unprivileged[] = {init, option, file.data(), nullptr};
    char home[] = "HOME=/";
    char term[] = "TERM=linux";
    char* envp[] = {home, term, nullptr};
    ::execve(init, p.unprivileged ? argv_unprivileged : argv_privileged, envp);
    child_fail(p, "exec /sbin/microagent-init");
}

}  // namespace

BootEnd boot_image(const BootPlan& plan, const std::atomic<bool>& shutdown_requested)
{
    if (const std::string why = boot_unavailable(); !why.empty()) throw std::runtime_error(why);
    if (plan.disks.empty()) throw std::runtime_error("the document attaches no SCSI disk to boot from");
    if (plan.emulation.empty()) throw std::runtime_error("HVSUP_HVSOCK_EMULATION_DIR is not set");
    const std::string emulation = fs::absolute(plan.emulation).lexically_normal().string();
    if (plan.disks.size() > 26) throw std::runtime_error("more than 26 SCSI disks");
    const std::string root_name = cmdline_value(plan.cmdline, "root");
    if (root_name.size() != 8 || root_name.rfind("/dev/sd", 0) != 0 ||
        static_cast<size_t>(root_name[7] - 'a') >= plan.disks.size()) {
        throw std::runtime_error("root=" + root_name + " on the kernel command line is not one of the " +
                                 std::to_string(plan.disks.size()) + " SCSI disks (/dev/sda...)");
    }

    std::shared_ptr<tcp::socket> serial;
    if (!plan.pipe_name.empty()) {
        serial = connect_via(plan.emulation / "pipes" / (plan.pipe_name + ".port"), 2000ms);
        if (!serial) std::fprintf(stderr, "guest: serial pipe %s is not served\n", plan.pipe_name.c_str());
    }
    // A boot that fails before the init runs says why on COM1 too.
    const auto refuse = [&](const std::string& why) {
        if (serial) write_all(*serial, "hvsup-sim-guest: boot failed: " + why + "\n");
        return std::runtime_error("boot: " + why);
    };
    // Without root there are no loop devices: the root disk's tree is read out with debugfs, and
    // the init runs in a user namespace too (boot_available_posix.cpp checks both can be had).
    const bool unprivileged = ::geteuid() != 0;
    const size_t root_index = static_cast<size_t>(root_name[7] - 'a');
    if (unprivileged && plan.disks.size() > 1) {
        throw refuse("the boot mode without root reads the root disk with debugfs and has no block devices: data "
                     "disks need root (loop devices)");
    }
    std::vector<Loop> loops;
    ChildPlan child;
    child.unprivileged = unprivileged;
    if (!unprivileged) {
        for (size_t i = 0; i < plan.disks.size(); ++i) {
            loops.push_back(attach_loop(plan.disks[i]));
            child.block_nodes.emplace_back("/dev/sd" + std::string(1, static_cast<char>('a' + i)),
                                           makedev(7, loops.back().number));
        }
        child.root_device = loops[root_index].device();
    }

    // The boot's own files: the command line the init reads, and the root's mountpoint (seen
    // only inside the child's mount namespace) or, without root, the tree read from the disk.
    hvsup::files::ensure_private_dir(plan.state_dir);
    const fs::path root = plan.state_dir / (unprivileged ? "tree" : "root");
    if (unprivileged) fs::remove_all(root);  // an earlier boot's copy
    fs::create_directories(root);
    child.root = root.string();
    struct RemoveCopy {
        fs::path tree;
        ~RemoveCopy()
        {
            std::error_code ignored;
            if (!tree.empty()) fs::remove_all(tree, ignored);
        }
    } remove_copy{unprivileged ? root : fs::path()};
    if (unprivileged) {
        // Its writes stay in this copy: the VHD is not changed (docs: test/sim/README.md).
        const std::string failed =
            // Quoted for debugfs's request parser: the state directory may hold spaces.
            run_program({"debugfs", "-R", "rdump / \"" + root.string() + "\"", plan.disks[root_index].path.string()},
                        "the boot mode without root reads the image with debugfs (e2fsprogs)");
        if (!failed.empty()) throw refuse("read the root disk: " + failed);
    }
    const fs::path cmdline_file = plan.state_dir / "cmdline";
    // As root every guest has a network namespace of its own: only `lo`, and the NIC the
    // document gives it (NAT), wired to a virtual switch. Without root the guest shares the
    // simulator's: its emulation sockets could not be made in the simulator's namespace from
    // a user namespace, and a veth needs root.
    const bool own_network = !unprivileged;
    const std::optional<GuestNic> nic = own_network ? guest_nic(plan.cmdline) : std::nullopt;
    if (own_network) child.host_netns = "/proc/" + std::to_string(::getpid()) + "/ns/net";
    const std::string cmdline = guest_cmdline(plan.cmdline, guest_emulation_dir, plan.vm_id, own_network);
    hvsup::files::write_atomic(cmdline_file, cmdline + "\n");
    if (unprivileged) hvsup::files::write_atomic(root / fs::path(guest_cmdline_file).relative_path(), cmdline + "\n");
    child.cmdline_file = cmdline_file.string();
    child.emulation = emulation;
    if (serial) {
        write_all(*serial, "hvsup-sim-guest: booting the image for real (namespaces, no guest kernel)\n");
        write_all(*serial, "Kernel command line: " + plan.cmdline + "\n");
        write_all(*serial, "hvsup-sim-guest: the init reads: " + cmdline + "\n");
        child.serial = serial->native_handle();
    }

    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) throw failure("pipe", errno);
    Fd report_r(report[0]);
    Fd report_w(report[1]);
    child.report = report[1];
    int maps[2];
    if (::pipe2(maps, O_CLOEXEC) != 0) throw failure("pipe", errno);
    Fd maps_r(maps[0]);
    Fd maps_w(maps[1]);
    child.maps = maps[0];

    constexpr size_t stack_size = 1u << 20;
    std::vector<char> stack(stack_size);
    const int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | (own_network ? CLONE_NEWNET : 0) |
                      (unprivileged ? CLONE_NEWUSER : 0) | SIGCHLD;
    const pid_t pid = ::clone(child_main, stack.data() + stack.size(), flags, &child);
    if (pid < 0) throw failure("clone the guest's namespaces", errno);
    if (unprivileged) {
        // The guest's root is this user: uid and gid 0 inside map to ours, nothing else.
        const std::string at = "/proc/" + std::to_string(pid) + "/";
        try {
            write_proc_file(at + "setgroups", "deny");
            write_proc_file(at + "uid_map", "0 " + std::to_string(::getuid()) + " 1");
            write_proc_file(at + "gid_map", "0 " + std::to_string(::getgid()) + " 1");
        } catch (...) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
            throw;
        }
        if (::write(maps_w.fd, "1", 1) != 1) {
            const int err = errno;
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
            throw failure("start the guest", err);
        }
    }
    ::close(maps_w.fd);
    maps_w.fd = -1;
    ::close(report_w.fd);
    report_w.fd = -1;
    std::string failed;
    char buf[512];
    for (ssize_t n; (n = ::read(report_r.fd, buf, sizeof buf)) > 0;) failed.append(buf, static_cast<size_t>(n));
    if (!failed.empty()) {
        ::waitpid(pid, nullptr, 0);
        if (serial) write_all(*serial, "hvsup-sim-guest: boot failed: " + failed + "\n");
        throw std::runtime_error("boot: " + failed);
    }
    std::fprintf(stderr, "guest: /sbin/microagent-init runs as PID 1 (host pid %d)\n", static_cast<int>(pid));
    // The NIC appears after the init started, as a NIC's driver may; the init waits for it.
    std::optional<VirtualSwitch> network;
    if (nic) {
        try {
            network.emplace(pid, *nic);
        } catch (const std::exception& e) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
            if (serial) write_all(*serial, std::string("hvsup-sim-guest: boot failed: the guest's NIC: ") + e.what() + "\n");
            throw std::runtime_error(std::string("boot: the guest's NIC: ") + e.what());
        }
        if (serial) {
            write_all(*serial, "hvsup-sim-guest: " + nic->name + " (" + nic->address_cidr + ") wired to the gateway " +
                                   nic->gateway + " (" + VirtualSwitch::host_end + ", the virtual switch's namespace)\n");
        }
    }

    bool asked = false;
    auto kill_at = std::chrono::steady_clock::time_point::max();
    int status = 0;
    for (;;) {
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) throw failure("wait for the guest init", errno);
        // A shutdown request is the init's SIGTERM (it ends the workload and powers off); one
        // that is not answered in 10 s is pulling the plug.
        if (shutdown_requested && !asked) {
            asked = true;
            ::kill(pid, SIGTERM);
            kill_at = std::chrono::steady_clock::now() + 10s;
        }
        if (std::chrono::steady_clock::now() >= kill_at) ::kill(pid, SIGKILL);
        std::this_thread::sleep_for(10ms);
    }
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGINT) return BootEnd::powered_off;
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGHUP) return BootEnd::reset;
    const std::string how = WIFEXITED(status) ? "exited with " + std::to_string(WEXITSTATUS(status))
                                              : "was killed by signal " + std::to_string(WTERMSIG(status));
    if (serial) write_all(*serial, "Kernel panic - not syncing: Attempted to kill init! (the init " + how + ")\n");
    std::fprintf(stderr, "guest: the init %s\n", how.c_str());
    return BootEnd::crashed;
}

}  // namespace hvsup::sim::guest
