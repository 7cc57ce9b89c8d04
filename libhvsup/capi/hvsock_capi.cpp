// SPDX-License-Identifier: MIT
// hvsup_hvsock_*: service ids and listener sets over the C ABI.
#include "capi/abi_helpers.hpp"
#include "hvsup/hvsock.h"

#include "core/files.hpp"
#include "core/json.hpp"
#include "hvsock/address.hpp"
#include "hvsock/emulation_environment.hpp"
#include "hvsock/listener_set.hpp"

#include <limits>
#include <memory>

#include <fmt/format.h>

struct hvsup_hvsock_listeners {
    std::unique_ptr<hvsup::hvsock::ListenerSet> set;
};

namespace {

using hvsup::capi::hand_out;
using hvsup::capi::invalid;

namespace json = hvsup::json;
using hvsup::Error;
using hvsup::ErrorCode;

hvsup::hvsock::ListenerSpec decode_spec(std::string_view text)
{
    json::ParseOptions limits;
    limits.max_values = 100000;
    const json::value doc = json::parse(text, "hvsock listener spec", limits);
    const json::object& o = json::as_object(doc, "spec");
    hvsup::hvsock::ListenerSpec spec;
    if (const json::array* forwards = json::read_array(o, "portForwards", "portForwards")) {
        for (size_t i = 0; i < forwards->size(); ++i) {
            const std::string path = fmt::format("portForwards[{}]", i);
            const json::object& f = json::as_object((*forwards)[i], path);
            hvsup::hvsock::PublishedPort p;
            p.protocol = json::read_string(f, "protocol", path + ".protocol");
            p.host = json::read_string(f, "host", path + ".host");
            p.host_port = static_cast<uint16_t>(json::read_int(f, "hostPort", path + ".hostPort", 1, 65535));
            p.service_port = static_cast<uint32_t>(
                json::read_int(f, "servicePort", path + ".servicePort", 0, std::numeric_limits<uint32_t>::max()));
            spec.published_ports.push_back(std::move(p));
        }
    }
    if (const json::array* listeners = json::read_array(o, "vsockListeners", "vsockListeners")) {
        for (size_t i = 0; i < listeners->size(); ++i) {
            const std::string path = fmt::format("vsockListeners[{}]", i);
            const json::object& l = json::as_object((*listeners)[i], path);
            hvsup::hvsock::VsockService v;
            v.port = static_cast<uint32_t>(
                json::read_int(l, "port", path + ".port", 1, std::numeric_limits<uint32_t>::max()));
            v.target = json::read_string(l, "target", path + ".target");
            spec.vsock_listeners.push_back(std::move(v));
        }
    }
    spec.result_path = json::read_string(o, "resultPath", "resultPath");
    spec.serial_pipe = json::read_string(o, "serialPipe", "serialPipe");
    spec.serial_log_path = json::read_string(o, "serialLogPath", "serialLogPath");
    return spec;
}

}  // namespace

extern "C" {

hvsup_status hvsup_hvsock_port_to_service_id(char** out, uint32_t port, hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (out == nullptr) return invalid(error, "hvsup_hvsock_port_to_service_id: out is NULL");
        return hand_out(hvsup::hvsock::to_string(hvsup::hvsock::vsock_service_id(port)), out);
    });
}

hvsup_status hvsup_hvsock_service_id_to_port(uint32_t* out, const char* service_id, hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (out == nullptr) return invalid(error, "hvsup_hvsock_service_id_to_port: out is NULL");
        *out = 0;
        if (service_id == nullptr) return invalid(error, "hvsup_hvsock_service_id_to_port: service_id is NULL");
        const auto port = hvsup::hvsock::vsock_port(hvsup::hvsock::parse_guid(service_id));
        if (!port) {
            throw Error(ErrorCode::invalid_argument,
                        fmt::format("service id {} is not a vsock port service id", service_id));
        }
        *out = *port;
        return HVSUP_OK;
    });
}

