// SPDX-License-Identifier: MIT
// Host diagnostics (docs/protocol.md, "doctor"): what this host offers for windows-hyperv,
// as a response plus one line per check.
#pragma once

#include "protocol/types.hpp"
#include "supervisor/compute_host.hpp"
#include "supervisor/network_host.hpp"
#include "supervisor/runtime_services.hpp"

#include <string>
#include <vector>

namespace hvsup::supervisor {

struct DoctorOptions {
    std::string kernel_path;      // empty: default_kernel_path()
    std::string guest_init_path;  // empty: default_guest_init_path()
};

struct DoctorCheck {
    std::string name;
    bool ok = false;
    bool required = true;
    std::string detail;
};

struct DoctorReport {
    protocol::Response response;  // ok, backend, host, kernel, error (issues joined with "; ")
    std::vector<DoctorCheck> checks;
};

// The checks in the reference's order (host probe, HCS, virtualization, kernel, guest init,
// HCS access, HCN, Hyper-V sockets); required failures become `error` in that order.
DoctorReport run_doctor(ComputeHost& host, NetworkHost& network, RuntimeServices& services,
                        const DoctorOptions& options);

std::string doctor_json(const DoctorReport& report);  // pretty JSON + newline
std::string doctor_text(const DoctorReport& report);  // readable summary

// ~/.microagent/kernels/windows-hyperv/<arch>/Image
std::string default_kernel_path();
// Where a guest init is looked for when none is given, in this order: the reference's per-user
// ~/.microagent/libexec/microagent-guestinit-<arch>, then <libexecdir>/hvsup/hvsup-guestinit
// where `meson install` puts hvsup's own.
std::vector<std::string> default_guest_init_paths();
// The first of `candidates` that is a regular file; the first of all when none is (the one the
// doctor's message names, as the reference's does).
std::string first_present_guest_init(const std::vector<std::string>& candidates);
// first_present_guest_init(default_guest_init_paths())
std::string default_guest_init_path();

}  // namespace hvsup::supervisor
