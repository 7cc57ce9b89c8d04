// SPDX-License-Identifier: MIT
#include "result.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cstdio>
#include <ctime>

namespace hvsup::guestinit {

namespace json = boost::json;

std::string now_rfc3339()
{
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    tm utc{};
    ::gmtime_r(&ts.tv_sec, &utc);
    char date[80];
    std::snprintf(date, sizeof date, "%04d-%02d-%02dT%02d:%02d:%02d", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                  utc.tm_hour, utc.tm_min, utc.tm_sec);
    std::string out = date;
    if (ts.tv_nsec != 0) {
        char frac[32];
        std::snprintf(frac, sizeof frac, ".%09ld", static_cast<long>(ts.tv_nsec));
        std::string f = frac;
        while (f.back() == '0') f.pop_back();
        out += f;
    }
    return out + "Z";
}

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one.
size_t sequence_length(std::string_view s, size_t i)
{
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = byte(i);
    if (c < 0x80) return 1;
    size_t n = 0;
    uint32_t cp = 0;
    if ((c & 0xe0) == 0xc0)
        n = 2, cp = c & 0x1f;
    else if ((c & 0xf0) == 0xe0)
        n = 3, cp = c & 0x0f;
    else if ((c & 0xf8) == 0xf0)
        n = 4, cp = c & 0x07;
    else
        return 0;
    if (i + n > s.size()) return 0;
    for (size_t k = 1; k < n; ++k) {
        if ((byte(i + k) & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (byte(i + k) & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid too.
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)) return 0;
    if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return 0;
    return n;
}

// The longest prefix of valid UTF-8 `s` that is at most `max` bytes and ends on a character.
size_t boundary_at_most(std::string_view s, size_t max)
{
    if (max >= s.size()) return s.size();
    size_t n = max;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) --n;
    return n;
}

std::string serialize(const Result& r)
{
    json::object o;
    o["started_at"] = r.started_at;
    o["exited_at"] = r.exited_at;
    o["exit_code"] = r.exit_code;
    if (!r.stdout_data.empty()) o["stdout"] = r.stdout_data;
    if (!r.stderr_data.empty()) o["stderr"] = r.stderr_data;
    if (!r.error.empty()) o["error"] = r.error;
    if (r.stdout_truncated) o["stdout_truncated"] = true;
    if (r.stderr_truncated) o["stderr_truncated"] = true;
    return json::serialize(o) + "\n";
}

}  // namespace

std::string valid_utf8(std::string_view bytes)
{
    std::string out;
    out.reserve(bytes.size());
    for (size_t i = 0; i < bytes.size();) {
        const size_t n = sequence_length(bytes, i);
        if (n == 0) {
            out += "\xef\xbf\xbd";
            ++i;
        } else {
            out.append(bytes.substr(i, n));
            i += n;
        }
    }
    return out;
}

std::string encode_result(Result r, size_t limit)
{
    r.stdout_data = valid_utf8(r.stdout_data);
    r.stderr_data = valid_utf8(r.stderr_data);
    r.error = valid_utf8(r.error);
    for (;;) {
        std::string payload = serialize(r);
        if (payload.size() <= limit) return payload;
        // Every byte cut from a stream shortens the JSON by at least one byte (escapes make it
        // more), so cutting the excess (plus the flag the cut adds) converges in a few rounds.
        const size_t excess = payload.size() - limit + sizeof(",\"stdout_truncated\":true");
        std::string& longer = r.stdout_data.size() >= r.stderr_data.size() ? r.stdout_data : r.stderr_data;
        bool& flag = &longer == &r.stdout_data ? r.stdout_truncated : r.stderr_truncated;
        if (longer.empty()) {
            // Only the fixed fields and the error remain: cut the error (a limit this small is
            // a test's, the real cap leaves room).
            r.error.resize(boundary_at_most(r.error, r.error.size() > excess ? r.error.size() - excess : 0));
            if (r.error.empty()) return payload;
            continue;
        }
        longer.resize(boundary_at_most(longer, longer.size() > excess ? longer.size() - excess : 0));
        flag = true;
    }
}

}  // namespace hvsup::guestinit
