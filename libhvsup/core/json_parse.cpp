// SPDX-License-Identifier: MIT
// json::parse: Boost.JSON's tokenizer with a value builder of our own, so the parse can count
// what it builds (a budget of values, not only of bytes: "[0,0,...]" costs ~24 bytes of tree
// per 2 bytes of text) and can merge keys the way Go's decoder assigns struct fields.
#include "core/error.hpp"
#include "core/json.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <fmt/format.h>

#include <unordered_map>
#include <vector>

namespace hvsup::json {
namespace {

std::string fold(std::string_view key)
{
    std::string out(key);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    return out;
}

// `later` assigned over `earlier` as Go's decoder does for a struct field seen twice: a
// scalar replaces, an object is decoded into the earlier object, an array is decoded element
// by element into the earlier array (Go reuses the slice's elements) and then truncated, and
// null clears an object or array but leaves a scalar as it was.
void merge_into(value& earlier, value&& later)
{
    if (later.is_null()) {
        if (earlier.is_object() || earlier.is_array()) earlier = nullptr;
        return;
    }
    if (earlier.is_object() && later.is_object()) {
        object& into = earlier.get_object();
        for (auto& member : later.get_object()) {
            value* match = nullptr;
            for (auto& existing : into) {
                if (fold(existing.key()) == fold(member.key())) match = &existing.value();
            }
            if (match != nullptr) merge_into(*match, std::move(member.value()));
            else into.emplace(member.key(), std::move(member.value()));
        }
        return;
    }
    if (earlier.is_array() && later.is_array()) {
        array& into = earlier.get_array();
        array& from = later.get_array();
        for (size_t i = 0; i < from.size(); ++i) {
            if (i < into.size()) merge_into(into[i], std::move(from[i]));
            else into.push_back(std::move(from[i]));
        }
        into.resize(from.size());
        return;
    }
    earlier = std::move(later);
}

class Builder {
public:
    static constexpr size_t max_object_size = static_cast<size_t>(-1);
    static constexpr size_t max_array_size = static_cast<size_t>(-1);
    static constexpr size_t max_key_size = static_cast<size_t>(-1);
    static constexpr size_t max_string_size = static_cast<size_t>(-1);

    explicit Builder(const ParseOptions& options) : options_(options) {}

    value take() { return std::move(result_); }
    const std::string& limit_error() const { return limit_error_; }

    bool on_document_begin(boost::json::error_code&) { return true; }
    bool on_document_end(boost::json::error_code&) { return true; }
    bool on_object_begin(boost::json::error_code& ec)
    {
        if (!count(ec)) return false;
        frames_.push_back(Frame{value(object()), {}, {}});
        return true;
    }
    bool on_object_end(size_t, boost::json::error_code&) { return close(); }
    bool on_array_begin(boost::json::error_code& ec)
    {
        if (!count(ec)) return false;
        frames_.push_back(Frame{value(array()), {}, {}});
        return true;
    }
    bool on_array_end(size_t, boost::json::error_code&) { return close(); }
    bool on_key_part(boost::json::string_view s, size_t, boost::json::error_code&)
    {
        text_.append(s.data(), s.size());
        return true;
    }
    bool on_key(boost::json::string_view s, size_t, boost::json::error_code&)
    {
        frames_.back().key = finish_text(s);
        return true;
    }
    bool on_string_part(boost::json::string_view s, size_t, boost::json::error_code&)
    {
        text_.append(s.data(), s.size());
        return true;
    }
    bool on_string(boost::json::string_view s, size_t, boost::json::error_code& ec)
    {
        return add(value(finish_text(s)), ec);
    }
    bool on_number_part(boost::json::string_view, boost::json::error_code&) { return true; }
    bool on_int64(int64_t n, boost::json::string_view, boost::json::error_code& ec) { return add(value(n), ec); }
    bool on_uint64(uint64_t n, boost::json::string_view, boost::json::error_code& ec) { return add(value(n), ec); }
    bool on_double(double n, boost::json::string_view, boost::json::error_code& ec) { return add(value(n), ec); }
    bool on_bool(bool b, boost::json::error_code& ec) { return add(value(b), ec); }
    bool on_null(boost::json::error_code& ec) { return add(value(nullptr), ec); }
    bool on_comment_part(boost::json::string_view, boost::json::error_code&) { return true; }
    bool on_comment(boost::json::string_view, boost::json::error_code&) { return true; }

private:
    struct Frame {
        value container;
        std::string key;                                    // the key awaiting its value
        std::unordered_map<std::string, std::string> keys;  // folded key -> key as stored
    };

