// SPDX-License-Identifier: MIT
// The vmcompute.dll (v1) entry points of the simulator: with "completion": "pending" (the
// default) create and start return ERROR_VMCOMPUTE_OPERATION_PENDING and the completion
// arrives later as a notification on the worker thread; "sync" returns the result directly.
#include "exports.hpp"

using namespace hvsup::sim;

namespace {

constexpr int32_t v1_pending = static_cast<int32_t>(0xC0370103u);

// v1 returns ERROR_VMCOMPUTE_* (0xC037xxxx) where v2 returns HCS_E_* (0x8037xxxx).
int32_t to_v1(int32_t hr)
{
    const auto u = static_cast<uint32_t>(hr);
    if ((u & 0xFFFF0000u) == 0x80370000u) return static_cast<int32_t>(u | 0x40000000u);
    return hr;
}

bool pending(const std::string& id)
{
    return Host::instance().script(id).pending;
}

std::chrono::milliseconds delay(const std::string& id)
{
    return std::chrono::milliseconds(Host::instance().script(id).delay_ms);
}

bool valid_options(api::PCWSTR options)
{
    if (options == nullptr) return true;
    const std::string text = from_wide(options);
    if (text.empty()) return true;
    boost::json::error_code ec;
    auto v = boost::json::parse(text, ec);
    return !ec && v.is_object();
}

}  // namespace

HVSUP_SIM_EXPORT int32_t HVSUP_HCS_CALL HcsCreateComputeSystem(api::PCWSTR id, api::PCWSTR configuration, api::HANDLE,
                                                               api::HCS_SYSTEM* system, api::PWSTR* result)
{
    return guarded(result, [&]() -> int32_t {
        if (result != nullptr) *result = nullptr;
        if (id == nullptr || configuration == nullptr || system == nullptr) return e_pointer;
        *system = nullptr;
        const std::string sid = from_wide(id);
        Host::instance().log_call(Api::v1, "HcsCreateComputeSystem", sid);
        Outcome o = Host::instance().create(sid, from_wide(configuration));
        if (!pending(sid)) {
            if (o.hr < 0) {
                put(result, o.doc);
                return to_v1(o.hr);
            }
            *system = Host::instance().new_handle(sid, Api::v1);
            return 0;
        }
        Handle* h = Host::instance().new_handle(sid, Api::v1);
        *system = h;
        Host::instance().notify_later(
            h, Note{NoteKind::create_completed, to_v1(o.hr), o.hr < 0 ? o.doc : std::string()}, delay(sid));
        return v1_pending;
    });
}

HVSUP_SIM_EXPORT int32_t HVSUP_HCS_CALL HcsOpenComputeSystem(api::PCWSTR id, api::HCS_SYSTEM* system,
                                                             api::PWSTR* result)
{
    return guarded(result, [&]() -> int32_t {
        if (result != nullptr) *result = nullptr;
        if (id == nullptr || system == nullptr) return e_pointer;
        *system = nullptr;
        const std::string sid = from_wide(id);
        Host::instance().log_call(Api::v1, "HcsOpenComputeSystem", sid);
        Outcome o = Host::instance().open(sid);
        if (o.hr < 0) {
            put(result, o.doc);
            return to_v1(o.hr);
        }
        Handle* h = Host::instance().new_handle(sid, Api::v1);
        *system = h;
        const Script s = Host::instance().script(sid);
        if (s.service_disconnect == "wait") {
            Host::instance().notify_later(h, Note{NoteKind::service_disconnect, static_cast<int32_t>(0x8037011Eu), {}},
                                          std::chrono::milliseconds(s.disconnect_after_ms));
        }
        return 0;
    });
}

HVSUP_SIM_EXPORT int32_t HVSUP_HCS_CALL HcsCloseComputeSystem(api::HCS_SYSTEM system)
{
    return guarded(nullptr, [&]() -> int32_t {
        Handle* h = as_handle(system);
        if (h == nullptr) return e_handle;
        Host::instance().log_call(Api::v1, "HcsCloseComputeSystem", h->id);
        Host::instance().close(h);
        return 0;
    });
}

HVSUP_SIM_EXPORT int32_t HVSUP_HCS_CALL HcsStartComputeSystem(api::HCS_SYSTEM system, api::PCWSTR options,
                                                              api::PWSTR* result)
{
    return guarded(result, [&]() -> int32_t {
        if (result != nullptr) *result = nullptr;
        Handle* h = as_handle(system);
        if (h == nullptr) return e_handle;
        Host::instance().log_call(Api::v1, "HcsStartComputeSystem", h->id);
        if (!valid_options(options)) return to_v1(static_cast<int32_t>(0x8037010Du));
        Outcome o = Host::instance().start(h);
        if (!pending(h->id)) {
            put(result, o.doc);
            return to_v1(o.hr);
        }
        if (o.hr == static_cast<int32_t>(0x8037011Eu)) {
            Host::instance().notify_later(h, Note{NoteKind::service_disconnect, o.hr, {}}, delay(h->id));
        } else if (o.hr != static_cast<int32_t>(0x80370100u)) {  // an exit during start is its own notification
            Host::instance().notify_later(h, Note{NoteKind::start_completed, to_v1(o.hr), {}}, delay(h->id));
        }
        return v1_pending;
    });
}

