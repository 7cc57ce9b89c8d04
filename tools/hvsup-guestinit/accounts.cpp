// SPDX-License-Identifier: MIT
#include "accounts.hpp"

#include <charconv>
#include <optional>
#include <vector>

namespace hvsup::guestinit {

namespace {

std::optional<uint32_t> number(std::string_view s)
{
    uint32_t n = 0;
    const auto* end = s.data() + s.size();
    const auto [ptr, ec] = std::from_chars(s.data(), end, n);
    if (s.empty() || ec != std::errc() || ptr != end || n == 0xffffffffu) return std::nullopt;
    return n;
}

// name:password:uid:gid:gecos:home:shell
struct PasswdEntry {
    std::string name;
    uint32_t uid = 0;
    uint32_t gid = 0;
    std::string home;
};

std::vector<PasswdEntry> parse_passwd(std::string_view text)
{
    std::vector<PasswdEntry> out;
    while (!text.empty()) {
        const size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        std::vector<std::string_view> fields;
        while (true) {
            const size_t colon = line.find(':');
            fields.push_back(line.substr(0, colon));
            if (colon == std::string_view::npos) break;
            line = line.substr(colon + 1);
        }
        if (fields.size() < 7 || fields[0].empty()) continue;  // comments, blank or broken lines
        const auto uid = number(fields[2]);
        const auto gid = number(fields[3]);
        if (!uid || !gid) continue;
        out.push_back({std::string(fields[0]), *uid, *gid, std::string(fields[5])});
    }
    return out;
}

}  // namespace

Identity resolve_identity(const RunConfig& run, std::string_view passwd_text)
{
    // A bare "uid" reads like user "UID"; an explicit "gid" then overrides the group.
    std::string spec = run.user;
    if (spec.empty() && run.uid) spec = std::to_string(*run.uid);
    Identity id{0, 0, "/root", "root"};
    if (!spec.empty()) {
        const std::string_view user = spec;
        const size_t colon = user.find(':');
        const auto uid = number(user.substr(0, colon));
        std::optional<uint32_t> gid;
        if (colon != std::string_view::npos) {
            gid = number(user.substr(colon + 1));
            if (!uid || !gid) throw ConfigError("run.json user \"" + spec + "\" must be NAME, UID or UID:GID");
        }
        id = Identity{uid.value_or(0), gid.value_or(uid.value_or(0)), "/", ""};
        bool listed = false;
        for (const auto& e : parse_passwd(passwd_text)) {
            if (uid ? e.uid == *uid : e.name == user) {
                id = Identity{e.uid, gid.value_or(e.gid), e.home.empty() ? "/" : e.home, e.name};
                listed = true;
                break;
            }
        }
        if (!uid && !listed) throw ConfigError("run.json user \"" + spec + "\" is not in /etc/passwd");
    }
    if (run.uid && !run.user.empty()) id.uid = *run.uid;
    if (run.gid) id.gid = *run.gid;
    return id;
}

}  // namespace hvsup::guestinit
