// SPDX-License-Identifier: MIT
// The simulator's boot mode (script "guest": {"boot": true}, test/sim/README.md): instead of
// following a script, the emulated VM runs the image's own /sbin/microagent-init as PID 1 of new
// PID, mount and UTS namespaces, on the document's SCSI disks attached to loop devices. Linux
// and root only (boot_linux.cpp); elsewhere it is refused (boot_win.cpp).
#pragma once

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

namespace hvsup::sim::guest {

struct BootDisk {
    std::filesystem::path path;  // a fixed VHD: the payload, then a 512-byte footer
    bool read_only = false;
};

struct BootPlan {
    std::string vm_id;                // the runtime id the emulation files are kept under
    std::string cmdline;              // the document's kernel command line
    std::vector<BootDisk> disks;      // SCSI order: /dev/sda, /dev/sdb, ...
    std::filesystem::path emulation;  // HVSUP_HVSOCK_EMULATION_DIR
    std::string pipe_name;            // COM1: \\.\pipe\<pipe_name> ("" = none)
    std::filesystem::path state_dir;  // where the boot keeps its own files (the command line)
};

enum class BootEnd {
    powered_off,  // reboot(RB_POWER_OFF): PID 1 ended by SIGINT
    reset,        // reboot(RB_AUTOBOOT): PID 1 ended by SIGHUP
    crashed,      // the init exited or was killed: a kernel would panic
};

// Why the boot mode cannot run here ("" when it can): checked by the host's start, so an
// unusable mode fails the start with this message instead of a VM that never answers.
std::string boot_unavailable();

// Boots once and waits for the end; a shutdown request is passed to PID 1 as SIGTERM (and
// SIGKILL after 10 s). Throws std::runtime_error naming the step that failed.
BootEnd boot_image(const BootPlan& plan, const std::atomic<bool>& shutdown_requested);

}  // namespace hvsup::sim::guest
