// SPDX-License-Identifier: MIT
// Internal: one implementation per HCS API (backend_v1.cpp for vmcompute.dll,
// backend_v2.cpp for computecore.dll) behind the interface HcsClient uses.
#pragma once

#include "core/utf.hpp"
#include "hcs/api.hpp"
#include "hcs/client.hpp"
#include "hcs/errors.hpp"
#include "hcs/handles.hpp"
#include "hcs/library.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>

namespace hvsup::hcs::detail {

// What the callbacks of one open compute-system handle have seen. The callback thread writes,
// waiters read; close the handle (which drains callbacks) before destroying it.
struct EventState {
    std::mutex mutex;
    std::condition_variable_any changed;  // _any: an exit wait may also end on a stop request
    bool exited = false;
    ExitStatus exit;
    bool disconnected = false;
    int32_t disconnect_status = 0;
    std::map<uint32_t, std::pair<int32_t, std::string>> completions;  // v1 notification -> status, data

    void record_exit(int32_t status, const std::string& data) noexcept;
    void record_disconnect(int32_t status) noexcept;
    void record_completion(uint32_t type, int32_t status, std::string data) noexcept;
};

// Waits (bounded) for SystemExited; throws for ServiceDisconnect. nullopt on timeout, or as
// soon as `stop` is requested.
std::optional<ExitStatus> wait_for_exit_event(EventState& state, Timeout timeout, std::string_view operation,
                                              std::stop_token stop = {});

class SystemConnection {
public:
    virtual ~SystemConnection() = default;
    virtual void start(Timeout timeout) = 0;
    virtual void shutdown(Timeout timeout) = 0;
    virtual void terminate(Timeout timeout, std::string_view operation) = 0;
    virtual std::string properties_document(std::string_view operation) = 0;
    virtual EventState& events() = 0;
};

class Backend {
public:
    virtual ~Backend() = default;
    virtual ApiKind kind() const = 0;
    virtual std::unique_ptr<SystemConnection> create(const std::string& id, const std::string& document,
                                                     Timeout timeout) = 0;
    // Throws the HCS error of the open (not-found included) labelled `operation`.
    virtual std::unique_ptr<SystemConnection> open(const std::string& id, std::string_view operation) = 0;
    // HcsOpenComputeSystem of the probe id: true when the id was not found, false when opened.
    virtual void probe(const std::string& id) = 0;
    virtual std::string service_properties(const std::string& query) = 0;
    virtual void grant_vm_access(const std::string& vm_id, const std::string& path) = 0;
};

// Resolves export `name` into `out`; a missing one leaves `out` null and is named in `missing`
// unless an earlier one already is (doctor reports the first export an API lacks).
template <typename Function>
void resolve_export(const SharedLibrary& lib, const char* name, Function& out, std::string& missing)
{
    out = lib.find_function<Function>(name);
    if (out == nullptr && missing.empty()) missing = name;
}

// The UTF-8 text of a string an HCS callback passed; empty when it is not valid UTF-16, since a
// callback must not throw into the DLL.
std::string callback_text(api::PCWSTR data) noexcept;

// A stop or terminate that finds the system already stopped or gone has nothing left to do.
bool system_already_gone(api::HRESULT r) noexcept;

// The probe's verdict on HcsOpenComputeSystem of the probe id (`r`, `handle`): an opened
// handle is closed with `close` and, like "not found", shows access; any other failure throws.
template <typename Closer>
void judge_probe_open(api::HRESULT r, void* handle, Closer close, std::string_view result_document = {})
{
    if (r >= 0) {
        UniqueHcsHandle<Closer> owner(handle, close);
        return;
    }
    if (same_hcs_code(r, hr::system_not_found)) return;
    throw make_error("probe access", r, result_document);
}

// GrantVmAccess (v1) and HcsGrantVmAccess (v2) take the same arguments.
template <typename Grant>
void grant_vm_access_through(Grant grant, const std::string& vm_id, const std::string& path)
{
    const std::u16string wvm = utf::to_utf16(vm_id);
    const std::u16string wpath = utf::to_utf16(path);
    const api::HRESULT r = grant(wvm.c_str(), wpath.c_str());
    if (r < 0) throw make_error("grant vm access", r);
}

// nullptr when `lib` lacks an export of that API; `missing` then names the first one absent.
std::unique_ptr<Backend> make_v1_backend(std::shared_ptr<SharedLibrary> lib, std::string& missing);
std::unique_ptr<Backend> make_v2_backend(std::shared_ptr<SharedLibrary> lib, std::string& missing);

// Milliseconds for HcsWaitForOperationResult (INFINITE for the infinite timeout).
uint32_t to_wait_ms(Timeout timeout) noexcept;
std::string describe_timeout(Timeout timeout);

}  // namespace hvsup::hcs::detail
