// SPDX-License-Identifier: MIT
#include "core/result_target.hpp"

#include "core/text.hpp"

#include <string>
#include <vector>

namespace hvsup::core {

namespace {

bool is_separator(char c)
{
    return c == '/' || c == '\\';
}

// `path` in one spelling: "/" for the root, segments joined with '/', "." and ".." resolved
// lexically (as std::filesystem::path::lexically_normal does, but with both separators on every
// platform), a trailing '/' kept.
std::string normal_form(std::string_view path)
{
    const bool rooted = !path.empty() && is_separator(path.front());
    const bool folder = !path.empty() && is_separator(path.back());
    std::vector<std::string_view> segments;
    size_t i = 0;
    while (i < path.size()) {
        while (i < path.size() && is_separator(path[i])) ++i;
        size_t end = i;
        while (end < path.size() && !is_separator(path[end])) ++end;
        const std::string_view segment = path.substr(i, end - i);
        i = end;
        if (segment.empty() || segment == ".") continue;
        if (segment == ".." && !segments.empty() && segments.back() != "..") {
            segments.pop_back();
        } else if (segment == ".." && rooted) {
            continue;  // nothing above the root
        } else {
            segments.push_back(segment);
        }
    }
    std::string out = rooted ? "/" : "";
    for (size_t n = 0; n < segments.size(); ++n) {
        if (n != 0) out += '/';
        out += segments[n];
    }
    if (folder && !segments.empty()) out += '/';
    return out;
}

}  // namespace

bool is_result_target(std::string_view target, std::string_view result_path)
{
    // The request's blanks, vertical tab and form feed included (as protocol/validate.cpp reads them).
    constexpr std::string_view blanks = " \t\r\n\v\f";
    target = trim(target, blanks);
    result_path = trim(result_path, blanks);
    if (target.empty() || result_path.empty()) return false;
    return target == result_path || normal_form(target) == normal_form(result_path);
}

}  // namespace hvsup::core
