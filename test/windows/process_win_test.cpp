// SPDX-License-Identifier: MIT
// core/process.hpp on Windows: CreateProcessW detached with output appended to a log,
// OpenProcess/GetExitCodeProcess liveness, TerminateProcess + wait, GetModuleFileNameW.
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/process.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

using namespace hvsup;
using hvsup::wintest::TempDir;

namespace {

std::string child_exe()
{
    auto self = files::from_utf8(process::current_executable());
    return files::to_utf8(self.parent_path() / "hvsup-test-child.exe");
}

bool log_has(const std::filesystem::path& log, const std::string& text)
{
    return wintest::slurp(log).find(text) != std::string::npos;
}

}  // namespace

TEST_CASE("current_executable names this test program", "[process]")
{
    const std::string self = process::current_executable();
    CHECK_THAT(self, Catch::EndsWith("windows-tests.exe"));
    CHECK(std::filesystem::is_regular_file(files::from_utf8(self)));
}

TEST_CASE("a detached helper is spawned, alive, terminated and gone", "[process]")
{
    TempDir tmp;
    const auto log = tmp.path() / "hvsock-listener.log";
    files::write_atomic(log, "earlier run\n");

    process::SpawnOptions options;
    options.executable = child_exe();
    // Arguments that need quoting survive the trip through one command line.
    options.args = {"sleep", "plain", "with space", "quote\"inside", "trailing\\", "back\\\\slash\\\"quote",
                    "", "\xc3\xa9t\xc3\xa9"};
    options.log_file = files::to_utf8(log);
    options.detached = true;
    const int64_t pid = process::spawn(options);
    REQUIRE(pid > 0);
    REQUIRE(wintest::eventually([&] { return log_has(log, "ready\n"); }));

    CHECK(process::is_alive(pid));
    const std::string text = wintest::slurp(log);
    CHECK(text.rfind("earlier run\n", 0) == 0);  // appended, not truncated
    CHECK_THAT(text, Catch::Contains("console: no\n"));
    CHECK_THAT(text, Catch::Contains("arg: plain\narg: with space\narg: quote\"inside\narg: trailing\\\n"
                                     "arg: back\\\\slash\\\"quote\narg: \narg: \xc3\xa9t\xc3\xa9\nready\n"));

    process::terminate(pid, std::chrono::seconds(30));
    CHECK_FALSE(process::is_alive(pid));
    // Terminating a process that is gone is success.
    REQUIRE_NOTHROW(process::terminate(pid, std::chrono::seconds(5)));
}

TEST_CASE("a helper that exits on its own is not alive, even with exit code STILL_ACTIVE", "[process]")
{
    for (const char* code : {"0", "259"}) {
        process::SpawnOptions options;
        options.executable = child_exe();
        options.args = {"exit", code};
        const int64_t pid = process::spawn(options);
        INFO("exit code " << code);
        CHECK(wintest::eventually([&] { return !process::is_alive(pid); }));
        REQUIRE_NOTHROW(process::terminate(pid, std::chrono::seconds(5)));
    }
}

// What a recorded helper PID is checked against before it is signalled (docs/security.md,
// "Helper PID"): the executable the process runs and its creation time.
TEST_CASE("a helper is identified by its executable and start time", "[process][trust]")
{
    TempDir tmp;
    process::SpawnOptions options;
    options.executable = child_exe();
    options.args = {"sleep"};
    options.log_file = files::to_utf8(tmp.path() / "child.log");
    options.detached = true;
    const int64_t pid = process::spawn(options);
    REQUIRE(pid > 0);
    REQUIRE(wintest::eventually([&] { return log_has(tmp.path() / "child.log", "ready\n"); }));

    const auto exe = process::executable_path(pid);
    REQUIRE(exe);
    CHECK(files::from_utf8(*exe).filename() == files::from_utf8(child_exe()).filename());
    const auto started = process::start_time(pid);
    REQUIRE(started);
    CHECK(process::start_time(pid) == started);  // stable: what is recorded at spawn matches later
    CHECK(process::start_time(process::current_pid()) != started);
    const auto self = process::executable_path(process::current_pid());
    REQUIRE(self);
    CHECK(files::from_utf8(*self).filename() == files::from_utf8(process::current_executable()).filename());

    // An ended process may still be opened while a handle to it exists (Windows keeps the
    // object; so does Wine): liveness is what says it is gone.
    process::terminate(pid, std::chrono::seconds(30));
    CHECK_FALSE(process::is_alive(pid));
    CHECK_FALSE(process::start_time(0).has_value());
    CHECK_FALSE(process::executable_path(-1).has_value());
}

TEST_CASE("spawn failures name the executable", "[process]")
{
    TempDir tmp;
    process::SpawnOptions options;
    options.executable = files::to_utf8(tmp.path() / "no-such-helper.exe");
    try {
        (void)process::spawn(options);
        FAIL("spawned a missing executable");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::not_found);
        CHECK_THAT(e.what(), Catch::Contains("no-such-helper.exe"));
    }
    options.executable.clear();
    CHECK_THROWS_AS(process::spawn(options), Error);
}

TEST_CASE("pids that cannot name a helper", "[process]")
{
    CHECK_FALSE(process::is_alive(0));
    CHECK_FALSE(process::is_alive(-5));
    CHECK_THROWS_AS(process::terminate(0, std::chrono::seconds(1)), Error);
}
