// SPDX-License-Identifier: MIT
// State directory trust (docs/security.md): directories another user could write are refused,
// links are never followed, removal never leaves the runtime directory, a recorded helper PID is
// signalled only when it is provably the helper, a planted ready file never counts.
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/process.hpp"
#include "protocol/runtime_dir.hpp"
#include "supervisor/hvsock_runtime_services.hpp"
#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <thread>
#include <unistd.h>

using namespace hvsup;
namespace fs = std::filesystem;

namespace {

// The message of the Error `f` throws, checked to be ErrorCode::integrity.
template <typename F>
std::string integrity_error(F&& f)
{
    try {
        f();
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::integrity);
        return e.what();
    }
    FAIL("no error thrown");
    return {};
}

void write_text(const fs::path& p, const std::string& text)
{
    std::ofstream(p, std::ios::binary) << text;
}

std::string which(const std::string& name)
{
    for (const char* dir : {"/usr/bin", "/bin"}) {
        fs::path p = fs::path(dir) / name;
        if (fs::exists(p)) return fs::canonical(p).string();
    }
    FAIL("no " << name);
    return {};
}

}  // namespace

TEST_CASE("trusted dirs: own 0700 and missing pass; links, foreign owners and others' write bits are refused",
          "[files][trust]")
{
    test::TempDir tmp;
    const fs::path state = tmp.path() / "state";
    CHECK_NOTHROW(files::require_trusted_dir(state, files::DirTrust::state_dir));  // missing: created private later
    files::ensure_private_dir(state / "agent-1");
    CHECK_NOTHROW(files::require_trusted_dir(state, files::DirTrust::state_dir));
    CHECK_NOTHROW(files::require_trusted_dir(state / "agent-1", files::DirTrust::runtime_dir));

    SECTION("a runtime dir that is a symbolic link")
    {
        fs::create_directory(tmp.path() / "elsewhere");
        fs::create_directory_symlink(tmp.path() / "elsewhere", state / "agent-2");
        const std::string msg =
            integrity_error([&] { files::require_trusted_dir(state / "agent-2", files::DirTrust::runtime_dir); });
        CHECK(msg == "runtime directory " + (state / "agent-2").string() +
                         " is a symbolic link: hvsup never follows links inside a state directory; remove the link "
                         "(what it points to is not touched)");
    }
    SECTION("a state dir reached through the caller's own link is accepted; its target is what is checked")
    {
        fs::create_directory_symlink(state, tmp.path() / "link");
        CHECK_NOTHROW(files::require_trusted_dir(tmp.path() / "link", files::DirTrust::state_dir));
        ::chmod(state.c_str(), 0777);
        CHECK_THAT(
            integrity_error([&] { files::require_trusted_dir(tmp.path() / "link", files::DirTrust::state_dir); }),
            Catch::Contains("is writable by others (mode 0777)"));
    }
    SECTION("owned by another user")
    {
        REQUIRE(::chown(state.c_str(), 12345, 12345) == 0);
        CHECK(integrity_error([&] { files::require_trusted_dir(state, files::DirTrust::state_dir); }) ==
              "state directory " + state.string() + " is owned by uid 12345, not by the caller (uid " +
                  std::to_string(::geteuid()) +
                  "): its owner could forge the state hvsup acts on; use a directory you own (chown it, or choose "
                  "another stateDir)");
        REQUIRE(::chown((state / "agent-1").c_str(), 12345, 12345) == 0);
        CHECK_THAT(
            integrity_error([&] { files::require_trusted_dir(state / "agent-1", files::DirTrust::runtime_dir); }),
            Catch::StartsWith("runtime directory " + (state / "agent-1").string() + " is owned by uid 12345"));
    }
    SECTION("writable by group or others")
    {
        for (mode_t mode : {0702, 0720, 0777}) {
            ::chmod((state / "agent-1").c_str(), mode);
            CHECK_THAT(
                integrity_error([&] { files::require_trusted_dir(state / "agent-1", files::DirTrust::runtime_dir); }),
                Catch::EndsWith("run chmod go-w " + (state / "agent-1").string()));
        }
    }
    SECTION("a parent others may write to must be sticky")
    {
        const fs::path parent = tmp.path() / "shared";
        fs::create_directory(parent);
        files::ensure_private_dir(parent / "state");
        ::chmod(parent.c_str(), 0777);
        CHECK_THAT(
            integrity_error([&] { files::require_trusted_dir(parent / "state", files::DirTrust::state_dir); }),
            Catch::StartsWith("parent directory " + parent.string() + " of state directory " +
                              (parent / "state").string() + " is writable by others and not sticky (mode 0777)"));
        // A missing state dir below it is refused too: it would be created there.
        CHECK_THAT(integrity_error([&] { files::require_trusted_dir(parent / "new", files::DirTrust::state_dir); }),
                   Catch::StartsWith("parent directory " + parent.string()));
        ::chmod(parent.c_str(), 01777);  // like /tmp
        CHECK_NOTHROW(files::require_trusted_dir(parent / "state", files::DirTrust::state_dir));
    }
    SECTION("a file where a directory belongs")
    {
        write_text(state / "agent-3", "x");
        CHECK(integrity_error([&] { files::require_trusted_dir(state / "agent-3", files::DirTrust::runtime_dir); }) ==
              "runtime directory " + (state / "agent-3").string() + " is a regular file, not a directory");
    }
}