namespace {

template <typename Work>
int32_t stop_operation(const char* call, api::HCS_SYSTEM system, api::PCWSTR options, api::PWSTR* result, Work&& work)
{
    return guarded(result, [&]() -> int32_t {
        if (result != nullptr) *result = nullptr;
        Handle* h = as_handle(system);
        if (h == nullptr) return e_handle;
        Host::instance().log_call(Api::v1, call, h->id);
        if (!valid_options(options)) return to_v1(static_cast<int32_t>(0x8037010Du));
        Outcome o = work(h);
        if (o.hr < 0) {
            put(result, o.doc);
            return to_v1(o.hr);
        }
        return pending(h->id) ? v1_pending : 0;  // completion is observed through SystemExited
    });
}

}  // namespace

HVSUP_SIM_EXPORT int32_t HVSUP_HCS_CALL HcsShutdownComputeSystem(api::HCS_SYSTEM system, api::PCWSTR options,
                                                                 api::PWSTR* result)
{
    return stop_operation("HcsShutdownComputeSystem", system, options, result,
                          [](Handle* h) { return Host::instance().shutdown(h); });
}

HVSUP_SIM_EXPORT int32_t HVSUP_HCS_CALL HcsTerminateComputeSystem(api::HCS_SYSTEM system, api::PCWSTR options,
                                                                  api::PWSTR* result)
{
    return stop_operation("HcsTerminateComputeSystem", system, options, result,
                          [](Handle* h) { return Host::instance().terminate(h); });
}

HVSUP_SIM_EXPORT int32_t HVSUP_HCS_CALL HcsGetComputeSystemProperties(api::HCS_SYSTEM system, api::PCWSTR query,
                                                                      api::PWSTR* properties, api::PWSTR* result)
{
    return guarded(result, [&]() -> int32_t {
        if (result != nullptr) *result = nullptr;
        if (properties == nullptr) return e_pointer;
        *properties = nullptr;
        Handle* h = as_handle(system);
        if (h == nullptr) return e_handle;
        Host::instance().log_call(Api::v1, "HcsGetComputeSystemProperties", h->id);
        Outcome o = Host::instance().properties(h, query != nullptr ? from_wide(query) : std::string());
        if (o.hr < 0) {
            put(result, o.doc);
            return to_v1(o.hr);
        }
        put(properties, o.doc);
        return 0;
    });
}

HVSUP_SIM_EXPORT int32_t HVSUP_HCS_CALL HcsGetServiceProperties(api::PCWSTR query, api::PWSTR* properties,
                                                                api::PWSTR* result)
{
    return guarded(result, [&]() -> int32_t {
        if (result != nullptr) *result = nullptr;
        if (properties == nullptr) return e_pointer;
        *properties = nullptr;
        Host::instance().log_call(Api::v1, "HcsGetServiceProperties", "");
        Outcome o = Host::instance().service_properties(query != nullptr ? from_wide(query) : std::string("{}"));
        if (o.hr < 0) {
            put(result, o.doc);
            return to_v1(o.hr);
        }
        put(properties, o.doc);
        return 0;
    });
}

HVSUP_SIM_EXPORT int32_t HVSUP_HCS_CALL HcsRegisterComputeSystemCallback(api::HCS_SYSTEM system,
                                                                         api::NotificationCallback callback,
                                                                         void* context, api::HCS_CALLBACK* handle)
{
    return guarded(nullptr, [&]() -> int32_t {
        if (callback == nullptr || handle == nullptr) return e_pointer;
        Handle* h = as_handle(system);
        if (h == nullptr) return e_handle;
        return Host::instance().register_callback(h, callback, context, handle);
    });
}

HVSUP_SIM_EXPORT int32_t HVSUP_HCS_CALL HcsUnregisterComputeSystemCallback(api::HCS_CALLBACK handle)
{
    return guarded(nullptr, [&]() -> int32_t { return Host::instance().unregister_callback(handle); });
}

HVSUP_SIM_EXPORT int32_t HVSUP_HCS_CALL GrantVmAccess(api::PCWSTR vm_id, api::PCWSTR file_path)
{
    return guarded(nullptr, [&]() -> int32_t {
        if (vm_id == nullptr || file_path == nullptr) return e_pointer;
        const std::string vm = from_wide(vm_id);
        Host::instance().log_call(Api::v1, "GrantVmAccess", vm);
        return to_v1(Host::instance().grant(vm, from_wide(file_path)).hr);
    });
}
