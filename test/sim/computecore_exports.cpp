// SPDX-License-Identifier: MIT
// The computecore.dll (v2) entry points of the simulator: operations complete on the worker
// thread after the scripted delay (0 with "completion": "sync").
#include "exports.hpp"

using namespace hvsup::sim;

namespace {

constexpr int32_t operation_not_started = static_cast<int32_t>(0x80370115u);
constexpr int32_t operation_already_started = static_cast<int32_t>(0x80370116u);
constexpr int32_t operation_timeout = static_cast<int32_t>(0x80370118u);

std::shared_ptr<Operation> begin(api::HCS_OPERATION operation, int32_t& hr)
{
    auto* box = static_cast<OperationBox*>(operation);
    if (box == nullptr || !box->op) {
        hr = e_pointer;
        return nullptr;
    }
    std::lock_guard lock(box->op->mutex);
    if (box->op->started) {
        hr = operation_already_started;
        return nullptr;
    }
    box->op->started = true;
    hr = 0;
    return box->op;
}

std::chrono::milliseconds delay_for(const std::string& id)
{
    const Script s = Host::instance().script(id);
    return std::chrono::milliseconds(s.pending ? s.delay_ms : 0);
}

// Starts `operation` for `system` and completes it with what `work` returns.
template <typename Work>
int32_t system_operation(const char* call, api::HCS_SYSTEM system, api::HCS_OPERATION operation, Work&& work)
{
    return guarded(nullptr, [&]() -> int32_t {
        Handle* h = as_handle(system);
        if (h == nullptr) return e_handle;
        Host::instance().log_call(Api::v2, call, h->id);
        int32_t hr = 0;
        auto op = begin(operation, hr);
        if (!op) return hr;
        Outcome outcome = work(h);
        Host::instance().complete_later(op, outcome, delay_for(h->id));
        return 0;
    });
}

}  // namespace

HVSUP_SIM_EXPORT api::HCS_OPERATION HVSUP_HCS_CALL HcsCreateOperation(void* context, api::OperationCompletion callback)
{
    try {
        auto* box = new OperationBox{std::make_shared<Operation>()};
        box->op->context = context;
        box->op->callback = callback;
        return box;
    } catch (...) {
        return nullptr;
    }
}

HVSUP_SIM_EXPORT void HVSUP_HCS_CALL HcsCloseOperation(api::HCS_OPERATION operation)
{
    delete static_cast<OperationBox*>(operation);
}

HVSUP_SIM_EXPORT int32_t HVSUP_HCS_CALL HcsWaitForOperationResult(api::HCS_OPERATION operation, api::DWORD timeout_ms,
                                                                  api::PWSTR* result)
{
    return guarded(result, [&]() -> int32_t {
        if (result != nullptr) *result = nullptr;
        auto* box = static_cast<OperationBox*>(operation);
        if (box == nullptr || !box->op) return e_pointer;
        Operation& op = *box->op;
        std::unique_lock lock(op.mutex);
        if (!op.started) return operation_not_started;
        auto done = [&] { return op.done; };
        if (timeout_ms == api::infinite_timeout) {
            op.changed.wait(lock, done);
        } else if (!op.changed.wait_for(lock, std::chrono::milliseconds(timeout_ms), done)) {
            return operation_timeout;
        }
        put(result, op.doc);
        return op.hr;
    });
}

HVSUP_SIM_EXPORT int32_t HVSUP_HCS_CALL HcsCreateComputeSystem(api::PCWSTR id, api::PCWSTR configuration,
                                                               api::HCS_OPERATION operation, const void*,
                                                               api::HCS_SYSTEM* system)
{
    return guarded(nullptr, [&]() -> int32_t {
        if (id == nullptr || configuration == nullptr || system == nullptr) return e_pointer;
        *system = nullptr;
        const std::string sid = from_wide(id);
        Host::instance().log_call(Api::v2, "HcsCreateComputeSystem", sid);
        int32_t hr = 0;
        auto op = begin(operation, hr);
        if (!op) return hr;
        Outcome outcome = Host::instance().create(sid, from_wide(configuration));
        *system = Host::instance().new_handle(sid, Api::v2);
        Host::instance().complete_later(op, outcome, delay_for(sid));
        return 0;
    });
}

