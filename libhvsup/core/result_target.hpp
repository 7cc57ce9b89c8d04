// SPDX-License-Identifier: MIT
// The one rule for "does this vsock listener target name the runtime's result file". The request
// validation (protocol/validate.hpp) and the listeners (hvsock/listener_set.hpp, hvsock-listener)
// both ask it, so a target the request accepts as the result is the one the listeners serve as the
// result. It lives in core because protocol and hvsock are siblings that may not include each
// other (docs/architecture.md).
#pragma once

#include <string_view>

namespace hvsup::core {

// True when `target` names the file `result_path`, judged on the text alone (a request may be
// planned on Linux for a Windows host, and the file need not exist yet): both are trimmed of
// blanks, '\' and '/' are one separator, repeated separators and "." segments are dropped, and
// ".." removes the segment before it. A trailing separator names a folder, never the file.
// Empty text on either side is never a match.
bool is_result_target(std::string_view target, std::string_view result_path);

}  // namespace hvsup::core
