// SPDX-License-Identifier: MIT
// The HCS client the supervisor calls: loads vmcompute.dll or computecore.dll (or an explicit
// provider such as the simulator), and drives compute systems through either API with the
// reference's error text (docs/hcs.md, "The binding and the API choice").
#pragma once

#include "core/error.hpp"
#include "hcs/schema/properties.hpp"
#include "hcs/schema/version.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

namespace hvsup::hcs {

enum class ApiKind { computecore, vmcompute };

// "computecore.dll" / "vmcompute.dll"
const char* dll_name(ApiKind api) noexcept;

using Timeout = std::chrono::milliseconds;
inline constexpr Timeout infinite = Timeout::max();
inline constexpr Timeout default_operation_timeout = std::chrono::minutes(4);

struct LoadOptions {
    // Explicit provider library (UTF-8 path). Empty: System32 on Windows; elsewhere the load
    // fails with ErrorCode::unsupported "windows-hyperv supervisor is only supported on windows".
    std::string library_path;
    // Use this API even when the other one is present (tests force vmcompute.dll). Unset:
    // computecore.dll when present, else vmcompute.dll.
    std::optional<ApiKind> force_api;
};

struct ExitStatus {
    int32_t status = 0;     // HRESULT from SystemExitStatus.Status
    std::string exit_type;  // "GracefulExit", "ForcedExit", "UnexpectedExit", ... ("" when unknown)
};

inline constexpr const char* access_probe_id = "__microagent_hcs_access_probe__";

namespace detail {
class Backend;
class SystemConnection;
}  // namespace detail

// An open compute-system handle with its event callback registered (set before start, so no
// exit is missed). Move-only; closing unregisters the callback and releases the handle. Not
// for concurrent use from several threads, except that wait_for_exit may run while another
// thread calls terminate/shutdown on the same object.
class ComputeSystemHandle {
public:
    ComputeSystemHandle(ComputeSystemHandle&&) noexcept;
    ComputeSystemHandle& operator=(ComputeSystemHandle&&) noexcept;
    ~ComputeSystemHandle();

    const std::string& id() const noexcept { return id_; }
    // HcsStartComputeSystem and its completion (errors "start" / "start wait").
    void start(Timeout timeout = default_operation_timeout);
    // A graceful shutdown request; does not wait for the exit. An already stopped or vanished
    // system is success. Errors "shutdown".
    void shutdown(Timeout timeout = default_operation_timeout);
    // Hard termination; `operation` labels errors ("kill", "delete", "terminate"). An already
    // stopped or vanished system is success.
    void terminate(std::string_view operation = "terminate", Timeout timeout = default_operation_timeout);
    // Waits for SystemExited. nullopt when `timeout` passed first, or as soon as `stop` is
    // requested. ServiceDisconnect while waiting throws "windows-hyperv HCS wait: unexpected HCS
    // notification ServiceDisconnect: …".
    std::optional<ExitStatus> wait_for_exit(Timeout timeout = infinite, std::stop_token stop = {});
    // HcsGetComputeSystemProperties: State, RuntimeId, ...
    schema::Properties properties(std::string_view operation = "get properties");
    std::string properties_document(std::string_view operation = "get properties");
    // Releases the handle now (the destructor does the same).
    void close() noexcept;

private:
    friend class HcsClient;
    ComputeSystemHandle(std::shared_ptr<detail::Backend> backend, std::unique_ptr<detail::SystemConnection> connection,
                        std::string id);

    std::shared_ptr<detail::Backend> backend_;
    std::unique_ptr<detail::SystemConnection> connection_;
    std::string id_;
    bool exit_checked_ = false;
};

// What doctor reports about the HCS provider, without failing: which library loaded, which
// API its exports support, and what is missing.
struct ProviderReport {
    bool loaded = false;
    std::string library;         // the path or System32 DLL name tried last
    std::optional<ApiKind> api;  // the API load() would use; unset when none
    std::string missing_v2;      // first computecore export missing ("" when complete)
    std::string missing_v1;      // first vmcompute export missing
    std::string error;           // why nothing usable loaded
};

ProviderReport inspect_provider(const LoadOptions& options) noexcept;

class HcsClient {
public:
    // Loads the API. Throws ErrorCode::unsupported when no HCS is available or the provider
    // lacks the exports of the requested API.
    static std::shared_ptr<HcsClient> load(const LoadOptions& options);

    ApiKind api() const noexcept;
    const char* dll() const noexcept { return dll_name(api()); }
    // The library actually loaded: the explicit path, or the System32 DLL name.
    const std::string& library_path() const noexcept { return library_path_; }

    // Opens `__microagent_hcs_access_probe__`; success or not-found means access is allowed.
    // Otherwise throws "windows-hyperv HCS probe access: <err>[: <result document>]".
    void probe_access();

    // The host's highest SupportedSchemaVersions entry (HcsGetServiceProperties "Basic").
    schema::Version highest_schema_version();
    // The host's logical processors (HcsGetServiceProperties "ProcessorTopology"); 0 when the
    // host does not report them.
    uint32_t logical_processor_count();

    // HcsCreateComputeSystem with id = runtimeID, waiting for completion (errors "create",
    // "create wait"). The handle stays open with its event callback registered.
    ComputeSystemHandle create(const std::string& id, const std::string& document,
                               Timeout timeout = default_operation_timeout);
    // HcsOpenComputeSystem; `operation` labels errors (e.g. "start open"). A missing system
    // throws an Error for which is_missing_compute_system() is true.
    ComputeSystemHandle open(const std::string& id, std::string_view operation = "open");

    // GrantVmAccess / HcsGrantVmAccess(vm_id, path); errors "grant vm access".
    void grant_vm_access(const std::string& vm_id, const std::string& path);

    static bool is_missing_compute_system(const Error& error);

    HcsClient(std::shared_ptr<detail::Backend> backend, std::string library_path);

private:
    std::shared_ptr<detail::Backend> backend_;
    std::string library_path_;
};

}  // namespace hvsup::hcs