HVSUP_SIM_EXPORT int32_t HVSUP_HCS_CALL HcsOpenComputeSystem(api::PCWSTR id, api::DWORD, api::HCS_SYSTEM* system)
{
    return guarded(nullptr, [&]() -> int32_t {
        if (id == nullptr || system == nullptr) return e_pointer;
        *system = nullptr;
        const std::string sid = from_wide(id);
        Host::instance().log_call(Api::v2, "HcsOpenComputeSystem", sid);
        Outcome outcome = Host::instance().open(sid);
        if (outcome.hr < 0) return outcome.hr;
        Handle* h = Host::instance().new_handle(sid, Api::v2);
        *system = h;
        const Script s = Host::instance().script(sid);
        if (s.service_disconnect == "wait") {
            Host::instance().notify_later(h, Note{NoteKind::service_disconnect, static_cast<int32_t>(0x8037011Eu), {}},
                                          std::chrono::milliseconds(s.disconnect_after_ms));
        }
        return 0;
    });
}

HVSUP_SIM_EXPORT void HVSUP_HCS_CALL HcsCloseComputeSystem(api::HCS_SYSTEM system)
{
    try {
        if (Handle* h = as_handle(system)) {
            Host::instance().log_call(Api::v2, "HcsCloseComputeSystem", h->id);
            Host::instance().close(h);
        }
    } catch (...) {
    }
}

HVSUP_SIM_EXPORT int32_t HVSUP_HCS_CALL HcsStartComputeSystem(api::HCS_SYSTEM system, api::HCS_OPERATION operation,
                                                              api::PCWSTR)
{
    return guarded(nullptr, [&]() -> int32_t {
        Handle* h = as_handle(system);
        if (h == nullptr) return e_handle;
        Host::instance().log_call(Api::v2, "HcsStartComputeSystem", h->id);
        int32_t hr = 0;
        auto op = begin(operation, hr);
        if (!op) return hr;
        Outcome o = Host::instance().start(h);
        if (o.hr == static_cast<int32_t>(0x8037011Eu)) {
            Host::instance().notify_later(h, Note{NoteKind::service_disconnect, o.hr, {}},
                                          std::chrono::milliseconds(0));
        }
        Host::instance().complete_start_later(h, op, o, delay_for(h->id));
        return 0;
    });
}

HVSUP_SIM_EXPORT int32_t HVSUP_HCS_CALL HcsShutDownComputeSystem(api::HCS_SYSTEM system, api::HCS_OPERATION operation,
                                                                 api::PCWSTR)
{
    return system_operation("HcsShutDownComputeSystem", system, operation,
                            [](Handle* h) { return Host::instance().shutdown(h); });
}

HVSUP_SIM_EXPORT int32_t HVSUP_HCS_CALL HcsTerminateComputeSystem(api::HCS_SYSTEM system, api::HCS_OPERATION operation,
                                                                  api::PCWSTR)
{
    return system_operation("HcsTerminateComputeSystem", system, operation,
                            [](Handle* h) { return Host::instance().terminate(h); });
}

HVSUP_SIM_EXPORT int32_t HVSUP_HCS_CALL HcsGetComputeSystemProperties(api::HCS_SYSTEM system,
                                                                      api::HCS_OPERATION operation, api::PCWSTR query)
{
    const std::string q = query != nullptr ? from_wide(query) : std::string();
    return system_operation("HcsGetComputeSystemProperties", system, operation,
                            [&](Handle* h) { return Host::instance().properties(h, q); });
}

HVSUP_SIM_EXPORT int32_t HVSUP_HCS_CALL HcsSetComputeSystemCallback(api::HCS_SYSTEM system, uint32_t,
                                                                    const void* context, api::EventCallback callback)
{
    return guarded(nullptr, [&]() -> int32_t {
        Handle* h = as_handle(system);
        if (h == nullptr) return e_handle;
        if (callback == nullptr) return e_pointer;
        return Host::instance().set_event_callback(h, callback, const_cast<void*>(context));
    });
}

HVSUP_SIM_EXPORT int32_t HVSUP_HCS_CALL HcsGetServiceProperties(api::PCWSTR query, api::PWSTR* result)
{
    return guarded(result, [&]() -> int32_t {
        if (result == nullptr) return e_pointer;
        *result = nullptr;
        Host::instance().log_call(Api::v2, "HcsGetServiceProperties", "");
        Outcome o = Host::instance().service_properties(query != nullptr ? from_wide(query) : std::string("{}"));
        put(result, o.doc);
        return o.hr;
    });
}

HVSUP_SIM_EXPORT int32_t HVSUP_HCS_CALL HcsGrantVmAccess(api::PCWSTR vm_id, api::PCWSTR file_path)
{
    return guarded(nullptr, [&]() -> int32_t {
        if (vm_id == nullptr || file_path == nullptr) return e_pointer;
        const std::string vm = from_wide(vm_id);
        Host::instance().log_call(Api::v2, "HcsGrantVmAccess", vm);
        return Host::instance().grant(vm, from_wide(file_path)).hr;
    });
}
