// SPDX-License-Identifier: MIT
// computecore.dll: every call goes through an HCS_OPERATION and HcsWaitForOperationResult
// (docs/hcs.md, "The binding and the API choice").
#include "core/utf.hpp"
#include "hcs/api.hpp"
#include "hcs/backend.hpp"
#include "hcs/errors.hpp"
#include "hcs/handles.hpp"

namespace hvsup::hcs::detail {
namespace {

using OperationOwner = UniqueHcsHandle<api::V2CloseOperation>;
using SystemOwner = UniqueHcsHandle<api::V2CloseComputeSystem>;

extern "C" void HVSUP_HCS_CALL v2_event_callback(api::HcsEvent* event, void* context)
{
    if (event == nullptr || context == nullptr) return;
    auto* state = static_cast<EventState*>(context);
    switch (static_cast<api::EventType>(event->type)) {
        case api::EventType::system_exited:
            state->record_exit(0, callback_text(event->event_data));
            break;
        case api::EventType::service_disconnect:
            state->record_disconnect(hr::service_disconnect);
            break;
        default:
            break;
    }
}

class V2Backend;

// The one helper for the asynchronous pattern: create an operation, make the call, wait for
// its result (bounded), and turn a failure plus the result document into the error.
template <typename Call>
std::string run_operation(const api::V2Functions& fn, std::string_view operation, Timeout timeout, Call&& call,
                          bool tolerate_stopped = false)
{
    OperationOwner op(fn.create_operation(nullptr, nullptr), fn.close_operation);
    if (!op) throw make_error(operation, "HcsCreateOperation failed", 0);
    const api::HRESULT started = call(op.get());
    if (started < 0) {
        if (tolerate_stopped && system_already_gone(started)) return {};
        throw make_error(operation, started);
    }
    HostString result;
    const api::HRESULT done = fn.wait_for_operation_result(op.get(), to_wait_ms(timeout), result.out());
    if (done < 0) {
        if (tolerate_stopped && system_already_gone(done)) return {};
        throw make_error(operation, done, result.text());
    }
    return result.text();
}

class V2Connection final : public SystemConnection {
public:
    V2Connection(const api::V2Functions& fn, void* handle) : fn_(fn), system_(handle, fn.close) {}

    // Registers the event callback; must precede start so no exit is missed.
    void subscribe(std::string_view operation)
    {
        const api::HRESULT r = fn_.set_callback(system_.get(), api::event_option_none, state_.get(), v2_event_callback);
        if (r < 0) throw make_error(operation, r);
    }

    void start(Timeout timeout) override
    {
        run_operation(fn_, "start", timeout, [&](void* op) { return fn_.start(system_.get(), op, nullptr); });
    }

    void shutdown(Timeout timeout) override
    {
        try {
            run_operation(
                fn_, "shutdown", timeout, [&](void* op) { return fn_.shutdown(system_.get(), op, nullptr); }, true);
        } catch (const Error& e) {
            // The request was delivered; a guest that takes longer (or ignores it) is seen
            // through SystemExited or the caller's bounded wait, not as a failed shutdown.
            if (e.hresult() != hr::operation_timeout) throw;
        }
    }

    void terminate(Timeout timeout, std::string_view operation) override
    {
        run_operation(
            fn_, operation, timeout, [&](void* op) { return fn_.terminate(system_.get(), op, nullptr); }, true);
    }

    std::string properties_document(std::string_view operation) override
    {
        return run_operation(fn_, operation, default_operation_timeout,
                             [&](void* op) { return fn_.get_properties(system_.get(), op, nullptr); });
    }

    EventState& events() override { return *state_; }

private:
    api::V2Functions fn_;
    // Destroyed after the handle: closing the handle drains the callbacks that use it.
    std::unique_ptr<EventState> state_ = std::make_unique<EventState>();
    SystemOwner system_;
};

void abandon(SystemConnection& connection) noexcept
{
    try {
        connection.terminate(std::chrono::seconds(10), "create");
    } catch (...) {
    }
}

class V2Backend final : public Backend {
public:
    V2Backend(std::shared_ptr<SharedLibrary> lib, api::V2Functions fn) : lib_(std::move(lib)), fn_(fn) {}