    // The string or key that ends with `last`, invalid UTF-8 replaced. Copied once when it came
    // in one piece and is valid (the common case), so a 16 MiB string costs 16 MiB here.
    std::string finish_text(boost::json::string_view last)
    {
        if (text_.empty()) {
            const std::string_view whole(last.data(), last.size());
            return is_valid_utf8(whole) ? std::string(whole) : replace_invalid_utf8(whole);
        }
        text_.append(last.data(), last.size());
        std::string out = is_valid_utf8(text_) ? std::move(text_) : replace_invalid_utf8(text_);
        text_ = std::string();
        return out;
    }

    bool count(boost::json::error_code& ec)
    {
        if (options_.max_values != 0 && ++values_ > options_.max_values) {
            limit_error_ = fmt::format("more than {} JSON values", options_.max_values);
            ec = boost::json::error::exception;
            return false;
        }
        return true;
    }

    bool add(value v, boost::json::error_code& ec)
    {
        if (!count(ec)) return false;
        place(std::move(v));
        return true;
    }

    bool close()
    {
        value done = std::move(frames_.back().container);
        frames_.pop_back();
        place(std::move(done));
        return true;
    }

    void place(value v)
    {
        if (frames_.empty()) {
            result_ = std::move(v);
            return;
        }
        Frame& f = frames_.back();
        if (f.container.is_array()) {
            f.container.get_array().push_back(std::move(v));
            return;
        }
        object& o = f.container.get_object();
        if (options_.fold_keys) {
            auto [it, fresh] = f.keys.emplace(fold(f.key), f.key);
            if (!fresh) {
                merge_into(o[it->second], std::move(v));
                return;
            }
        }
        o[f.key] = std::move(v);
    }

    const ParseOptions& options_;
    std::vector<Frame> frames_;
    std::string text_;
    value result_;
    size_t values_ = 0;
    std::string limit_error_;
};

int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

unsigned escape_value(std::string_view s, size_t at)  // s[at] is the 'u' of \uXXXX; 0 if malformed
{
    if (at + 4 >= s.size()) return 0;
    unsigned v = 0;
    for (size_t k = at + 1; k <= at + 4; ++k) {
        const int d = hex_digit(s[k]);
        if (d < 0) return 0;
        v = v * 16 + static_cast<unsigned>(d);
    }
    return v;
}

// `text` with each \u escape of an unpaired surrogate written as \ufffd (same length, so
// byte offsets in errors still point into the caller's text): Go decodes those to U+FFFD,
// Boost.JSON refuses them.
std::string_view replace_lone_surrogate_escapes(std::string_view text, std::string& storage)
{
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (!in_string) {
            in_string = c == '"';
            continue;
        }
        if (c == '"') {
            in_string = false;
        } else if (c == '\\' && i + 1 < text.size()) {
            if (text[i + 1] != 'u') {
                ++i;
                continue;
            }
            const unsigned v = escape_value(text, i + 1);
            const bool high = v >= 0xD800 && v <= 0xDBFF;
            const bool low = v >= 0xDC00 && v <= 0xDFFF;
            if (high && i + 11 < text.size() && text[i + 6] == '\\' && text[i + 7] == 'u') {
                const unsigned next = escape_value(text, i + 7);
                if (next >= 0xDC00 && next <= 0xDFFF) {
                    i += 11;
                    continue;
                }
            }
            if (high || low) {
                if (storage.empty()) storage.assign(text);
                storage.replace(i, 6, "\\ufffd");
                text = storage;
            }
            i += 5;
        }
    }
    return text;
}

}  // namespace

value parse(std::string_view original, std::string_view what, const ParseOptions& options)
{
    std::string rewritten;
    const std::string_view text = replace_lone_surrogate_escapes(original, rewritten);
    boost::json::parse_options po;
    po.max_depth = options.max_depth;
    po.allow_invalid_utf8 = true;
    boost::json::basic_parser<Builder> parser(po, options);
    boost::json::error_code ec;
    const size_t used = parser.write_some(false, text.data(), text.size(), ec);
    if (!ec && used != text.size()) ec = boost::json::error::extra_data;
    if (ec) {
        std::string reason = parser.handler().limit_error();
        if (reason.empty()) {
            reason = ec == boost::json::error::too_deep ? fmt::format("nested deeper than {} levels", options.max_depth)
                                                        : ec.message();
        }
        throw Error(ErrorCode::invalid_argument, fmt::format("decode {}: {} at byte {}", what, reason, used));
    }
    return parser.handler().take();
}

}  // namespace hvsup::json
