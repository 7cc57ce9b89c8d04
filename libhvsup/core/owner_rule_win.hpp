// SPDX-License-Identifier: MIT
// The Windows counterpart of the POSIX owner rule for state and runtime directories
// (docs/security.md, "State directory trust"): a directory another account owns could hold a
// forged runtime.json that makes hvsup stop, signal or delete what it names. POSIX refuses a
// directory whose uid is not the caller's; Windows refuses one whose owner SID is neither the
// caller's user SID nor, for an elevated caller, BUILTIN\Administrators (the default owner of
// what an elevated administrator creates). Like the POSIX go-w rule, a directory whose DACL lets
// any other account add, delete or rename entries, or rewrite the DACL, is refused too.
// Include only from *_win.cpp files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace hvsup::files::owner_rule {

// BUILTIN\Administrators and LocalSystem.
inline constexpr const char* administrators_sid = "S-1-5-32-544";
inline constexpr const char* system_sid = "S-1-5-18";

// Rights on a directory that let their holder forge or swap what is in it: add a file or a
// subdirectory, delete children, delete or rename the directory, change its DACL or owner,
// and the generic rights that include them.
inline constexpr uint32_t write_rights = 0x0002 /*FILE_ADD_FILE*/ | 0x0004 /*FILE_ADD_SUBDIRECTORY*/ |
                                         0x0040 /*FILE_DELETE_CHILD*/ | 0x00010000 /*DELETE*/ |
                                         0x00040000 /*WRITE_DAC*/ | 0x00080000 /*WRITE_OWNER*/ |
                                         0x10000000 /*GENERIC_ALL*/ | 0x40000000 /*GENERIC_WRITE*/;

// One access-allowed entry of a directory's DACL that applies to the directory itself
// (inherit-only entries and deny entries are left out by the caller).
struct Grant {
    std::string sid;
    std::string name;  // DOMAIN\name, or empty
    uint32_t mask = 0;
};

// What the rule decides on, as string SIDs ("S-1-5-21-…"), so that the decision can be tested
// with any owner, including one Wine cannot put on a directory.
struct OwnerFacts {
    std::string owner_sid;        // the directory's owner
    std::string owner_name;       // DOMAIN\name of the owner, or empty when it has none
    std::string caller_sid;       // the caller's user SID (token user)
    bool caller_is_admin = false; // the caller's token has Administrators enabled (elevated)
};

// Throws Error(integrity) naming `kind` ("state directory", "runtime directory"), `path`,
// the owner and the fix when `facts` break the rule; returns otherwise.
void check(const std::string& kind, const std::string& path, const OwnerFacts& facts);

// Throws Error(integrity) naming the first grant of write_rights to an account other than the
// caller, SYSTEM and Administrators. `has_dacl` false: no DACL at all, which lets everyone in.
void check_writers(const std::string& kind, const std::string& path, const std::string& caller_sid, bool has_dacl,
                   const std::vector<Grant>& grants);

// Reads the owner and DACL of `dir` through a handle that does not follow a reparse point, and the
// caller's token, and applies check() and check_writers(). `dir` must exist.
void require_owned_by_caller(const std::filesystem::path& dir, const std::string& kind);

}  // namespace hvsup::files::owner_rule
