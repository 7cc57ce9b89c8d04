// SPDX-License-Identifier: MIT
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

struct ParseOptions {
    // Go struct decoding: keys that differ only in ASCII case name the same field, so they are
    // merged in document order the way Go's decoder assigns them (the later scalar wins, a later
    // object is decoded into the earlier one, a later null clears an object or array). Off:
    // exact duplicate keys keep the later value.
    bool fold_keys = false;
    // Refuse documents of more values (objects, arrays, strings, numbers, ...) than this, so
    // the memory a parse costs is bounded by the count, not only by the text size. 0: no cap.
    size_t max_values = 0;
    size_t max_depth = 64;
};

// Parses text as one JSON value. Like Go's encoding/json, invalid UTF-8 in strings and keys
// is accepted with each bad byte replaced by U+FFFD, and so is a \u escape of an unpaired
// surrogate. Errors are ErrorCode::invalid_argument and read "decode <what>: <reason> at byte N".
value parse(std::string_view text, std::string_view what, const ParseOptions& options = {});

// The member `key` of `obj` as Go's encoding/json picks it: the last member whose key equals
// `key` ignoring ASCII case. nullptr when absent.
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

// `text` as Go's %q prints it (strconv.Quote) for the protocol's error messages (unknown
// command "x", duplicate disk name "y"): \a \b \f \n \r \t \v, \xNN for other ASCII controls
// and for bytes that are not UTF-8, \uNNNN for non-printing code points. Printable non-ASCII
// text is kept; "non-printing" covers controls, format characters, separators other than
// the ASCII space, private use and noncharacters (Go also escapes unassigned code points,
// which this does not know).
std::string quote(std::string_view text);

// `text` escaped as quote() does it but without the surrounding quotes, so an error message
// that echoes untrusted input stays one readable line.
std::string escape_control(std::string_view text);

// `text` with every byte that is not part of a valid UTF-8 sequence replaced by U+FFFD, as Go
// does when it decodes a JSON string.
std::string replace_invalid_utf8(std::string_view text);
bool is_valid_utf8(std::string_view text);

}  // namespace hvsup::json
