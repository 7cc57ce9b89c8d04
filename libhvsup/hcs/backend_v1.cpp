// SPDX-License-Identifier: MIT
// vmcompute.dll: calls return S_OK or the pending code, completion arrives as a notification
// on the callback registered right after the handle exists (docs/hcs.md, "The binding
// and the API choice").
#include "core/utf.hpp"
#include "hcs/api.hpp"
#include "hcs/backend.hpp"
#include "hcs/errors.hpp"
#include "hcs/handles.hpp"

#include <fmt/format.h>

namespace hvsup::hcs::detail {
namespace {

using SystemOwner = UniqueHcsHandle<api::V1CloseComputeSystem>;
using CallbackOwner = UniqueHcsHandle<api::V1UnregisterComputeSystemCallback>;

const char* notification_name(uint32_t type)
{
    switch (static_cast<api::Notification>(type)) {
        case api::Notification::system_exited:
            return "SystemExited";
        case api::Notification::system_create_completed:
            return "SystemCreateCompleted";
        case api::Notification::system_start_completed:
            return "SystemStartCompleted";
        case api::Notification::system_pause_completed:
            return "SystemPauseCompleted";
        case api::Notification::system_resume_completed:
            return "SystemResumeCompleted";
        case api::Notification::service_disconnect:
            return "ServiceDisconnect";
        default:
            return "Unknown";
    }
}

extern "C" void HVSUP_HCS_CALL v1_notification_callback(api::DWORD type, void* context, api::HRESULT status,
                                                        api::PCWSTR data)
{
    if (context == nullptr) return;
    auto* state = static_cast<EventState*>(context);
    switch (static_cast<api::Notification>(type)) {
        case api::Notification::system_exited:
            state->record_exit(status, callback_text(data));
            break;
        case api::Notification::service_disconnect:
            state->record_disconnect(status != 0 ? status : hr::service_disconnect);
            break;
        default:
            state->record_completion(type, status, callback_text(data));
            break;
    }
}

class V1Connection final : public SystemConnection {
public:
    V1Connection(const api::V1Functions& fn, void* handle) : fn_(fn), system_(handle, fn.close) {}

    void subscribe(std::string_view operation)
    {
        void* cb = nullptr;
        const api::HRESULT r = fn_.register_callback(system_.get(), v1_notification_callback, state_.get(), &cb);
        if (r < 0) throw make_error(operation, r);
        callback_ = CallbackOwner(cb, fn_.unregister_callback);
    }

    // Waits for `expected`; an unexpected SystemExited or ServiceDisconnect, a negative
    // status or the timeout is an error labelled `operation`.
    void wait_for(api::Notification expected, Timeout timeout, std::string_view operation)
    {
        const auto want = static_cast<uint32_t>(expected);
        std::unique_lock lock(state_->mutex);
        auto ready = [&] { return state_->completions.count(want) != 0 || state_->exited || state_->disconnected; };
        if (timeout == infinite) {
            state_->changed.wait(lock, ready);
        } else if (!state_->changed.wait_for(lock, timeout, ready)) {
            throw make_error(
                operation,
                fmt::format("timed out after {} waiting for {}", describe_timeout(timeout), notification_name(want)),
                hr::operation_timeout);
        }
        if (auto it = state_->completions.find(want); it != state_->completions.end()) {
            const auto [status, data] = it->second;
            state_->completions.erase(it);
            if (status < 0) throw make_error(operation, status, data);
            return;
        }
        const bool exited = state_->exited;
        const int32_t status = exited ? state_->exit.status : state_->disconnect_status;
        throw make_error(operation,
                         fmt::format("unexpected HCS notification {}: 0x{:08X}",
                                     exited ? "SystemExited" : "ServiceDisconnect", static_cast<uint32_t>(status)),
                         exited ? hr::unexpected_exit : hr::service_disconnect);
    }

    void start(Timeout timeout) override
    {
        HostString result;
        const api::HRESULT r = fn_.start(system_.get(), u"", result.out());
        if (r == hr::v1_operation_pending) {
            wait_for(api::Notification::system_start_completed, timeout, "start wait");
        } else if (r < 0) {
            throw make_error("start", r, result.text());
        }
    }

    void shutdown(Timeout) override
    {
        HostString result;
        const api::HRESULT r = fn_.shutdown(system_.get(), u"{}", result.out());
        if (r < 0 && r != hr::v1_operation_pending && !system_already_gone(r))
            throw make_error("shutdown", r, result.text());
    }

    void terminate(Timeout, std::string_view operation) override
    {
        HostString result;
        const api::HRESULT r = fn_.terminate(system_.get(), u"", result.out());
        if (r < 0 && r != hr::v1_operation_pending && !system_already_gone(r))
            throw make_error(operation, r, result.text());
    }

