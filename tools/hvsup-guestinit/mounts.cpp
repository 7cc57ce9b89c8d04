// SPDX-License-Identifier: MIT
#include "mounts.hpp"

#include "console.hpp"

#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <thread>
#include <unistd.h>

namespace hvsup::guestinit {

namespace {

// mkdir -p (mode 0755 for what it creates).
int make_dirs(const std::string& path)
{
    for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
        const std::string prefix = path.substr(0, slash);
        if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) return errno;
        if (slash == std::string::npos) return 0;
    }
}

// Whether something is mounted at `path` already: it lies on another device than its parent.
// The kernel mounts devtmpfs itself with CONFIG_DEVTMPFS_MOUNT; the simulator's boot mode
// (test/sim/README.md) prepares /dev and /proc (with its own /proc/cmdline) before exec'ing the
// init. Either is kept rather than hidden under a second mount.
bool is_mount_point(const std::string& path)
{
    struct stat self {};
    struct stat parent {};
    if (::stat(path.c_str(), &self) != 0 || ::stat((path + "/..").c_str(), &parent) != 0) return false;
    return self.st_dev != parent.st_dev;
}

void mount_one(std::vector<std::string>& failures, const char* source, const char* target, const char* type,
               unsigned long flags, const char* data)
{
    make_dirs(target);
    if (is_mount_point(target)) return;
    if (::mount(source, target, type, flags, data) == 0) return;
    // The kernel mounts devtmpfs itself with CONFIG_DEVTMPFS_MOUNT: already there is fine.
    if (errno == EBUSY) return;
    failures.push_back(std::string("mount ") + type + " on " + target + ": " + error_text(errno));
}

}  // namespace

std::vector<std::string> mount_base()
{
    std::vector<std::string> failures;
    if (::mount(nullptr, "/", nullptr, MS_REMOUNT, nullptr) != 0) {
        failures.push_back("remount / read-write: " + error_text(errno));
    }
    constexpr unsigned long hardened = MS_NOSUID | MS_NODEV | MS_NOEXEC;
    mount_one(failures, "proc", "/proc", "proc", hardened, nullptr);
    mount_one(failures, "sysfs", "/sys", "sysfs", hardened, nullptr);
    mount_one(failures, "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
    mount_one(failures, "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "gid=5,mode=0620,ptmxmode=0666");
    mount_one(failures, "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
    mount_one(failures, "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
    struct stat st {};
    if (::stat("/dev/null", &st) != 0 && ::mknod("/dev/null", S_IFCHR | 0666, makedev(1, 3)) != 0) {
        failures.push_back("create /dev/null: " + error_text(errno));
    }
    return failures;
}

void mount_disks(const std::vector<DataDisk>& disks)
{
    for (const auto& d : disks) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        struct stat st {};
        while (::stat(d.device.c_str(), &st) != 0) {
            if (std::chrono::steady_clock::now() >= deadline) {
                throw std::runtime_error("mount " + d.device + " on " + d.mountpoint +
                                         ": the device did not appear within 10 s");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        if (const int err = make_dirs(d.mountpoint); err != 0) {
            throw std::runtime_error("create mountpoint " + d.mountpoint + ": " + error_text(err));
        }
        const unsigned long flags = d.read_only ? MS_RDONLY : 0;
        if (::mount(d.device.c_str(), d.mountpoint.c_str(), "ext4", flags, d.read_only ? "noload" : nullptr) != 0) {
            throw std::runtime_error("mount " + d.device + " on " + d.mountpoint + " (" + (d.read_only ? "ro" : "rw") +
                                     "): " + error_text(errno));
        }
    }
}

}  // namespace hvsup::guestinit
