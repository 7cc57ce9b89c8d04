// SPDX-License-Identifier: MIT
#include "hcs/client.hpp"

#include "core/utf.hpp"
#include "hcs/backend.hpp"
#include "hcs/errors.hpp"
#include "hcs/handles.hpp"
#include "hcs/library.hpp"
#include "hcs/presence.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace hvsup::hcs {

std::string HostString::text() const
{
    try {
        return utf::from_host(ptr_);
    } catch (const Error&) {
        return "<result document is not valid UTF-16>";
    }
}

const char* dll_name(ApiKind api) noexcept
{
    return api == ApiKind::computecore ? "computecore.dll" : "vmcompute.dll";
}

namespace detail {

void EventState::record_exit(int32_t status, const std::string& data) noexcept
{
    ExitStatus exit_status;
    exit_status.status = status;
    try {
        const auto parsed = schema::decode_exit_status(data);
        if (parsed.status != 0) exit_status.status = parsed.status;
        exit_status.exit_type = parsed.exit_type;
    } catch (...) {
        // An unreadable exit document still means the system exited.
    }
    {
        std::lock_guard lock(mutex);
        if (!exited) {
            exited = true;
            exit = exit_status;
        }
    }
    changed.notify_all();
}

void EventState::record_disconnect(int32_t status) noexcept
{
    {
        std::lock_guard lock(mutex);
        disconnected = true;
        disconnect_status = status;
    }
    changed.notify_all();
}

void EventState::record_completion(uint32_t type, int32_t status, std::string data) noexcept
{
    {
        std::lock_guard lock(mutex);
        completions[type] = {status, std::move(data)};
    }
    changed.notify_all();
}

std::optional<ExitStatus> wait_for_exit_event(EventState& state, Timeout timeout, std::string_view operation,
                                              std::stop_token stop)
{
    std::unique_lock lock(state.mutex);
    auto ready = [&] { return state.exited || state.disconnected; };
    const bool happened = timeout == infinite ? state.changed.wait(lock, stop, ready)
                                              : state.changed.wait_for(lock, stop, timeout, ready);
    if (!happened) return std::nullopt;
    if (state.exited) return state.exit;
    throw make_error(operation,
                     fmt::format("unexpected HCS notification ServiceDisconnect: 0x{:08X}",
                                 static_cast<uint32_t>(state.disconnect_status)),
                     state.disconnect_status != 0 ? state.disconnect_status : hr::service_disconnect);
}

std::string callback_text(api::PCWSTR data) noexcept
{
    try {
        return utf::from_host(data);
    } catch (...) {
        return {};
    }
}

bool system_already_gone(api::HRESULT r) noexcept
{
    return same_hcs_code(r, hr::system_already_stopped) || same_hcs_code(r, hr::system_not_found);
}

uint32_t to_wait_ms(Timeout timeout) noexcept
{
    if (timeout == infinite) return 0xFFFFFFFFu;
    const auto ms = std::max<int64_t>(0, timeout.count());
    return static_cast<uint32_t>(std::min<int64_t>(ms, 0xFFFFFFFEll));
}

std::string describe_timeout(Timeout timeout)
{
    return fmt::format("{}ms", timeout.count());
}

}  // namespace detail

ComputeSystemHandle::ComputeSystemHandle(std::shared_ptr<detail::Backend> backend,
                                         std::unique_ptr<detail::SystemConnection> connection, std::string id)
    : backend_(std::move(backend)), connection_(std::move(connection)), id_(std::move(id))
{
}

ComputeSystemHandle::ComputeSystemHandle(ComputeSystemHandle&&) noexcept = default;

ComputeSystemHandle& ComputeSystemHandle::operator=(ComputeSystemHandle&& other) noexcept
{
    if (this != &other) {
        close();
        backend_ = std::move(other.backend_);
        connection_ = std::move(other.connection_);
        id_ = std::move(other.id_);
        exit_checked_ = other.exit_checked_;
    }
    return *this;
}