    ApiKind kind() const override { return ApiKind::computecore; }

    std::unique_ptr<SystemConnection> create(const std::string& id, const std::string& document,
                                             Timeout timeout) override
    {
        const std::u16string wid = utf::to_utf16(id);
        const std::u16string wdoc = utf::to_utf16(document);
        OperationOwner op(fn_.create_operation(nullptr, nullptr), fn_.close_operation);
        if (!op) throw make_error("create", "HcsCreateOperation failed", 0);
        void* handle = nullptr;
        const api::HRESULT started = fn_.create(wid.c_str(), wdoc.c_str(), op.get(), nullptr, &handle);
        if (started < 0) throw make_error("create", started);
        auto connection = std::make_unique<V2Connection>(fn_, handle);
        // The callback is set as soon as the handle exists, before the create completes.
        connection->subscribe("create");
        HostString result;
        const api::HRESULT done = fn_.wait_for_operation_result(op.get(), to_wait_ms(timeout), result.out());
        if (done < 0) {
            // A create that did not finish in time may still finish later: terminate it so a
            // timed-out create leaves no compute system behind (as hcsshim does).
            if (done == hr::operation_timeout) abandon(*connection);
            throw make_error("create", done, result.text());
        }
        return connection;
    }

    std::unique_ptr<SystemConnection> open(const std::string& id, std::string_view operation) override
    {
        const std::u16string wid = utf::to_utf16(id);
        void* handle = nullptr;
        const api::HRESULT r = fn_.open(wid.c_str(), api::generic_all, &handle);
        if (r < 0) throw make_error(operation, r);
        auto connection = std::make_unique<V2Connection>(fn_, handle);
        connection->subscribe(operation);
        return connection;
    }

    void probe(const std::string& id) override
    {
        const std::u16string wid = utf::to_utf16(id);
        void* handle = nullptr;
        const api::HRESULT r = fn_.open(wid.c_str(), api::generic_all, &handle);
        judge_probe_open(r, handle, fn_.close);
    }

    std::string service_properties(const std::string& query) override
    {
        const std::u16string wq = utf::to_utf16(query);
        HostString result;
        const api::HRESULT r = fn_.get_service_properties(wq.c_str(), result.out());
        if (r < 0) throw make_error("get service properties", r, result.text());
        return result.text();
    }

    void grant_vm_access(const std::string& vm_id, const std::string& path) override
    {
        grant_vm_access_through(fn_.grant_vm_access, vm_id, path);
    }

private:
    std::shared_ptr<SharedLibrary> lib_;
    api::V2Functions fn_;
};

}  // namespace

std::unique_ptr<Backend> make_v2_backend(std::shared_ptr<SharedLibrary> lib, std::string& missing)
{
    api::V2Functions fn;
    missing.clear();
    resolve_export(*lib, "HcsCreateOperation", fn.create_operation, missing);
    resolve_export(*lib, "HcsCloseOperation", fn.close_operation, missing);
    resolve_export(*lib, "HcsWaitForOperationResult", fn.wait_for_operation_result, missing);
    resolve_export(*lib, "HcsCreateComputeSystem", fn.create, missing);
    resolve_export(*lib, "HcsOpenComputeSystem", fn.open, missing);
    resolve_export(*lib, "HcsCloseComputeSystem", fn.close, missing);
    resolve_export(*lib, "HcsStartComputeSystem", fn.start, missing);
    resolve_export(*lib, "HcsShutDownComputeSystem", fn.shutdown, missing);
    resolve_export(*lib, "HcsTerminateComputeSystem", fn.terminate, missing);
    resolve_export(*lib, "HcsGetComputeSystemProperties", fn.get_properties, missing);
    resolve_export(*lib, "HcsSetComputeSystemCallback", fn.set_callback, missing);
    resolve_export(*lib, "HcsGetServiceProperties", fn.get_service_properties, missing);
    resolve_export(*lib, "HcsGrantVmAccess", fn.grant_vm_access, missing);
    if (!missing.empty()) return nullptr;
    return std::make_unique<V2Backend>(std::move(lib), fn);
}

}  // namespace hvsup::hcs::detail
