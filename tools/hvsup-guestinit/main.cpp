// SPDX-License-Identifier: MIT
// hvsup-guestinit: PID 1 of a Linux micro-VM (/sbin/microagent-init), or a test mode that runs
// the same sequence as an ordinary process (docs/guest.md).
#include "boot.hpp"
#include "console.hpp"
#include "power.hpp"
#include "workload.hpp"

#include "hvsup_build_config.h"

#include <cstdio>
#include <cstring>
#include <string>
#include <sys/prctl.h>
#include <unistd.h>

namespace {

const char* usage_text =
    "Usage: hvsup-guestinit\n"
    "  or:  hvsup-guestinit --test-root DIR [--cmdline-file FILE]\n"
    "                       [--vsock-emulation-dir DIR --vm-id GUID [--vsock-emulation-netns FILE]]\n"
    "\n"
    "The guest init of hvsup micro-VMs. As PID 1 (init=/sbin/microagent-init) it mounts the\n"
    "guest's file systems and data disks, runs the workload of /etc/microagent/run.json, streams\n"
    "its output to the console, delivers the result to the host over vsock and powers off.\n"
    "\n"
    "With --test-root it runs as an ordinary process: no mounts, no power-off; run.json and\n"
    "/etc/passwd are read under DIR, orphans of the workload are reaped (child subreaper).\n"
    "\n"
    "Options:\n"
    "  --test-root DIR            test mode, reading the guest's files under DIR\n"
    "  --cmdline-file FILE        the kernel command line (default /proc/cmdline)\n"
    "  --vsock-emulation-dir DIR  reach the host through the loopback emulation rooted at DIR\n"
    "                             (default: microagent_vsock_emulation_dir on the command line,\n"
    "                             else AF_VSOCK)\n"
    "  --vm-id GUID               the VM id the emulation files are kept under\n"
    "  --vsock-emulation-netns FILE  make the emulation's sockets in this network namespace\n"
    "                             (/proc/PID/ns/net or a bind mount of one) when the init's own\n"
    "                             is another (default: microagent_vsock_emulation_netns)\n"
    "  -V, --version              print the version and exit\n"
    "  -h, --help                 print this help and exit\n";

int usage_error(const std::string& why)
{
    std::fprintf(stderr, "hvsup-guestinit: %s\n%s", why.c_str(), usage_text);
    return 2;
}

}  // namespace

int main(int argc, char** argv)
{
    using namespace hvsup::guestinit;
    BootOptions o;
    bool test_mode = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            std::fputs(usage_text, stdout);
            return 0;
        }
        if (arg == "-V" || arg == "--version") {
            std::printf("hvsup-guestinit %s\n", HVSUP_VERSION_STRING);
            return 0;
        }
        const bool takes_value = arg == "--test-root" || arg == "--cmdline-file" || arg == "--vsock-emulation-dir" ||
                                 arg == "--vm-id" || arg == "--vsock-emulation-netns";
        // The kernel passes unknown "key=value" words of its command line to init as
        // environment and plain words as arguments: PID 1 ignores what it does not know.
        if (!takes_value) {
            if (::getpid() == 1) continue;
            return usage_error("unknown argument " + arg);
        }
        if (i + 1 >= argc || argv[i + 1][0] == '\0') return usage_error(arg + " needs a value");
        const std::string value = argv[++i];
        if (arg == "--test-root")
            o.root = value, test_mode = true;
        else if (arg == "--cmdline-file")
            o.cmdline_file = value;
        else if (arg == "--vsock-emulation-dir")
            o.emulation_dir = value;
        else if (arg == "--vsock-emulation-netns")
            o.emulation_netns = value;
        else
            o.vm_id = value;
    }
    if (!o.emulation_netns.empty() && o.emulation_dir.empty()) {
        return usage_error("--vsock-emulation-netns needs --vsock-emulation-dir");
    }
    if (!o.emulation_dir.empty() && o.vm_id.empty()) return usage_error("--vsock-emulation-dir needs --vm-id");
    if (o.emulation_dir.empty() && !o.vm_id.empty()) return usage_error("--vm-id needs --vsock-emulation-dir");
    if (!test_mode && ::getpid() != 1) {
        return usage_error("runs as PID 1 (init=) or with --test-root DIR");
    }
    o.as_init = !test_mode;
    while (o.root.size() > 1 && o.root.back() == '/') o.root.pop_back();

    block_init_signals();
    // Outside PID 1, orphans of the workload come back to the init as they would to PID 1.
    if (test_mode) ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    say(std::string("hvsup-guestinit ") + HVSUP_VERSION_STRING + (test_mode ? " (test mode)" : ""));
    const bool ok = boot(o);
    if (test_mode) return ok ? 0 : 1;
    power_off();
    return 1;
}
