// SPDX-License-Identifier: MIT
// hvsup-cli: the executable supervisor convention (microagent-protocol.md §1) over the C ABI.
// One request in (stdin, --request PATH or --request-json JSON), one response out on stdout,
// diagnostics on stderr, exit 0 iff the response says "ok": true. The lifecycle subcommands
// (start, stop, inspect, ...) build that request from options and summarise the response in one
// line (lifecycle_request.hpp, lifecycle_summary.hpp; docs/cli.md).
#include "hvsup/hvsup.h"
#include "common/arguments.hpp"
#include "lifecycle_request.hpp"
#include "lifecycle_summary.hpp"

#include <boost/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

constexpr size_t max_request_bytes = 16u << 20;

// The help text is also the man page (help2man, tools/meson.build): "Usage:" first, the
// options as "  --name VALUE  description" lines under headings that end with a colon.
const char* usage_text =
    "Usage: hvsup-cli [OPTIONS]                  run the request read from stdin\n"
    "  or:  hvsup-cli [OPTIONS] --request PATH   run the request in PATH\n"
    "  or:  hvsup-cli [OPTIONS] --request-json JSON\n"
    "  or:  hvsup-cli [OPTIONS] COMMAND --runtime ID [--state-dir DIR] [--config FILE] [--json]\n"
    "  or:  hvsup-cli [OPTIONS] host             report host capability (the \"host\" command)\n"
    "  or:  hvsup-cli [OPTIONS] doctor [--json] [--kernel PATH] [--guest-init PATH]\n"
    "  or:  hvsup-cli [OPTIONS] plan (--request PATH | --request-json JSON | stdin)\n"
    "\n"
    "Runs one windows-hyperv supervisor request and prints the response as JSON.\n"
    "Exit status is 0 when the response says \"ok\": true, 1 otherwise, 2 for usage errors.\n"
    "\n"
    "Commands:\n"
    "  check, prepare, start, run\n"
    "                       the protocol command on runtime ID, with the VM config from --config\n"
    "  inspect, stop, halt, kill, quarantine, delete\n"
    "                       the protocol command on runtime ID in the state directory\n"
    "  host                 report host capability\n"
    "  doctor               check the host, kernel and guest init and say what is missing\n"
    "  plan                 print the compute-system document, kernel command line, network and\n"
    "                       listeners a run would use; touches nothing\n"
    "\n"
    "Options:\n"
    "  --state-dir DIR      state directory (config.stateDir) for requests that name none;\n"
    "                       with a command it overrides the --config file's stateDir\n"
    "  --hcs-library PATH   load the HCS API from PATH instead of System32\n"
    "  --hcn-library PATH   load the HCN API from PATH instead of System32\n"
    "  --hcs-api API        force computecore or vmcompute (default: computecore when present)\n"
    "  --boot-mode MODE     auto (default: by the host, see doctor), kernel-direct or uefi-vmbfs\n"
    "  --listener-helper PATH\n"
    "                       hvsock-listener executable for detached starts (default: beside hvsup-cli)\n"
    "  --stop-grace-ms N    how long stop/halt wait for the guest before terminating (default 15000)\n"
    "  --verbose            print informational diagnostics on stderr\n"
    "  -V, --version        print the version and exit\n"
    "  -h, --help           print this help and exit\n"
    "\n"
    "Command options:\n"
    "  --runtime ID         the runtime (identity.runtimeID); required\n"
    "  --config FILE        JSON object used as the request's config (kernelPath, rootfsPath,\n"
    "                       memoryMiB, ...); required by check, prepare, start and run\n"
    "  --request-id ID      identity.requestID (default: hvsup-cli-COMMAND-<time in ns>)\n"
    "  --role ROLE          identity.role: workload (default) or enforcer\n"
    "  --json               print the response JSON instead of a one-line summary\n"
    "\n"
    "Doctor options:\n"
    "  --json               print the report as JSON instead of text\n"
    "  --kernel PATH        kernel to check (default ~/.microagent/kernels/windows-hyperv/<arch>/Image)\n"
    "  --guest-init PATH    guest init to check (default ~/.microagent/libexec/microagent-guestinit-<arch>,\n"
    "                       else the installed <libexecdir>/hvsup/hvsup-guestinit)\n"
    "\n"
    "An option's value may also follow an '=' (--state-dir=DIR).\n"
    "A command prints one line on stdout when the response says \"ok\": true\n"
    "(\"agent-1: running (serial=...)\") and one line on stderr otherwise. See docs/cli.md.\n";

