// SPDX-License-Identifier: MIT
#include "protocol/event_history.hpp"

#include "core/error.hpp"
#include "core/files.hpp"
#include "protocol/codec.hpp"

#include <fmt/format.h>

namespace hvsup::protocol {
namespace {

constexpr size_t max_history_bytes = 64u << 20;

[[noreturn]] void malformed(const std::filesystem::path& file, std::string_view why)
{
    throw Error(ErrorCode::integrity,
                fmt::format("event history {} is malformed ({}); it was left untouched", files::to_utf8(file), why));
}

Event parse_one(const json::value& v, const std::filesystem::path& file, std::string_view where)
{
    Event e;
    try {
        e = decode_event(json::as_object(v, where), where);
    } catch (const Error& err) {
        malformed(file, err.what());
    }
    if (e.state.empty()) malformed(file, fmt::format("{} has no state", where));
    return e;
}

}  // namespace

std::vector<Event> decode_event_history(std::string_view content, const std::filesystem::path& file)
{
    std::vector<Event> events;
    size_t first = content.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return events;
    if (content[first] == '[') {
        json::value v;
        try {
            v = json::parse(content, "event history");
        } catch (const Error& e) {
            malformed(file, e.what());
        }
        if (!v.is_array()) malformed(file, "not a JSON array");
        const json::array& a = v.get_array();
        for (size_t i = 0; i < a.size(); ++i) events.push_back(parse_one(a[i], file, fmt::format("event {}", i)));
        return events;
    }
    // Legacy JSON Lines (E2): one compact object per line.
    size_t line_no = 0;
    while (!content.empty()) {
        size_t nl = content.find('\n');
        std::string_view line = content.substr(0, nl);
        content = nl == std::string_view::npos ? std::string_view{} : content.substr(nl + 1);
        ++line_no;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        json::value v;
        try {
            v = json::parse(line, "event history line");
        } catch (const Error& e) {
            malformed(file, fmt::format("line {}: {}", line_no, e.what()));
        }
        events.push_back(parse_one(v, file, fmt::format("line {}", line_no)));
    }
    return events;
}

std::vector<Event> read_event_history(const std::filesystem::path& file)
{
    auto content = files::read_state_file(file, max_history_bytes);
    if (!content) return {};
    return decode_event_history(*content, file);
}

void append_event(const std::filesystem::path& file, const Event& event, size_t cap)
{
    std::vector<Event> events = read_event_history(file);
    events.push_back(event);
    size_t skip = events.size() > cap ? events.size() - cap : 0;
    json::array out;
    for (size_t i = skip; i < events.size(); ++i) out.push_back(encode(events[i], TimePrecision::seconds));
    files::write_atomic(file, json::pretty(out) + "\n");
}

}  // namespace hvsup::protocol
