// SPDX-License-Identifier: MIT
// The end of a run: PID 1 powers the VM off (HCS sees the exit) instead of returning.
#pragma once

namespace hvsup::guestinit {

// sync, 250 ms for the console and the last vsock bytes, reboot(RB_POWER_OFF), else
// RB_AUTOBOOT (StopOnReset turns a reset into an exit too). If both fail it returns: the caller
// (PID 1) then exits, which panics the kernel, and panic=-1 on the host's command line resets.
void power_off() noexcept;

}  // namespace hvsup::guestinit