struct Args {
    std::string mode = "request";  // request | host | doctor | plan | lifecycle
    hvsup::cli::LifecycleOptions lifecycle;
    std::optional<std::string> request_path;
    std::optional<std::string> request_json;
    std::string state_dir, hcs_library, hcn_library, hcs_api, boot_mode, listener_helper, kernel, guest_init;
    uint32_t stop_grace_ms = 0;
    bool json = false;
    bool verbose = false;
};

int usage_error(const std::string& message)
{
    std::fprintf(stderr, "hvsup-cli: %s\nTry 'hvsup-cli --help'.\n", message.c_str());
    return 2;
}

void log_to_stderr(hvsup_log_level level, const char* message, void* user)
{
    const bool verbose = *static_cast<bool*>(user);
    if (!verbose && level < HVSUP_LOG_WARNING) return;
    static const char* names[] = {"debug", "info", "warning", "error"};
    std::fprintf(stderr, "hvsup: %s: %s\n", names[level], message);
}

// Prints a response built here (the library never saw the request) and returns 1.
int local_failure(const std::string& message)
{
    boost::json::object o{{"ok", false}, {"backend", "windows-hyperv"}, {"error", message}};
    std::printf("{\n  \"ok\": false,\n  \"backend\": \"windows-hyperv\",\n  \"error\": %s\n}\n",
                boost::json::serialize(o["error"]).c_str());
    std::fprintf(stderr, "hvsup-cli: %s\n", message.c_str());
    return 1;
}

bool read_limited(std::istream& in, std::string& out)
{
    char buf[65536];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        out.append(buf, static_cast<size_t>(in.gcount()));
        if (out.size() > max_request_bytes) return false;
    }
    return true;
}

int print_error(const char* what, hvsup_status status, hvsup_error* error)
{
    std::fprintf(stderr, "hvsup-cli: %s: %s (status %d)\n", what, hvsup_error_message(error), static_cast<int>(status));
    hvsup_error_free(error);
    return 1;
}

}  // namespace

