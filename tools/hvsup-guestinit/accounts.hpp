// SPDX-License-Identifier: MIT
// Who the workload runs as. The init is linked statically, so it reads /etc/passwd itself
// rather than going through glibc's NSS (getpwnam would load shared modules at run time).
#pragma once

#include "run_config.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace hvsup::guestinit {

struct Identity {
    uint32_t uid = 0;
    uint32_t gid = 0;
    std::string home = "/";  // HOME of the workload; /root for root
    std::string name;        // USER/LOGNAME; empty for a bare numeric id
};

// Resolves run.json user/uid/gid against `passwd_text` (the contents of /etc/passwd; empty
// when the image has none). No user at all is root. "NAME" must be in the file; "UID" takes the
// primary group from the file when listed, else GID = UID; "UID:GID" is used as is. Explicit
// uid/gid override. Throws ConfigError ("run.json user \"x\" is not in /etc/passwd").
Identity resolve_identity(const RunConfig& run, std::string_view passwd_text);

}  // namespace hvsup::guestinit
