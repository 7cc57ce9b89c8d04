// JSON helpers shared by every layer: Go-compatible decoding (object keys match
// case-insensitively, unknown keys are ignored, null leaves the default) with errors that
// name the field at fault, and Go MarshalIndent-style output.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace hvsup::json {

using boost::json::array;
using boost::json::object;
using boost::json::value;

// Parses text as one JSON value. Errors are ErrorCode::invalid_argument and read
// "decode <what>: <reason>".
value parse(std::string_view text, std::string_view what);

// The member `key` of `obj`: an exact match first, then the first case-insensitive
// (ASCII) match, as Go's encoding/json does. nullptr when absent.
const value* find(const object& obj, std::string_view key);

// Typed readers. A missing member or JSON null yields the fallback; a member of the wrong
// type throws invalid_argument naming `path` (for example "config.memoryMiB").
std::string read_string(const object& obj, std::string_view key, std::string_view path);
bool read_bool(const object& obj, std::string_view key, std::string_view path);
int64_t read_int(const object& obj, std::string_view key, std::string_view path,
                 int64_t min, int64_t max);
const object* read_object(const object& obj, std::string_view key, std::string_view path);
const array* read_array(const object& obj, std::string_view key, std::string_view path);

// Requires `v` to be an object (for array elements and top-level documents).
const object& as_object(const value& v, std::string_view path);

// 2-space indented JSON, like Go's json.MarshalIndent(v, "", "  "), without a final newline.
std::string pretty(const value& v);
// Single-line JSON, like Go's json.Marshal.
std::string compact(const value& v);

// `text` as a double-quoted, escaped string: what Go's %q prints for the protocol's error
// messages (unknown command "x", duplicate disk name "y").
std::string quote(std::string_view text);

// `text` with control characters (NUL included) written as \u00XX, so an error message that
// echoes untrusted input stays one readable line.
std::string escape_control(std::string_view text);

}  // namespace hvsup::json