int main(int argc, char** argv)
{
    // UTF-8 on Windows too, and the options that take a value also as --name=value
    // (common/arguments.hpp).
    hvsup::tools::Utf8Argv utf8_argv(argc, argv, {"--stop-grace-ms", "--request", "--request-json", "--state-dir", "--hcs-library",
                                                  "--hcn-library", "--hcs-api", "--boot-mode", "--listener-helper", "--kernel",
                                                  "--guest-init", "--runtime", "--config", "--request-id", "--role"});
    argc = utf8_argv.argc();
    argv = utf8_argv.argv();
    Args args;
    std::vector<std::string> positional;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&](const char* name) -> std::optional<std::string> {
            if (i + 1 >= argc) return std::nullopt;
            (void)name;
            return std::string(argv[++i]);
        };
        if (a == "--help" || a == "-h") {
            std::fputs(usage_text, stdout);
            return 0;
        }
        if (a == "--version" || a == "-V") {
            std::printf("hvsup-cli %s (ABI %u)\n", hvsup_version_string(), hvsup_abi_version());
            return 0;
        }
        if (a == "--verbose") { args.verbose = true; continue; }
        if (a == "--json") { args.json = true; continue; }
        if (a == "--stop-grace-ms") {
            if (i + 1 >= argc) return usage_error(a + " needs a value");
            char* end = nullptr;
            unsigned long v = std::strtoul(argv[++i], &end, 10);
            if (end == nullptr || *end != '\0' || v == 0 || v > 3600000) return usage_error("--stop-grace-ms takes 1..3600000");
            args.stop_grace_ms = static_cast<uint32_t>(v);
            continue;
        }
        std::optional<std::string>* slot = nullptr;
        std::string* text = nullptr;
        if (a == "--request") slot = &args.request_path;
        else if (a == "--request-json") slot = &args.request_json;
        else if (a == "--state-dir") text = &args.state_dir;
        else if (a == "--hcs-library") text = &args.hcs_library;
        else if (a == "--hcn-library") text = &args.hcn_library;
        else if (a == "--hcs-api") text = &args.hcs_api;
        else if (a == "--boot-mode") text = &args.boot_mode;
        else if (a == "--listener-helper") text = &args.listener_helper;
        else if (a == "--kernel") text = &args.kernel;
        else if (a == "--guest-init") text = &args.guest_init;
        else if (a == "--runtime") slot = &args.lifecycle.runtime_id;
        else if (a == "--config") slot = &args.lifecycle.config_path;
        else if (a == "--request-id") slot = &args.lifecycle.request_id;
        else if (a == "--role") slot = &args.lifecycle.role;
        if (slot != nullptr || text != nullptr) {
            auto v = value(a.c_str());
            if (!v) return usage_error(a + " needs a value");
            if (slot != nullptr) *slot = *v;
            else *text = *v;
            continue;
        }
        if (!a.empty() && a[0] == '-') return usage_error("unknown option " + a);
        positional.push_back(a);
    }
    // Option values the library would refuse are usage errors here, before any work (exit 2).
    if (!args.boot_mode.empty() && args.boot_mode != "auto" && args.boot_mode != "kernel-direct" &&
        args.boot_mode != "uefi-vmbfs") {
        return usage_error("--boot-mode takes auto, kernel-direct or uefi-vmbfs, not '" + args.boot_mode + "'");
    }
    if (!args.hcs_api.empty() && args.hcs_api != "computecore" && args.hcs_api != "vmcompute") {
        return usage_error("--hcs-api takes computecore or vmcompute, not '" + args.hcs_api + "'");
    }
    if (positional.size() > 1) return usage_error("too many arguments");
    if (!positional.empty()) {
        if (hvsup::cli::is_lifecycle_command(positional[0])) {
            args.mode = "lifecycle";
            args.lifecycle.command = positional[0];
        } else if (positional[0] == "host" || positional[0] == "doctor" || positional[0] == "plan") {
            args.mode = positional[0];
        } else {
            return usage_error("unknown subcommand " + positional[0]);
        }
    }
    const auto& lc = args.lifecycle;
    if (args.mode != "lifecycle" && (lc.runtime_id || lc.config_path || lc.request_id || lc.role)) {
        return usage_error("--runtime, --config, --request-id and --role go with a command (start, stop, ...)");
    }
    if (args.mode == "lifecycle" && (args.request_path || args.request_json)) {
        return usage_error(lc.command + " builds its request from --runtime and --config; it takes no --request");
    }
    if (args.request_path && args.request_json) return usage_error("--request and --request-json exclude each other");
    if (args.mode != "request" && args.mode != "plan" && (args.request_path || args.request_json)) {
        return usage_error(args.mode + " takes no request");
    }
    // The command's request is built (its --config file read) before anything is loaded, so a
    // bad option is a usage error that has done nothing.
    std::string lifecycle_request;
    if (args.mode == "lifecycle") {
        args.lifecycle.state_dir = args.state_dir;
        auto built = hvsup::cli::build_lifecycle_request(args.lifecycle);
        if (!built.usage_error.empty()) return usage_error(built.usage_error);
        lifecycle_request = std::move(built.json);
    }

    hvsup_context_options options = HVSUP_CONTEXT_OPTIONS_INIT;
    options.default_state_dir = args.state_dir.empty() ? nullptr : args.state_dir.c_str();
    options.hcs_library = args.hcs_library.empty() ? nullptr : args.hcs_library.c_str();
    options.hcn_library = args.hcn_library.empty() ? nullptr : args.hcn_library.c_str();
    options.hcs_api = args.hcs_api.empty() ? nullptr : args.hcs_api.c_str();
    options.boot_mode = args.boot_mode.empty() ? nullptr : args.boot_mode.c_str();
    options.listener_helper = args.listener_helper.empty() ? nullptr : args.listener_helper.c_str();
    options.stop_grace_ms = args.stop_grace_ms;
    options.log_callback = log_to_stderr;
    options.log_user = &args.verbose;
    hvsup_context* context = nullptr;
    hvsup_error* error = nullptr;
    if (hvsup_status s = hvsup_context_create(&context, &options, &error); s != HVSUP_OK) {
        return print_error("create context", s, error);
    }

    if (args.mode == "doctor") {
        hvsup_doctor_options dopts = HVSUP_DOCTOR_OPTIONS_INIT;
        dopts.format = args.json ? HVSUP_DOCTOR_FORMAT_JSON : HVSUP_DOCTOR_FORMAT_TEXT;
        dopts.kernel_path = args.kernel.empty() ? nullptr : args.kernel.c_str();
        dopts.guest_init_path = args.guest_init.empty() ? nullptr : args.guest_init.c_str();
        char* report = nullptr;
        int32_t ok = 0;
        hvsup_status s = hvsup_context_doctor(&report, &ok, context, &dopts, &error);
        hvsup_context_free(context);
        if (s != HVSUP_OK) return print_error("doctor", s, error);
        std::fputs(report, stdout);
        hvsup_string_free(report);
        return ok ? 0 : 1;
    }

    std::string request;
    if (args.mode == "host") {
        request = R"({"command":"host"})";
    } else if (args.mode == "lifecycle") {
        request = std::move(lifecycle_request);
    } else if (args.request_json) {
        request = *args.request_json;
    } else if (args.request_path) {
        std::ifstream in(hvsup::tools::utf8_path(*args.request_path), std::ios::binary);
        if (!in) {
            hvsup_context_free(context);
            return local_failure("read request " + *args.request_path + ": " + std::strerror(errno));
        }
        if (!read_limited(in, request)) {
            hvsup_context_free(context);
            return local_failure("request " + *args.request_path + " exceeds 16777216 bytes");
        }
    } else {
        if (!read_limited(std::cin, request)) {
            hvsup_context_free(context);
            return local_failure("request on stdin exceeds 16777216 bytes");
        }
    }
    if (request.find_first_not_of(" \t\r\n") == std::string::npos) {
        hvsup_context_free(context);
        return local_failure("request JSON is required on stdin or with --request");
    }
    if (request.size() > max_request_bytes) {
        hvsup_context_free(context);
        return local_failure("request exceeds 16777216 bytes");
    }

    if (args.mode == "plan") {
        char* plan = nullptr;
        hvsup_status s = hvsup_context_plan(&plan, context, request.c_str(), &error);
        hvsup_context_free(context);
        if (s != HVSUP_OK) {
            std::string message = hvsup_error_message(error);
            hvsup_error_free(error);
            return local_failure(message);
        }
        std::fputs(plan, stdout);
        hvsup_string_free(plan);
        return 0;
    }

    char* response = nullptr;
    hvsup_status s = hvsup_context_supervise(&response, context, request.c_str(), &error);
    hvsup_context_free(context);
    if (s != HVSUP_OK) return print_error("supervise", s, error);
    const bool summarise = args.mode == "lifecycle" && !args.json;
    if (!summarise) std::fputs(response, stdout);

    bool ok = false;
    boost::json::error_code ec;
    boost::json::value v = boost::json::parse(response, ec);
    hvsup_string_free(response);
    if (!ec && v.is_object()) {
        if (auto* o = v.get_object().if_contains("ok"); o != nullptr && o->is_bool()) ok = o->get_bool();
    }
    if (summarise) {
        // Success on stdout, failure on stderr: a script's `if hvsup-cli stop ...` sees the
        // exit status, a person sees one line either way.
        const std::string line = hvsup::cli::lifecycle_summary(lc.command, *lc.runtime_id, v);
        if (ok) std::printf("%s\n", line.c_str());
        else std::fprintf(stderr, "hvsup-cli: %s\n", line.c_str());
    } else if (!ok && !ec && v.is_object()) {
        if (auto* e = v.get_object().if_contains("error"); e != nullptr && e->is_string()) {
            std::fprintf(stderr, "hvsup-cli: %s\n", e->get_string().c_str());
        }
    }
    return ok ? 0 : 1;
}