    std::string properties_document(std::string_view operation) override
    {
        HostString properties;
        HostString result;
        const api::HRESULT r = fn_.get_properties(system_.get(), u"{}", properties.out(), result.out());
        if (r < 0) throw make_error(operation, r, result.text());
        return properties.text();
    }

    EventState& events() override { return *state_; }

private:
    api::V1Functions fn_;
    // Destruction order: unregister the callback (waits for callbacks in flight), close the
    // handle, then free the state the callback used.
    std::unique_ptr<EventState> state_ = std::make_unique<EventState>();
    SystemOwner system_;
    CallbackOwner callback_;
};

class V1Backend final : public Backend {
public:
    V1Backend(std::shared_ptr<SharedLibrary> lib, api::V1Functions fn) : lib_(std::move(lib)), fn_(fn) {}

    ApiKind kind() const override { return ApiKind::vmcompute; }

    std::unique_ptr<SystemConnection> create(const std::string& id, const std::string& document,
                                             Timeout timeout) override
    {
        const std::u16string wid = utf::to_utf16(id);
        const std::u16string wdoc = utf::to_utf16(document);
        void* handle = nullptr;
        HostString result;
        const api::HRESULT r = fn_.create(wid.c_str(), wdoc.c_str(), nullptr, &handle, result.out());
        if (r < 0 && r != hr::v1_operation_pending) throw make_error("create", r, result.text());
        auto connection = std::make_unique<V1Connection>(fn_, handle);
        connection->subscribe("create");
        if (r == hr::v1_operation_pending) {
            try {
                connection->wait_for(api::Notification::system_create_completed, timeout, "create wait");
            } catch (const Error& e) {
                // Terminate a create that may still complete, so a timeout leaks nothing.
                if (e.hresult() == hr::operation_timeout) {
                    try {
                        connection->terminate(std::chrono::seconds(10), "create wait");
                    } catch (...) {
                    }
                }
                throw;
            }
        }
        return connection;
    }

    std::unique_ptr<SystemConnection> open(const std::string& id, std::string_view operation) override
    {
        const std::u16string wid = utf::to_utf16(id);
        void* handle = nullptr;
        HostString result;
        const api::HRESULT r = fn_.open(wid.c_str(), &handle, result.out());
        if (r < 0) throw make_error(operation, r, result.text());
        auto connection = std::make_unique<V1Connection>(fn_, handle);
        connection->subscribe(operation);
        return connection;
    }

    void probe(const std::string& id) override
    {
        const std::u16string wid = utf::to_utf16(id);
        void* handle = nullptr;
        HostString result;
        const api::HRESULT r = fn_.open(wid.c_str(), &handle, result.out());
        judge_probe_open(r, handle, fn_.close, r < 0 ? result.text() : std::string());
    }

    std::string service_properties(const std::string& query) override
    {
        const std::u16string wq = utf::to_utf16(query);
        HostString properties;
        HostString result;
        const api::HRESULT r = fn_.get_service_properties(wq.c_str(), properties.out(), result.out());
        if (r < 0) throw make_error("get service properties", r, result.text());
        return properties.text();
    }

    void grant_vm_access(const std::string& vm_id, const std::string& path) override
    {
        grant_vm_access_through(fn_.grant_vm_access, vm_id, path);
    }

private:
    std::shared_ptr<SharedLibrary> lib_;
    api::V1Functions fn_;
};

}  // namespace

std::unique_ptr<Backend> make_v1_backend(std::shared_ptr<SharedLibrary> lib, std::string& missing)
{
    api::V1Functions fn;
    missing.clear();
    resolve_export(*lib, "HcsCreateComputeSystem", fn.create, missing);
    resolve_export(*lib, "HcsOpenComputeSystem", fn.open, missing);
    resolve_export(*lib, "HcsCloseComputeSystem", fn.close, missing);
    resolve_export(*lib, "HcsStartComputeSystem", fn.start, missing);
    resolve_export(*lib, "HcsShutdownComputeSystem", fn.shutdown, missing);
    resolve_export(*lib, "HcsTerminateComputeSystem", fn.terminate, missing);
    resolve_export(*lib, "HcsGetComputeSystemProperties", fn.get_properties, missing);
    resolve_export(*lib, "HcsGetServiceProperties", fn.get_service_properties, missing);
    resolve_export(*lib, "HcsRegisterComputeSystemCallback", fn.register_callback, missing);
    resolve_export(*lib, "HcsUnregisterComputeSystemCallback", fn.unregister_callback, missing);
    resolve_export(*lib, "GrantVmAccess", fn.grant_vm_access, missing);
    if (!missing.empty()) return nullptr;
    return std::make_unique<V1Backend>(std::move(lib), fn);
}

}  // namespace hvsup::hcs::detail
