// SPDX-License-Identifier: MIT
#include "hcs/schema/properties.hpp"

#include "core/error.hpp"
#include "core/json.hpp"

#include <fmt/format.h>

namespace hvsup::hcs::schema {
namespace {

json::object parse_object(std::string_view text, std::string_view what)
{
    try {
        json::value v = json::parse(text, what);
        return json::as_object(v, what);
    } catch (const Error& e) {
        throw Error(ErrorCode::host, e.what());
    }
}

int32_t read_hresult(const json::object& o, std::string_view key, std::string_view path)
{
    const json::value* v = json::find(o, key);
    if (v == nullptr || v->is_null()) return 0;
    if (v->is_int64()) return static_cast<int32_t>(static_cast<uint32_t>(v->get_int64()));
    if (v->is_uint64()) return static_cast<int32_t>(static_cast<uint32_t>(v->get_uint64()));
    throw Error(ErrorCode::host, fmt::format("{}: expected a number", path));
}

}  // namespace

Properties decode_properties(std::string_view text)
{
    const json::object o = parse_object(text, "HCS compute system properties");
    try {
        Properties p;
        p.id = json::read_string(o, "Id", "Id");
        p.system_type = json::read_string(o, "SystemType", "SystemType");
        p.owner = json::read_string(o, "Owner", "Owner");
        p.runtime_id = json::read_string(o, "RuntimeId", "RuntimeId");
        p.state = json::read_string(o, "State", "State");
        p.stopped = json::read_bool(o, "Stopped", "Stopped");
        p.exit_type = json::read_string(o, "ExitType", "ExitType");
        return p;
    } catch (const Error& e) {
        throw Error(ErrorCode::host, std::string("decode HCS compute system properties: ") + e.what());
    }
}

SystemExitStatus decode_exit_status(std::string_view text)
{
    SystemExitStatus s;
    if (text.empty()) return s;
    const json::object o = parse_object(text, "HCS exit status");
    s.status = read_hresult(o, "Status", "Status");
    try {
        s.exit_type = json::read_string(o, "ExitType", "ExitType");
    } catch (const Error& e) {
        throw Error(ErrorCode::host, std::string("decode HCS exit status: ") + e.what());
    }
    return s;
}

ResultError decode_result_error(std::string_view text)
{
    ResultError r;
    const json::object o = parse_object(text, "HCS result document");
    r.error = read_hresult(o, "Error", "Error");
    try {
        r.error_message = json::read_string(o, "ErrorMessage", "ErrorMessage");
        if (const json::array* events = json::read_array(o, "ErrorEvents", "ErrorEvents")) {
            for (const auto& e : *events) {
                if (!e.is_object()) continue;
                r.event_messages.push_back(json::read_string(e.get_object(), "Message", "ErrorEvents[].Message"));
            }
        }
    } catch (const Error& e) {
        throw Error(ErrorCode::host, std::string("decode HCS result document: ") + e.what());
    }
    return r;
}

std::vector<Version> decode_supported_schema_versions(std::string_view text)
{
    const json::object o = parse_object(text, "HCS service properties");
    std::vector<Version> out;
    try {
        const json::array* properties = json::read_array(o, "Properties", "Properties");
        if (properties == nullptr) return out;
        for (const auto& p : *properties) {
            const json::object& po = json::as_object(p, "Properties[]");
            const json::array* versions =
                json::read_array(po, "SupportedSchemaVersions", "Properties[].SupportedSchemaVersions");
            if (versions == nullptr) continue;
            for (const auto& v : *versions) {
                const json::object& vo = json::as_object(v, "SupportedSchemaVersions[]");
                Version ver;
                ver.major = static_cast<int32_t>(json::read_int(vo, "Major", "Major", 0, 1000));
                ver.minor = static_cast<int32_t>(json::read_int(vo, "Minor", "Minor", 0, 1000));
                out.push_back(ver);
            }
        }
    } catch (const Error& e) {
        throw Error(ErrorCode::host, std::string("decode HCS service properties: ") + e.what());
    }
    return out;
}

uint32_t decode_logical_processor_count(std::string_view text)
{
    const json::object o = parse_object(text, "HCS service properties");
    try {
        const json::array* properties = json::read_array(o, "Properties", "Properties");
        if (properties == nullptr || properties->empty()) return 0;
        const json::object& topology = json::as_object(properties->front(), "Properties[0]");
        return static_cast<uint32_t>(
            json::read_int(topology, "LogicalProcessorCount", "Properties[0].LogicalProcessorCount", 0, 0xFFFFFFFFLL));
    } catch (const Error& e) {
        throw Error(ErrorCode::host, std::string("decode HCS service properties: ") + e.what());
    }
}

std::string basic_service_query()
{
    return json::compact(json::object{{"PropertyTypes", json::array{"Basic"}}});
}

std::string processor_topology_service_query()
{
    return json::compact(json::object{{"PropertyTypes", json::array{"ProcessorTopology"}}});
}

}  // namespace hvsup::hcs::schema
