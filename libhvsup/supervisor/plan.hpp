// `plan`: what a start/run request would make, computed without touching the host — the
// compute-system document, the kernel command line, the COM1 pipe, the HCN settings and the
// host listeners.
#pragma once

#include "core/json.hpp"

#include <string_view>

namespace hvsup::supervisor {

// Validates `request_json` as a full-config request (any full-config command; "run" when the
// command is empty) and returns the plan. Throws Error(invalid_argument) with the validation
// message for a bad request.
json::value plan(std::string_view request_json);

}  // namespace hvsup::supervisor