ComputeSystemHandle::~ComputeSystemHandle()
{
    close();
}

void ComputeSystemHandle::close() noexcept
{
    // The connection goes first: its library must stay loaded until the handle is closed.
    connection_.reset();
    backend_.reset();
}

namespace {
// The provider at an explicit path; errors read "load HCS API: load library "<path>": <why>".
SharedLibrary open_provider(const std::string& path)
{
    try {
        return SharedLibrary::open_path(path);
    } catch (const Error& e) {
        throw with_context(e, "load HCS API");
    }
}

detail::SystemConnection& require(const std::unique_ptr<detail::SystemConnection>& c, std::string_view operation)
{
    if (!c) throw make_error(operation, "compute system handle is closed", hr::e_handle);
    return *c;
}
}  // namespace

void ComputeSystemHandle::start(Timeout timeout)
{
    require(connection_, "start").start(timeout);
}
void ComputeSystemHandle::shutdown(Timeout timeout)
{
    require(connection_, "shutdown").shutdown(timeout);
}

void ComputeSystemHandle::terminate(std::string_view operation, Timeout timeout)
{
    require(connection_, operation).terminate(timeout, operation);
}

std::optional<ExitStatus> ComputeSystemHandle::wait_for_exit(Timeout timeout, std::stop_token stop)
{
    auto& c = require(connection_, "wait");
    {
        std::lock_guard lock(c.events().mutex);
        if (c.events().exited) return c.events().exit;
    }
    if (!exit_checked_) {
        // An exit between the open and the callback registration sends no event: ask once.
        exit_checked_ = true;
        try {
            const auto p = schema::decode_properties(c.properties_document("wait"));
            if (p.stopped || p.state == "Stopped") {
                c.events().record_exit(0, std::string());
                std::lock_guard lock(c.events().mutex);
                c.events().exit.exit_type = p.exit_type;
                return c.events().exit;
            }
        } catch (const Error& e) {
            if (is_missing_compute_system(e)) {
                c.events().record_exit(0, std::string());
                return c.events().exit;
            }
            // Anything else: the event wait below decides.
        }
    }
    return detail::wait_for_exit_event(c.events(), timeout, "wait", std::move(stop));
}

std::string ComputeSystemHandle::properties_document(std::string_view operation)
{
    return require(connection_, operation).properties_document(operation);
}

schema::Properties ComputeSystemHandle::properties(std::string_view operation)
{
    return schema::decode_properties(properties_document(operation));
}

HcsClient::HcsClient(std::shared_ptr<detail::Backend> backend, std::string library_path)
    : backend_(std::move(backend)), library_path_(std::move(library_path))
{
}

std::shared_ptr<HcsClient> HcsClient::load(const LoadOptions& options)
{
    auto try_make = [&](ApiKind kind, const std::shared_ptr<SharedLibrary>& lib, std::string& missing) {
        return kind == ApiKind::computecore ? detail::make_v2_backend(lib, missing)
                                            : detail::make_v1_backend(lib, missing);
    };
    if (!options.library_path.empty()) {
        auto lib = std::make_shared<SharedLibrary>(open_provider(options.library_path));
        std::string missing;
        if (options.force_api) {
            auto backend = try_make(*options.force_api, lib, missing);
            if (!backend) {
                throw Error(ErrorCode::unsupported,
                            fmt::format("HCS provider {} does not export the {} API: {} is missing",
                                        options.library_path, dll_name(*options.force_api), missing));
            }
            return std::make_shared<HcsClient>(std::move(backend), options.library_path);
        }
        std::string missing_v1;
        if (auto v2 = try_make(ApiKind::computecore, lib, missing)) {
            return std::make_shared<HcsClient>(std::move(v2), options.library_path);
        }
        if (auto v1 = try_make(ApiKind::vmcompute, lib, missing_v1)) {
            return std::make_shared<HcsClient>(std::move(v1), options.library_path);
        }
        throw Error(ErrorCode::unsupported, fmt::format("HCS provider {} exports neither API ({} and {} are missing)",
                                                        options.library_path, missing, missing_v1));
    }
    const Presence presence = probe_presence(options.force_api);
    if (!presence.available()) throw Error(ErrorCode::unsupported, presence.error);
    std::string missing;
    for (const SystemApi& system : presence.found) {
        if (auto backend = try_make(system.api, system.library, missing)) {
            return std::make_shared<HcsClient>(std::move(backend), dll_name(system.api));
        }
    }
    // A System32 DLL without the exports of its own API: not a host this client can drive.
    throw Error(ErrorCode::unsupported, fmt::format("no HCS library in System32 exports its API ({} lacks {})",
                                                    dll_name(presence.found.back().api), missing));
}

