// SPDX-License-Identifier: MIT
// `plan`: what a start/run request would make, computed without touching the host — the
// compute-system document, the kernel command line, the COM1 pipe, the HCN settings and the
// host listeners.
#pragma once

#include "core/json.hpp"

#include <string_view>

namespace hvsup::supervisor {

// Validates `request_json` as a full-config request (any full-config command; "run" when the
// command is empty) and returns the plan. `boot_mode` is the context's boot mode: "" / "auto"
// (the reference's kernel-direct document: plan asks no host), "kernel-direct" or
// "uefi-vmbfs". Throws Error(invalid_argument) with the validation message for a bad request
// or an unknown boot mode.
json::value plan(std::string_view request_json, std::string_view boot_mode = {});

}  // namespace hvsup::supervisor
