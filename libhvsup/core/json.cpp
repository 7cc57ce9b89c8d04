// SPDX-License-Identifier: MIT
#include "core/json.hpp"

#include "core/error.hpp"

#include <fmt/format.h>

namespace hvsup::json {
namespace {

bool equal_fold_ascii(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

const char* kind_name(const value& v)
{
    switch (v.kind()) {
    case boost::json::kind::null: return "null";
    case boost::json::kind::bool_: return "bool";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_: return "number";
    case boost::json::kind::string: return "string";
    case boost::json::kind::array: return "array";
    case boost::json::kind::object: return "object";
    }
    return "value";
}

[[noreturn]] void type_error(std::string_view path, std::string_view want, const value& got)
{
    throw Error(ErrorCode::invalid_argument,
                fmt::format("{}: expected {}, got {}", path, want, kind_name(got)));
}

const value* present(const object& obj, std::string_view key)
{
    const value* v = find(obj, key);
    return (v == nullptr || v->is_null()) ? nullptr : v;
}

// Writes `items` between `open` and `close`, one a line, each indented one level (two spaces)
// deeper than `depth`; an empty container stays on one line ("{}", "[]").
template <typename Items, typename WriteItem>
void write_pretty_items(std::string& out, const Items& items, int depth, char open, char close, WriteItem write_item)
{
    out += open;
    if (items.empty()) {
        out += close;
        return;
    }
    out += '\n';
    bool first = true;
    for (const auto& item : items) {
        if (!first) out += ",\n";
        first = false;
        out.append(static_cast<size_t>(depth + 1) * 2, ' ');
        write_item(item);
    }
    out += '\n';
    out.append(static_cast<size_t>(depth) * 2, ' ');
    out += close;
}

void write_pretty(std::string& out, const value& v, int depth)
{
    if (v.is_object()) {
        write_pretty_items(out, v.get_object(), depth, '{', '}', [&](const auto& member) {
            out += boost::json::serialize(value(member.key()));
            out += ": ";
            write_pretty(out, member.value(), depth + 1);
        });
    } else if (v.is_array()) {
        write_pretty_items(out, v.get_array(), depth, '[', ']',
                           [&](const value& element) { write_pretty(out, element, depth + 1); });
    } else {
        out += boost::json::serialize(v);
    }
}

}  // namespace

const value* find(const object& obj, std::string_view key)
{
    const value* match = nullptr;
    for (const auto& member : obj) {
        if (equal_fold_ascii(member.key(), key)) match = &member.value();
    }
    return match;
}

std::string read_string(const object& obj, std::string_view key, std::string_view path)
{
    const value* v = present(obj, key);
    if (v == nullptr) return {};
    if (!v->is_string()) type_error(path, "a string", *v);
    return std::string(v->get_string());
}

bool read_bool(const object& obj, std::string_view key, std::string_view path)
{
    const value* v = present(obj, key);
    if (v == nullptr) return false;
    if (!v->is_bool()) type_error(path, "a boolean", *v);
    return v->get_bool();
}

int64_t read_int(const object& obj, std::string_view key, std::string_view path, int64_t min,
                 int64_t max)
{
    const value* v = present(obj, key);
    if (v == nullptr) return 0;
    int64_t n = 0;
    if (v->is_int64()) {
        n = v->get_int64();
    } else if (v->is_uint64()) {
        throw Error(ErrorCode::invalid_argument,
                    fmt::format("{}: number {} is out of range", path, v->get_uint64()));
    } else {
        type_error(path, "an integer", *v);
    }
    if (n < min || n > max) {
        throw Error(ErrorCode::invalid_argument, fmt::format("{}: number {} is out of range", path, n));
    }
    return n;
}

const object* read_object(const object& obj, std::string_view key, std::string_view path)
{
    const value* v = present(obj, key);
    if (v == nullptr) return nullptr;
    if (!v->is_object()) type_error(path, "an object", *v);
    return &v->get_object();
}

const array* read_array(const object& obj, std::string_view key, std::string_view path)
{
    const value* v = present(obj, key);
    if (v == nullptr) return nullptr;
    if (!v->is_array()) type_error(path, "an array", *v);
    return &v->get_array();
}

const object& as_object(const value& v, std::string_view path)
{
    if (!v.is_object()) type_error(path, "an object", v);
    return v.get_object();
}

std::string pretty(const value& v)
{
    std::string out;
    write_pretty(out, v, 0);
    return out;
}

std::string compact(const value& v) { return boost::json::serialize(v); }

}  // namespace hvsup::json