TEST_CASE("state files are never read through links or as other file types", "[files][trust]")
{
    test::TempDir tmp;
    write_text(tmp.path() / "secret", "not yours");
    fs::create_symlink(tmp.path() / "secret", tmp.path() / "result.json");
    CHECK(integrity_error([&] { (void)files::read_state_file(tmp.path() / "result.json", 1024); }) ==
          "state file " + (tmp.path() / "result.json").string() +
              " is a symbolic link, not a regular file; hvsup never reads through links or other file types in a "
              "state directory: remove it");
    fs::create_directory(tmp.path() / "events.json");
    CHECK_THAT(integrity_error([&] { (void)files::read_state_file(tmp.path() / "events.json", 1024); }),
               Catch::Contains("is a directory, not a regular file"));
    // A FIFO would block a plain open for ever.
    REQUIRE(::mkfifo((tmp.path() / "runtime.json").c_str(), 0600) == 0);
    CHECK_THAT(integrity_error([&] { (void)files::read_state_file(tmp.path() / "runtime.json", 1024); }),
               Catch::Contains("is a FIFO, not a regular file"));
    write_text(tmp.path() / "event.json", "{}");
    CHECK(files::read_state_file(tmp.path() / "event.json", 1024) == std::optional<std::string>("{}"));
    CHECK_FALSE(files::read_state_file(tmp.path() / "missing", 1024));
}

TEST_CASE("remove_tree removes links as links and never what they point to", "[files][trust]")
{
    test::TempDir tmp;
    const fs::path outside = tmp.path() / "outside";
    fs::create_directory(outside);
    write_text(outside / "precious", "keep");
    const fs::path tree = tmp.path() / "agent-1";
    fs::create_directories(tree / "sub");
    fs::create_directory_symlink(outside, tree / "sub" / "link-to-dir");
    fs::create_symlink(outside / "precious", tree / "link-to-file");
    files::remove_tree(tree);
    CHECK_FALSE(fs::exists(fs::symlink_status(tree)));
    CHECK(test::slurp(outside / "precious") == "keep");

    // A link at the top is removed as a link.
    fs::create_directory_symlink(outside, tree);
    files::remove_tree(tree);
    CHECK_FALSE(fs::exists(fs::symlink_status(tree)));
    CHECK(test::slurp(outside / "precious") == "keep");
    CHECK_NOTHROW(files::remove_tree(tree));  // missing: fine
}

TEST_CASE("delete's removal order: runtime.json, event.json, events.json, then the rest", "[files][trust]")
{
    test::TempDir tmp;
    protocol::RuntimeDir dir(tmp.path().string(), "agent-1");
    protocol::Transition t;
    t.identity = protocol::Identity{"req-0", "agent-1", "workload", "windows-hyperv", ""};
    t.state = "prepared";
    t.detail = "x";
    t.config = protocol::Config{};
    t.at = now();
    dir.record(t);
    write_text(dir.file("a-first-in-any-listing"), "x");
    write_text(dir.file("command.lock"), "");

    // The kernel reports each unlink in the order it happened.
    const int watch = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    REQUIRE(watch >= 0);
    REQUIRE(::inotify_add_watch(watch, dir.path().c_str(), IN_DELETE) >= 0);
    dir.remove_except("command.lock");
    std::vector<std::string> order;
    alignas(inotify_event) char buf[8192];
    for (ssize_t n; (n = ::read(watch, buf, sizeof buf)) > 0;) {
        for (char* p = buf; p < buf + n;) {
            auto* e = reinterpret_cast<inotify_event*>(p);
            if (e->len > 0) order.emplace_back(e->name);
            p += sizeof(inotify_event) + e->len;
        }
    }
    ::close(watch);
    REQUIRE(order.size() >= 4);
    CHECK(std::vector<std::string>(order.begin(), order.begin() + 3) ==
          std::vector<std::string>{"runtime.json", "event.json", "events.json"});
    CHECK(test::list_dir(dir.path()) == std::vector<std::string>{"command.lock"});
}

