// SPDX-License-Identifier: MIT
// One-line summaries of lifecycle responses (lifecycle_summary.hpp).
#include "lifecycle_summary.hpp"

#include <boost/json.hpp>

namespace hvsup::cli {
namespace {

std::string string_field(const boost::json::object& o, const char* key)
{
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

const boost::json::object* object_field(const boost::json::object& o, const char* key)
{
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

}  // namespace

std::string lifecycle_summary(const std::string& command, const std::string& runtime_id, const boost::json::value& response)
{
    if (!response.is_object()) return command + " " + runtime_id + ": the response is not a JSON object";
    const auto& o = response.get_object();
    const auto* ok = o.if_contains("ok");
    const bool succeeded = ok != nullptr && ok->is_bool() && ok->get_bool();
    const auto* event = object_field(o, "event");
    const std::string state = event != nullptr ? string_field(*event, "state") : std::string();

    if (!succeeded) {
        std::string line = command + " " + runtime_id + ": " + string_field(o, "error");
        if (!state.empty()) line += " (state " + state + ")";
        return line;
    }
    if (event == nullptr) return runtime_id + ": " + command + " ok";
    std::string line = runtime_id + ": " + state;
    if (std::string detail = string_field(*event, "detail"); !detail.empty()) line += " (" + detail + ")";
    if (const auto* result = object_field(o, "result"); result != nullptr) {
        if (const auto* code = result->if_contains("exitCode"); code != nullptr && code->is_number()) {
            line += ", exit code " + boost::json::serialize(*code);
        }
    }
    return line;
}

}  // namespace hvsup::cli
