// SPDX-License-Identifier: MIT
// The console: as PID 1 the kernel gives the init /dev/console (COM1 on Hyper-V with
// console=ttyS0) as descriptors 0-2; in the test mode they are whatever the caller passed.
// The init's own messages go to descriptor 2 with a prefix; the workload's output is copied
// through unchanged (stdout to 1, stderr to 2).
#pragma once

#include <string>
#include <string_view>

namespace hvsup::guestinit {

// "hvsup-guestinit: <message>\n" on descriptor 2, in one write.
void say(std::string_view message) noexcept;

// Writes all of `data` to `fd`, retrying short writes and EINTR; gives up silently on other
// errors (a console that went away must not stop the workload or the result).
void write_fully(int fd, std::string_view data) noexcept;

// Opens /dev/console on whichever of descriptors 0-2 is closed: the kernel starts init without
// them when the root file system has no /dev/console; otherwise a pipe could land on 1 or 2.
// For PID 1 after /dev is mounted. Returns false when the console cannot be opened.
bool attach_console() noexcept;

// strerror(err) without the locale machinery of a static binary.
std::string error_text(int err);

}  // namespace hvsup::guestinit