TEST_CASE("process start_time and executable_path identify a process", "[process][trust]")
{
    const auto self = process::start_time(process::current_pid());
    REQUIRE(self);
    CHECK(process::start_time(process::current_pid()) == self);
    CHECK(process::executable_path(process::current_pid()) == process::current_executable());
    CHECK_FALSE(process::start_time(0));
    CHECK_FALSE(process::start_time(INT32_MAX));  // beyond pid_max
    CHECK_FALSE(process::executable_path(INT32_MAX));
}

TEST_CASE("a recorded helper PID is signalled only when it is provably the helper", "[supervisor][trust]")
{
    process::SpawnOptions sleeper;
    sleeper.executable = which("sleep");
    sleeper.args = {"30"};
    const int64_t pid = process::spawn(sleeper);
    const int64_t started = process::start_time(pid).value_or(0);
    REQUIRE(started != 0);
    struct Reap {
        int64_t pid;
        ~Reap()
        {
            try {
                process::terminate(pid, std::chrono::seconds(5));
            } catch (...) {
            }
        }
    } reap{pid};

    // An unrelated process at the recorded PID (a forged runtime.json, or the helper exited and
    // the PID was reused): never signalled, and it does not count as the helper.
    supervisor::HvsockRuntimeServices listener_helper(which("true"), "", "", Logger{});
    CHECK_FALSE(listener_helper.helper_alive({pid, started}));
    listener_helper.stop_helper({pid, started});
    listener_helper.stop_helper({pid, 0});
    CHECK(process::is_alive(pid));

    // The right executable but another start time: a later process that got the PID.
    supervisor::HvsockRuntimeServices same_exe(sleeper.executable, "", "", Logger{});
    CHECK_FALSE(same_exe.helper_alive({pid, started + 1}));
    same_exe.stop_helper({pid, started + 1});
    CHECK(process::is_alive(pid));

    // The helper itself is stopped.
    CHECK(same_exe.helper_alive({pid, started}));
    same_exe.stop_helper({pid, started});
    CHECK_FALSE(process::is_alive(pid));
}

TEST_CASE("a planted hvsock-listener.ready directory does not count as the helper being ready", "[supervisor][trust]")
{
    test::TempDir tmp;
    // A helper that never becomes ready: it exits after a moment.
    const fs::path helper = tmp.path() / "helper.sh";
    write_text(helper, "#!/bin/sh\nsleep 0.3\necho never listened\nexit 1\n");
    ::chmod(helper.c_str(), 0700);
    const fs::path runtime = tmp.path() / "agent-1";
    files::ensure_private_dir(runtime);
    fs::create_directories(runtime / "hvsock-listener.ready" / "inside");
    supervisor::HvsockRuntimeServices services(helper.string(), "", "", Logger{});
    try {
        (void)services.launch_helper(tmp.path().string(), "agent-1", (runtime / "hvsock-listener.log").string());
        FAIL("launch_helper returned before the helper was ready");
    } catch (const Error& e) {
        CHECK(std::string(e.what()) == "hvsock-listener exited before its listeners were ready: never listened");
    }
    CHECK_FALSE(fs::exists(fs::symlink_status(runtime / "hvsock-listener.ready")));

    // A planted link is removed as a link; its target stays.
    fs::create_directory(tmp.path() / "target");
    fs::create_directory_symlink(tmp.path() / "target", runtime / "hvsock-listener.ready");
    CHECK_THROWS_AS(services.launch_helper(tmp.path().string(), "agent-1", (runtime / "hvsock-listener.log").string()),
                    Error);
    CHECK(fs::is_directory(tmp.path() / "target"));
}
