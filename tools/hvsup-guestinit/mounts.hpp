// SPDX-License-Identifier: MIT
// The file systems of a booted guest (PID 1 only; the test mode skips them): the kernel's
// pseudo file systems, the root made writable, and the data disks.
#pragma once

#include "kernel_cmdline.hpp"

#include <string>
#include <vector>

namespace hvsup::guestinit {

// proc, sysfs, devtmpfs (+ devpts), tmpfs /tmp and /run; remounts / read-write (the host asks
// for rw on the command line, but an fsck-less kernel may still have mounted it ro) and makes
// sure /dev/null exists. Returns the failures ("mount proc on /proc: ..."); the boot goes on
// after them, since the workload may not need what failed.
std::vector<std::string> mount_base();

// Waits (bounded) for each disk's device to appear (storvsc probes asynchronously), creates the
// mountpoint and mounts it as ext4: ro with MS_RDONLY and "noload" (no journal replay), rw
// plainly. Throws std::runtime_error on the first failure ("mount /dev/sdb on /config: ...").
void mount_disks(const std::vector<DataDisk>& disks);

}  // namespace hvsup::guestinit