ApiKind HcsClient::api() const noexcept
{
    return backend_->kind();
}

ProviderReport inspect_provider(const LoadOptions& options) noexcept
{
    ProviderReport report;
    try {
        std::vector<std::shared_ptr<SharedLibrary>> libs;
        if (!options.library_path.empty()) {
            report.library = options.library_path;
            libs.push_back(std::make_shared<SharedLibrary>(open_provider(options.library_path)));
        } else {
            const Presence presence = probe_presence();
            if (!presence.available()) {
                report.error = presence.error;
                return report;
            }
            for (const SystemApi& system : presence.found) libs.push_back(system.library);
        }
        report.loaded = true;
        std::string missing;
        for (const auto& lib : libs) {
            report.library = lib->name();
            const bool v2 = detail::make_v2_backend(lib, missing) != nullptr;
            if (!v2 && (report.missing_v2.empty() || libs.size() == 1)) report.missing_v2 = missing;
            const bool v1 = detail::make_v1_backend(lib, missing) != nullptr;
            if (!v1 && (report.missing_v1.empty() || libs.size() == 1)) report.missing_v1 = missing;
            if (v2) report.missing_v2.clear();
            if (v1) report.missing_v1.clear();
        }
        const bool has_v2 = report.missing_v2.empty();
        const bool has_v1 = report.missing_v1.empty();
        if (options.force_api) {
            if ((*options.force_api == ApiKind::computecore && has_v2) ||
                (*options.force_api == ApiKind::vmcompute && has_v1)) {
                report.api = options.force_api;
            }
        } else if (has_v2) {
            report.api = ApiKind::computecore;
        } else if (has_v1) {
            report.api = ApiKind::vmcompute;
        }
        if (!report.api) report.error = "the HCS provider does not export a usable API";
    } catch (const std::exception& e) {
        report.error = e.what();
    }
    return report;
}

void HcsClient::probe_access()
{
    backend_->probe(access_probe_id);
}

schema::Version HcsClient::highest_schema_version()
{
    const auto versions =
        schema::decode_supported_schema_versions(backend_->service_properties(schema::basic_service_query()));
    if (versions.empty()) {
        throw make_error("get service properties", "the host reported no supported schema versions", 0);
    }
    return *std::max_element(versions.begin(), versions.end());
}

uint32_t HcsClient::logical_processor_count()
{
    return schema::decode_logical_processor_count(
        backend_->service_properties(schema::processor_topology_service_query()));
}

ComputeSystemHandle HcsClient::create(const std::string& id, const std::string& document, Timeout timeout)
{
    auto connection = backend_->create(id, document, timeout);
    return ComputeSystemHandle(backend_, std::move(connection), id);
}

ComputeSystemHandle HcsClient::open(const std::string& id, std::string_view operation)
{
    auto connection = backend_->open(id, operation);
    return ComputeSystemHandle(backend_, std::move(connection), id);
}

void HcsClient::grant_vm_access(const std::string& vm_id, const std::string& path)
{
    backend_->grant_vm_access(vm_id, path);
}

bool HcsClient::is_missing_compute_system(const Error& error)
{
    return hcs::is_missing_compute_system(error);
}

}  // namespace hvsup::hcs
