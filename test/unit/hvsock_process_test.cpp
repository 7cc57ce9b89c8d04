// SPDX-License-Identifier: MIT
// core/process.hpp on POSIX: the helper-process primitives the hvsock-listener depends on.
#include "core/error.hpp"
#include "core/process.hpp"
#include "hvsock_support.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace hvsup;
using hvsock_test::eventually;
using hvsock_test::TempDir;

namespace {

std::string slurp(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

TEST_CASE("spawn appends stdout and stderr to a private log and detaches", "[process]")
{
    TempDir dir;
    const auto log = dir.path() / "helper.log";
    { std::ofstream(log) << "previous\n"; }
    ::chmod(log.c_str(), 0600);
    process::SpawnOptions options;
    options.executable = "/bin/sh";
    options.args = {"-c", "echo out; echo err >&2; exec sleep 30"};
    options.log_file = log.string();
    int64_t pid = process::spawn(options);
    REQUIRE(pid > 0);
    CHECK(process::is_alive(pid));
    CHECK(eventually([&] { return slurp(log) == "previous\nout\nerr\n"; }));
    CHECK(::getsid(static_cast<pid_t>(pid)) == static_cast<pid_t>(pid));  // its own session
    process::terminate(pid, std::chrono::seconds(10));
    CHECK_FALSE(process::is_alive(pid));
    // Already gone is success.
    process::terminate(pid, std::chrono::seconds(1));
}

TEST_CASE("a new helper log is created 0600", "[process]")
{
    TempDir dir;
    const auto log = dir.path() / "new.log";
    process::SpawnOptions options;
    options.executable = "/bin/true";
    options.log_file = log.string();
    int64_t pid = process::spawn(options);
    CHECK(eventually([&] { return !process::is_alive(pid); }));
    struct stat st {};
    REQUIRE(::stat(log.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("spawn reports a missing executable instead of a dead PID", "[process]")
{
    process::SpawnOptions options;
    options.executable = "/nonexistent/hvsock-listener";
    try {
        process::spawn(options);
        FAIL("spawned a missing executable");
    } catch (const Error& e) {
        CHECK(std::string(e.what()) == "start /nonexistent/hvsock-listener: no such file or directory");
        CHECK(e.system_error() == ENOENT);
    }
}

TEST_CASE("a helper that exits on its own is not alive", "[process]")
{
    process::SpawnOptions options;
    options.executable = "/bin/sh";
    options.args = {"-c", "exit 3"};
    int64_t pid = process::spawn(options);
    CHECK(eventually([&] { return !process::is_alive(pid); }));
    CHECK_FALSE(process::is_alive(0));
    CHECK_FALSE(process::is_alive(-5));
}

TEST_CASE("current_executable names the running program", "[process]")
{
    std::string exe = process::current_executable();
    CHECK(std::filesystem::path(exe).filename() == "unit-tests");
    CHECK(std::filesystem::exists(exe));
}
