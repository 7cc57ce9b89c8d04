// SPDX-License-Identifier: MIT
// The Windows owner rule for state and runtime directories (core/owner_rule_win.hpp): the
// decision on any owner SID, and the rule applied to real directories.
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/owner_rule_win.hpp"
#include "support.hpp"
#include "unix_side.hpp"

#include <catch2/catch.hpp>

#include <aclapi.h>
#include <sddl.h>

#include <vector>

using namespace hvsup;
using hvsup::wintest::TempDir;
namespace owner_rule = hvsup::files::owner_rule;

namespace {

constexpr const char* me = "S-1-5-21-1-2-3-1001";
constexpr const char* someone_else = "S-1-5-21-1-2-3-1002";

owner_rule::OwnerFacts facts(const std::string& owner, bool admin, const std::string& name = {})
{
    return owner_rule::OwnerFacts{owner, name, me, admin};
}

}  // namespace

TEST_CASE("owner rule: the caller's own directory is accepted, another account's is refused with the fix",
          "[files][trust][owner]")
{
    CHECK_NOTHROW(owner_rule::check("state directory", "C:\\state", facts(me, false)));
    CHECK_NOTHROW(owner_rule::check("state directory", "C:\\state", facts(me, true)));
    try {
        owner_rule::check("runtime directory", "C:\\state\\agent-1", facts(someone_else, true, "HOST\\mallory"));
        FAIL("a directory owned by another account was accepted");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::integrity);
        CHECK(std::string(e.what()) ==
              "runtime directory C:\\state\\agent-1 is owned by HOST\\mallory (S-1-5-21-1-2-3-1002), not by the "
              "caller (S-1-5-21-1-2-3-1001 or Administrators): its owner could forge the state hvsup acts on; use a "
              "directory you own (take ownership with icacls \"C:\\state\\agent-1\" /setowner <your account>, or "
              "choose another stateDir)");
    }
}

TEST_CASE("owner rule: Administrators as owner counts only for an elevated caller", "[files][trust][owner]")
{
    CHECK_NOTHROW(owner_rule::check("state directory", "C:\\state", facts(owner_rule::administrators_sid, true)));
    try {
        owner_rule::check("state directory", "C:\\state", facts(owner_rule::administrators_sid, false));
        FAIL("an Administrators-owned directory was accepted for a caller who is not elevated");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::integrity);
        CHECK_THAT(e.what(), Catch::StartsWith("state directory C:\\state is owned by S-1-5-32-544, not by the caller "
                                               "(S-1-5-21-1-2-3-1001): "));
    }
}

TEST_CASE("owner rule: a directory the caller made is trusted; one another account owns is refused by name",
          "[files][trust][owner]")
{
    TempDir tmp;
    const auto state = tmp.path() / "state";
    files::ensure_private_dir(state / "agent-1");
    CHECK_NOTHROW(files::require_trusted_dir(state, files::DirTrust::state_dir));
    CHECK_NOTHROW(files::require_trusted_dir(state / "agent-1", files::DirTrust::runtime_dir));

    // A foreign owner: under Wine a Unix chown (Wine reports a uid other than its own as
    // another SID); on Windows setting another account as owner needs SeRestorePrivilege,
    // which a test run does not have.
    const auto unix_dir = wintest::unix_path(state / "agent-1");
    if (!wintest::is_wine() || !unix_dir) {
        WARN("cannot give a directory a foreign owner here; only the decision itself is tested");
        return;
    }
    REQUIRE(wintest::start_unix_tool("chown", {"12345", *unix_dir}));
    const bool refused = wintest::wait_until([&] {
        try {
            files::require_trusted_dir(state / "agent-1", files::DirTrust::runtime_dir);
            return false;
        } catch (const Error&) {
            return true;
        }
    });
    REQUIRE(refused);
    try {
        files::require_trusted_dir(state / "agent-1", files::DirTrust::runtime_dir);
        FAIL("a runtime directory owned by another account was trusted");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::integrity);
        CHECK_THAT(e.what(), Catch::StartsWith("runtime directory " + files::to_utf8(state / "agent-1") + " is owned by "));
        CHECK_THAT(e.what(), Catch::Contains("use a directory you own"));
    }
    CHECK_NOTHROW(files::require_trusted_dir(state, files::DirTrust::state_dir));
}

