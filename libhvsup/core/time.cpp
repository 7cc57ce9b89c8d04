// SPDX-License-Identifier: MIT
#include "core/time.hpp"

#include <fmt/format.h>

namespace hvsup {

using namespace std::chrono;

Timestamp now() { return time_point_cast<nanoseconds>(system_clock::now()); }

namespace {

std::string format_seconds_part(Timestamp t)
{
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss<nanoseconds> tod{t - day};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                       static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                       tod.hours().count(), tod.minutes().count(), tod.seconds().count());
}

int64_t subsecond_nanos(Timestamp t)
{
    auto ns = (t - floor<seconds>(t)).count();
    return ns;
}

bool digits(std::string_view s, size_t pos, size_t n, int& out)
{
    if (pos + n > s.size()) return false;
    out = 0;
    for (size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

}  // namespace

std::string format_rfc3339(Timestamp t) { return format_seconds_part(t) + "Z"; }

std::string format_rfc3339_nano(Timestamp t)
{
    std::string out = format_seconds_part(t);
    int64_t ns = subsecond_nanos(t);
    if (ns != 0) {
        std::string frac = fmt::format("{:09}", ns);
        while (!frac.empty() && frac.back() == '0') frac.pop_back();
        out += "." + frac;
    }
    return out + "Z";
}

std::optional<Timestamp> parse_rfc3339(std::string_view s)
{
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
    if (!digits(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
        !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, h) ||
        s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, se)) {
        return std::nullopt;
    }
    const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || se > 60) return std::nullopt;
    size_t pos = 19;
    int64_t frac_ns = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        size_t start = pos;
        int64_t scale = 100000000;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (pos - start < 9) {
                frac_ns += (s[pos] - '0') * scale;
                scale /= 10;
            }
            ++pos;
        }
        if (pos == start) return std::nullopt;
    }
    int64_t offset_minutes = 0;
    if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
        ++pos;
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
        int oh = 0, om = 0;
        if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
            !digits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
            return std::nullopt;
        }
        offset_minutes = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != s.size()) return std::nullopt;
    // Whole seconds first (no overflow for years 0000-9999), then the range a Timestamp
    // (int64 nanoseconds: 1677-09-21T00:12:43 to 2262-04-11T23:47:16) holds; converting a
    // time outside it would overflow. The range starts at the first whole day, because
    // formatting floors a time to its day.
    const sys_seconds whole = sys_days{ymd} + hours{h} + minutes{mi} + seconds{se} - minutes{offset_minutes};
    constexpr sys_seconds lowest{sys_days{year{1677} / September / 22}};
    constexpr sys_seconds highest{duration_cast<seconds>(Timestamp::max().time_since_epoch()) - seconds{1}};
    if (whole < lowest || whole > highest) return std::nullopt;
    return Timestamp{whole} + nanoseconds{frac_ns};
}

}  // namespace hvsup