hvsup_status hvsup_hvsock_listeners_options_init(hvsup_hvsock_listeners_options* options, uint32_t version)
{
    return hvsup::capi::init_options(options, version, HVSUP_HVSOCK_LISTENERS_OPTIONS_VERSION,
                                     hvsup_hvsock_listeners_options HVSUP_HVSOCK_LISTENERS_OPTIONS_INIT);
}

hvsup_status hvsup_hvsock_listeners_create(hvsup_hvsock_listeners** out, const char* vm_id, const char* spec_json,
                                           const hvsup_hvsock_listeners_options* options, hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (out == nullptr) return invalid(error, "hvsup_hvsock_listeners_create: out is NULL");
        *out = nullptr;
        if (vm_id == nullptr) return invalid(error, "hvsup_hvsock_listeners_create: vm_id is NULL");
        if (spec_json == nullptr) return invalid(error, "hvsup_hvsock_listeners_create: spec_json is NULL");
        hvsup::hvsock::ListenerSpec spec =
            decode_spec(hvsup::capi::bounded_text(spec_json, hvsup::capi::max_json_text_bytes, "spec"));
        spec.vm_id = vm_id;
        const hvsup_status checked = hvsup::capi::check_options(options, HVSUP_HVSOCK_LISTENERS_OPTIONS_VERSION,
                                                                "hvsup_hvsock_listeners_create", error);
        if (checked != HVSUP_OK) return checked;
        if (options != nullptr) {
            if (options->emulation_dir != nullptr) spec.emulation_dir = hvsup::files::from_utf8(options->emulation_dir);
            if (options->log_callback != nullptr) {
                spec.logger = hvsup::capi::forward_log(options->log_callback, options->log_user);
            }
        }
        // The C ABI is an edge: without options.emulation_dir, the environment chooses.
        if (spec.emulation_dir.empty()) spec.emulation_dir = hvsup::hvsock::emulation_dir_from_environment();
        auto listeners = std::make_unique<hvsup_hvsock_listeners>();
        listeners->set = hvsup::hvsock::ListenerSet::start(std::move(spec));
        *out = listeners.release();
        return HVSUP_OK;
    });
}

hvsup_status hvsup_hvsock_listeners_await_result(uint32_t* out, hvsup_hvsock_listeners* listeners, uint32_t timeout_ms,
                                                 hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (out == nullptr) return invalid(error, "hvsup_hvsock_listeners_await_result: out is NULL");
        *out = HVSUP_HVSOCK_RESULT_PENDING;
        if (listeners == nullptr) return invalid(error, "hvsup_hvsock_listeners_await_result: listeners is NULL");
        switch (listeners->set->wait_for_result(std::chrono::milliseconds(timeout_ms))) {
            case hvsup::hvsock::ResultWait::no_result_listener:
                *out = HVSUP_HVSOCK_RESULT_NO_LISTENER;
                break;
            case hvsup::hvsock::ResultWait::received:
                *out = HVSUP_HVSOCK_RESULT_RECEIVED;
                break;
            case hvsup::hvsock::ResultWait::timed_out:
                *out = HVSUP_HVSOCK_RESULT_PENDING;
                break;
            case hvsup::hvsock::ResultWait::closed:
                *out = HVSUP_HVSOCK_RESULT_STOPPED;
                break;
        }
        return HVSUP_OK;
    });
}

hvsup_status hvsup_hvsock_listeners_stop(hvsup_hvsock_listeners* listeners, hvsup_error** error)
{
    return hvsup::capi::guarded(error, [&]() -> hvsup_status {
        if (listeners == nullptr) return invalid(error, "hvsup_hvsock_listeners_stop: listeners is NULL");
        listeners->set->close();
        return HVSUP_OK;
    });
}

void hvsup_hvsock_listeners_free(hvsup_hvsock_listeners* listeners)
{
    if (listeners == nullptr) return;
    try {
        listeners->set->close();
    } catch (...) {
    }
    delete listeners;
}

}  // extern "C"
