// SPDX-License-Identifier: MIT
#include "supervisor/doctor.hpp"

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/json.hpp"
#include "protocol/codec.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>

namespace hvsup::supervisor {

using namespace hvsup::protocol;

namespace {

std::string home_dir()
{
    for (const char* var : {"HOME", "USERPROFILE"}) {
        if (const char* v = std::getenv(var); v != nullptr && *v != '\0') return v;
    }
    return ".";
}

bool is_regular_file(const std::string& path)
{
    std::error_code ec;
    return std::filesystem::is_regular_file(files::from_utf8(path), ec);
}

}  // namespace

std::string default_kernel_path()
{
    auto p = files::from_utf8(home_dir()) / ".microagent" / "kernels" / "windows-hyperv" / host_architecture() / "Image";
    return files::to_utf8(p.make_preferred());
}

std::vector<std::string> default_guest_init_paths()
{
    auto per_user = files::from_utf8(home_dir()) / ".microagent" / "libexec" /
                    fmt::format("microagent-guestinit-{}", host_architecture());
    auto installed = files::from_utf8(HVSUP_INSTALLED_GUEST_INIT);
    return {files::to_utf8(per_user.make_preferred()), files::to_utf8(installed.make_preferred())};
}

std::string first_present_guest_init(const std::vector<std::string>& candidates)
{
    for (const auto& candidate : candidates) {
        if (is_regular_file(candidate)) return candidate;
    }
    return candidates.empty() ? std::string() : candidates.front();
}

std::string default_guest_init_path()
{
    return first_present_guest_init(default_guest_init_paths());
}

DoctorReport run_doctor(ComputeHost& host, NetworkHost& network, RuntimeServices& services, const DoctorOptions& options)
{
    DoctorReport report;
    std::vector<std::string> issues;
    auto add = [&](std::string name, bool ok, std::string detail, bool required = true) {
        if (!ok && required && std::find(issues.begin(), issues.end(), detail) == issues.end()) issues.push_back(detail);
        report.checks.push_back(DoctorCheck{std::move(name), ok, required, std::move(detail)});
    };

    const HostProbe probe = host.probe();
    HostSupport h;
    h.backend = backend_name;
    h.architecture = host_architecture();
    h.framework_available = probe.framework_available;
    h.virtualization_supported = probe.virtualization_supported;
    h.hcs_api = probe.api;

    if (!probe.error.empty()) add("host probe", false, probe.error);
    add("hcs", probe.framework_available,
        probe.framework_available ? fmt::format("Host Compute Service available through {}", probe.api)
                                  : "Windows Host Compute Service is not available");
    add("virtualization", probe.virtualization_supported,
        probe.virtualization_supported ? "Hyper-V/WHP virtualization support is available"
                                       : "Hyper-V/WHP virtualization support is not available");
    if (!probe.exports.empty()) add("hcs exports", probe.framework_available, probe.exports);
    if (!probe.boot.empty()) add("boot", true, probe.boot, false);

    KernelSupport k{backend_name, host_architecture(), {}, {}, {}, {}};
    k.path = options.kernel_path.empty() ? default_kernel_path() : options.kernel_path;
    k.status = is_regular_file(k.path) ? "present" : "unavailable";
    add("kernel", k.status == "present",
        k.status == "present" ? fmt::format("kernel present at {}", k.path)
                              : fmt::format("windows-hyperv kernel is unavailable: no file at {}", k.path));
    if (k.status != "present") k.error = fmt::format("no file at {}", k.path);

    h.guest_init_path = options.guest_init_path.empty() ? default_guest_init_path() : options.guest_init_path;
    h.guest_init_available = is_regular_file(h.guest_init_path);
    add("guest init", h.guest_init_available,
        h.guest_init_available
            ? fmt::format("guest init present at {}", h.guest_init_path)
            : fmt::format("microagent guest init not found at {}; set guest init explicitly or install "
                          "microagent-guestinit-{} under the microagent Homebrew libexec directory",
                          h.guest_init_path, host_architecture()));

    if (probe.framework_available) {
        try {
            host.check_access();
            add("hcs access", true, "the current user may use HCS");
        } catch (const Error& e) {
            add("hcs access", false, e.what());
        }
    }

    const std::string hcn_error = network.probe();
    h.user_networking_available = hcn_error.empty();
    add("hcn", hcn_error.empty(), hcn_error.empty() ? "HCN/HNS networking answers" : hcn_error);

    // The console is `connect` over a Hyper-V socket, so it is available exactly when the
    // sockets are (the reference's hvsock probe sets all three fields).
    const std::string hvsock_error = services.probe();
    h.vsock_available = hvsock_error.empty();
    h.console_available = h.vsock_available;
    h.console_mode = h.vsock_available ? "hvsock" : "unavailable";
    add("hvsock", h.vsock_available, h.vsock_available ? "Hyper-V sockets can be used" : hvsock_error);

    Response& r = report.response;
    r.backend = backend_name;
    r.host = h;
    r.kernel = k;
    r.ok = issues.empty();
    for (size_t i = 0; i < issues.size(); ++i) r.error += (i ? "; " : "") + issues[i];
    return report;
}

std::string doctor_json(const DoctorReport& report)
{
    json::value v = encode(report.response);
    json::array checks;
    for (const auto& c : report.checks) {
        checks.emplace_back(json::object{{"name", c.name}, {"ok", c.ok}, {"required", c.required}, {"detail", c.detail}});
    }
    v.get_object()["checks"] = std::move(checks);
    return json::pretty(v) + "\n";
}

std::string doctor_text(const DoctorReport& report)
{
    const Response& r = report.response;
    std::string out;
    out += fmt::format("Backend:    {}\n", r.backend);
    out += fmt::format("Status:     {}\n", r.ok ? "ready" : "not ready");
    out += fmt::format("Host:       {} {}, HCS {}{}\n", r.host->backend, r.host->architecture,
                       r.host->framework_available ? "available" : "unavailable",
                       r.host->hcs_api.empty() ? "" : fmt::format(" ({})", r.host->hcs_api));
    out += fmt::format("Console:    {}\n", r.host->console_mode);
    out += fmt::format("Networking: {}\n", r.host->user_networking_available ? "HCN/HNS available" : "HCN/HNS unavailable");
    out += fmt::format("Kernel:     {} ({})\n", r.kernel->status, r.kernel->path);
    out += "Checks:\n";
    for (const auto& c : report.checks) {
        out += fmt::format("  [{}] {}: {}\n", c.ok ? " ok " : (c.required ? "FAIL" : "info"), c.name, c.detail);
    }
    return out;
}

}  // namespace hvsup::supervisor