TEST_CASE("owner rule: a DACL that lets another account write is refused; read access is fine",
          "[files][trust][owner]")
{
    using owner_rule::Grant;
    const std::vector<Grant> private_dacl{{me, "", 0x1f01ff}, {owner_rule::system_sid, "", 0x1f01ff},
                                          {owner_rule::administrators_sid, "", 0x1f01ff}};
    CHECK_NOTHROW(owner_rule::check_writers("state directory", "C:\\state", me, true, private_dacl));
    // Everyone: read and traverse only (what Wine shows for mode 0755).
    std::vector<Grant> readable = private_dacl;
    readable.push_back({"S-1-1-0", "\\Everyone", 0x1200a9});
    CHECK_NOTHROW(owner_rule::check_writers("state directory", "C:\\state", me, true, readable));
    for (const uint32_t right : {0x2u, 0x4u, 0x40u, 0x10000u, 0x40000u, 0x80000u, 0x10000000u, 0x40000000u}) {
        std::vector<Grant> writable = private_dacl;
        writable.push_back({"S-1-5-11", "NT AUTHORITY\\Authenticated Users", 0x1200a9 | right});
        try {
            owner_rule::check_writers("state directory", "C:\\state", me, true, writable);
            FAIL("a DACL granting 0x" << std::hex << right << " to others was accepted");
        } catch (const Error& e) {
            CHECK(e.code() == ErrorCode::integrity);
            CHECK_THAT(e.what(), Catch::StartsWith("state directory C:\\state is writable by NT AUTHORITY\\Authenticated "
                                                   "Users (S-1-5-11) (access mask 0x"));
            CHECK_THAT(e.what(), Catch::Contains("icacls \"C:\\state\" /remove:g \"NT AUTHORITY\\Authenticated Users\""));
        }
    }
    try {
        owner_rule::check_writers("runtime directory", "C:\\state\\agent-1", me, false, {});
        FAIL("a directory without a DACL was accepted");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::integrity);
        CHECK_THAT(e.what(), Catch::StartsWith("runtime directory C:\\state\\agent-1 has no DACL"));
    }
}

TEST_CASE("owner rule: a directory others may write is refused by name", "[files][trust][owner]")
{
    TempDir tmp;
    const auto state = tmp.path() / "state";
    files::ensure_private_dir(state);
    CHECK_NOTHROW(files::require_trusted_dir(state, files::DirTrust::state_dir));
    // Everyone gets write access: under Wine by chmod 0777 (Wine derives the DACL from the
    // mode), on Windows through the DACL itself.
    if (const auto unix_dir = wintest::unix_path(state); wintest::is_wine() && unix_dir) {
        REQUIRE(wintest::start_unix_tool("chmod", {"0777", *unix_dir}));
    } else {
        PSECURITY_DESCRIPTOR sd = nullptr;
        REQUIRE(::ConvertStringSecurityDescriptorToSecurityDescriptorW(L"D:P(A;OICI;FA;;;WD)", SDDL_REVISION_1, &sd,
                                                                        nullptr));
        BOOL present = FALSE, defaulted = FALSE;
        PACL dacl = nullptr;
        REQUIRE(::GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted));
        REQUIRE(::SetNamedSecurityInfoW(const_cast<wchar_t*>(state.c_str()), SE_FILE_OBJECT,
                                        DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION, nullptr,
                                        nullptr, dacl, nullptr) == ERROR_SUCCESS);
        ::LocalFree(sd);
    }
    const bool refused = wintest::wait_until([&] {
        try {
            files::require_trusted_dir(state, files::DirTrust::state_dir);
            return false;
        } catch (const Error& e) {
            return std::string(e.what()).find("is writable by") != std::string::npos;
        }
    });
    CHECK(refused);
}
