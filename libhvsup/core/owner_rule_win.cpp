// SPDX-License-Identifier: MIT
// Owner rule for state and runtime directories on Windows: see owner_rule_win.hpp.
#include "core/owner_rule_win.hpp"

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/win32.hpp"

#include <aclapi.h>
#include <sddl.h>

#include <fmt/format.h>

#include <memory>
#include <vector>

namespace hvsup::files::owner_rule {
namespace {

std::string sid_text(PSID sid)
{
    wchar_t* text = nullptr;
    if (!::ConvertSidToStringSidW(sid, &text)) {
        const DWORD last = ::GetLastError();  // before building the message
        throw win32::error(last, "format a SID");
    }
    std::string out = win32::to_utf8(text);
    ::LocalFree(text);
    return out;
}

// DOMAIN\name of `sid`, or empty when the account is unknown here (a deleted or foreign one).
std::string account_name(PSID sid)
{
    wchar_t name[256];
    wchar_t domain[256];
    DWORD name_size = 256;
    DWORD domain_size = 256;
    SID_NAME_USE use{};
    if (!::LookupAccountSidW(nullptr, sid, name, &name_size, domain, &domain_size, &use)) return {};
    const std::string n = win32::to_utf8(name);
    const std::string d = win32::to_utf8(domain);
    return d.empty() ? n : d + "\\" + n;
}

std::string caller_sid()
{
    HANDLE raw = nullptr;
    if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &raw)) {
        const DWORD last = ::GetLastError();  // before building the message
        throw win32::error(last, "open process token");
    }
    win32::Handle token(raw);
    DWORD size = 0;
    ::GetTokenInformation(token.get(), TokenUser, nullptr, 0, &size);
    std::vector<unsigned char> buffer(size == 0 ? sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE : size);
    if (!::GetTokenInformation(token.get(), TokenUser, buffer.data(), static_cast<DWORD>(buffer.size()), &size)) {
        const DWORD last = ::GetLastError();  // before building the message
        throw win32::error(last, "query the current user");
    }
    return sid_text(reinterpret_cast<TOKEN_USER*>(buffer.data())->User.Sid);
}

// CheckTokenMembership counts only enabled groups: Administrators is enabled in an elevated
// token, and deny-only in a filtered (UAC) one.
bool caller_is_admin()
{
    SID_IDENTIFIER_AUTHORITY nt = SECURITY_NT_AUTHORITY;
    PSID admins = nullptr;
    if (!::AllocateAndInitializeSid(&nt, 2, SECURITY_BUILTIN_DOMAIN_RID, DOMAIN_ALIAS_RID_ADMINS, 0, 0, 0, 0, 0, 0,
                                    &admins)) {
        return false;
    }
    BOOL member = FALSE;
    if (!::CheckTokenMembership(nullptr, admins, &member)) member = FALSE;
    ::FreeSid(admins);
    return member != FALSE;
}

}  // namespace

void check(const std::string& kind, const std::string& path, const OwnerFacts& facts)
{
    if (facts.owner_sid == facts.caller_sid) return;
    if (facts.caller_is_admin && facts.owner_sid == administrators_sid) return;
    const std::string owner =
        facts.owner_name.empty() ? facts.owner_sid : fmt::format("{} ({})", facts.owner_name, facts.owner_sid);
    throw Error(ErrorCode::integrity,
                fmt::format("{} {} is owned by {}, not by the caller ({}{}): its owner could forge the state hvsup "
                            "acts on; use a directory you own (take ownership with icacls \"{}\" /setowner "
                            "<your account>, or choose another stateDir)",
                            kind, path, owner, facts.caller_sid,
                            facts.caller_is_admin ? " or Administrators" : "", path));
}

void check_writers(const std::string& kind, const std::string& path, const std::string& caller_sid, bool has_dacl,
                   const std::vector<Grant>& grants)
{
    if (!has_dacl) {
        throw Error(ErrorCode::integrity,
                    fmt::format("{} {} has no DACL, so every account may write there and forge the state hvsup acts "
                                "on; give it one (icacls \"{}\" /inheritance:r /grant:r \"%USERNAME%\":(OI)(CI)F), or "
                                "choose another stateDir",
                                kind, path, path));
    }
    for (const Grant& g : grants) {
        if ((g.mask & write_rights) == 0) continue;
        if (g.sid == caller_sid || g.sid == system_sid || g.sid == administrators_sid) continue;
        const std::string who = g.name.empty() ? g.sid : fmt::format("{} ({})", g.name, g.sid);
        throw Error(ErrorCode::integrity,
                    fmt::format("{} {} is writable by {} (access mask 0x{:x}): anyone who can write there could forge "
                                "the state hvsup acts on; remove that access (icacls \"{}\" /remove:g {}), or choose "
                                "another stateDir",
                                kind, path, who, g.mask, path, g.name.empty() ? g.sid : "\"" + g.name + "\""));
    }
}

void require_owned_by_caller(const std::filesystem::path& dir, const std::string& kind)
{
    const std::string shown = to_utf8(dir);
    // READ_CONTROL is enough to read the owner; the handle is on the entry itself, never on
    // what a reparse point names (the caller has refused reparse points already).
    win32::Handle h(::CreateFileW(dir.c_str(), READ_CONTROL, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                                  nullptr, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT,
                                  nullptr));
    if (!h) {
        const DWORD last = ::GetLastError();  // before building the message
        throw win32::error(last, fmt::format("open {} {} to read its owner", kind, shown));
    }
    PSID owner = nullptr;
    PSECURITY_DESCRIPTOR sd = nullptr;
    PACL dacl = nullptr;
    const DWORD err = ::GetSecurityInfo(h.get(), SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                                        &owner, nullptr, &dacl, nullptr, &sd);
    if (err != ERROR_SUCCESS) throw win32::error(err, fmt::format("read the owner and DACL of {} {}", kind, shown));
    std::unique_ptr<void, decltype(&::LocalFree)> sd_owner(sd, &::LocalFree);
    OwnerFacts facts;
    if (owner == nullptr) {
        facts.owner_sid = "no owner";
    } else {
        facts.owner_sid = sid_text(owner);
        facts.owner_name = account_name(owner);
    }
    facts.caller_sid = caller_sid();
    facts.caller_is_admin = caller_is_admin();
    check(kind, shown, facts);

    std::vector<Grant> grants;
    for (DWORD i = 0; dacl != nullptr && i < dacl->AceCount; ++i) {
        void* ace = nullptr;
        if (!::GetAce(dacl, i, &ace)) continue;
        const auto* header = static_cast<const ACE_HEADER*>(ace);
        // Deny entries only take rights away; inherit-only ones apply to children, which are
        // checked when they are used.
        if (header->AceType != ACCESS_ALLOWED_ACE_TYPE || (header->AceFlags & INHERIT_ONLY_ACE) != 0) continue;
        auto* allowed = static_cast<ACCESS_ALLOWED_ACE*>(ace);
        PSID sid = &allowed->SidStart;
        Grant g{sid_text(sid), {}, allowed->Mask};
        // Names are looked up only for what will be reported (a lookup may ask a domain controller).
        const bool trusted = g.sid == facts.caller_sid || g.sid == system_sid || g.sid == administrators_sid;
        if ((g.mask & write_rights) != 0 && !trusted) g.name = account_name(sid);
        grants.push_back(std::move(g));
    }
    check_writers(kind, shown, facts.caller_sid, dacl != nullptr, grants);
}

}  // namespace hvsup::files::owner_rule
