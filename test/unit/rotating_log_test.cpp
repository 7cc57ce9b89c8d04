// SPDX-License-Identifier: MIT
// The log byte cap (docs/security.md, "Resource bounds"): at most two files of at most the cap
// each, created private, never written through a planted link.
#include "core/error.hpp"
#include "core/repeat_filter.hpp"
#include "core/rotating_log.hpp"
#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <string>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace hvsup;
namespace fs = std::filesystem;

namespace {
void write_file(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }
}  // namespace

TEST_CASE("a rotating log keeps at most two files of at most the cap", "[rotating_log]")
{
    test::TempDir dir;
    const auto f = dir.path() / "serial.log";
    {
        files::RotatingLog log(f, 100);
        for (int i = 0; i < 1000; ++i) log.append("0123456789abcdef\n");  // 17 kB through a 100-byte cap
        log.append(std::string(350, 'z'));                                  // a chunk over the cap
    }
    CHECK(test::list_dir(dir.path()) == std::vector<std::string>{"serial.log", "serial.log.1"});
    CHECK(fs::file_size(f) <= 100);
    CHECK(fs::file_size(fs::path(f.string() + ".1")) <= 100);
    // The newest bytes are kept: the oversized chunk's tail.
    CHECK(test::slurp(f) == std::string(fs::file_size(f), 'z'));
    struct stat st {};
    REQUIRE(::stat(f.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("a rotating log counts what the file already holds and never truncates it", "[rotating_log]")
{
    test::TempDir dir;
    const auto f = dir.path() / "serial.log";
    write_file(f, std::string(90, 'a'));
    {
        files::RotatingLog log(f, 100);
        log.append("bbbbbbbbbb");    // fills the cap exactly
        log.append("c");             // rotates
    }
    CHECK(test::slurp(fs::path(f.string() + ".1")) == std::string(90, 'a') + "bbbbbbbbbb");
    CHECK(test::slurp(f) == "c");
}

TEST_CASE("a rotating log refuses a planted link and never writes through it", "[rotating_log]")
{
    test::TempDir dir;
    const auto target = dir.path() / "victim";
    write_file(target, "precious");
    const auto f = dir.path() / "serial.log";
    fs::create_symlink(target, f);
    try {
        files::RotatingLog log(f, 100);
        FAIL("a link was opened");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::integrity);
        CHECK(std::string(e.what()).find(f.string()) != std::string::npos);
    }
    CHECK(test::slurp(target) == "precious");
}

TEST_CASE("rotation replaces a link planted at <name>.1 as itself", "[rotating_log]")
{
    test::TempDir dir;
    const auto target = dir.path() / "victim";
    write_file(target, "precious");
    const auto f = dir.path() / "serial.log";
    fs::create_symlink(target, fs::path(f.string() + ".1"));
    {
        files::RotatingLog log(f, 10);
        log.append(std::string(10, 'x'));
        log.append("yy");  // rotates: serial.log -> serial.log.1
    }
    CHECK(test::slurp(target) == "precious");
    CHECK_FALSE(fs::is_symlink(fs::path(f.string() + ".1")));
    CHECK(test::slurp(fs::path(f.string() + ".1")) == std::string(10, 'x'));
    CHECK(test::slurp(f) == "yy");
}

TEST_CASE("stderr follows the log through rotations, so stray output is capped too", "[rotating_log]")
{
    // The helper's situation: the supervisor starts it with stderr appending to the log, and
    // output that bypasses the logger (a crash message) goes to stderr. Without the follow, that
    // output lands in the rotated-away ".1", which then grows without bound.
    test::TempDir dir;
    const auto f = dir.path() / "hvsock-listener.log";
    const std::string stray = "stray-0123456789\n";
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        int code = 0;
        try {
            const int fd = ::open(f.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
            if (fd < 0 || ::dup2(fd, STDERR_FILENO) < 0) ::_exit(3);
            files::RotatingLog log(f, 100, files::RotatingLog::Stderr::follow_log);
            for (int i = 0; i < 60; ++i) {
                if (::write(STDERR_FILENO, stray.data(), stray.size()) != static_cast<ssize_t>(stray.size())) code = 4;
                log.append("line-0123456789\n");
            }
            if (::write(STDERR_FILENO, stray.data(), stray.size()) != static_cast<ssize_t>(stray.size())) code = 4;
        } catch (...) {
            code = 5;
        }
        ::_exit(code);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    CHECK(test::list_dir(dir.path()) == std::vector<std::string>{"hvsock-listener.log", "hvsock-listener.log.1"});
    // At most one stray write past the cap, in either file (60 stray writes would be 1020 bytes).
    CHECK(fs::file_size(f) <= 100 + stray.size());
    CHECK(fs::file_size(fs::path(f.string() + ".1")) <= 100 + stray.size());
    // And the newest stray output is in the current file.
    const std::string now = test::slurp(f);
    CHECK(now.size() >= stray.size());
    CHECK(now.substr(now.size() - stray.size()) == stray);
}

TEST_CASE("log byte caps from the environment", "[rotating_log]")
{
    const char* name = "HVSUP_TEST_LOG_MAX_BYTES";
    ::unsetenv(name);
    CHECK(files::byte_limit_from_env(name, 7) == 7);
    ::setenv(name, "4096", 1);
    CHECK(files::byte_limit_from_env(name, 7) == 4096);
    ::setenv(name, "2M", 1);
    CHECK(files::byte_limit_from_env(name, 7) == 2u << 20);
    for (const char* bad : {"0", "-1", "1.5M", "12Q", "99999999999999999999", "2048G", " 1"}) {
        INFO(bad);
        ::setenv(name, bad, 1);
        try {
            files::byte_limit_from_env(name, 7);
            FAIL("accepted");
        } catch (const Error& e) {
            CHECK(e.code() == ErrorCode::invalid_argument);
            CHECK(std::string(e.what()).find(name) != std::string::npos);
        }
    }
    ::unsetenv(name);
}

TEST_CASE("repeated log lines are collapsed after a burst per window", "[rotating_log]")
{
    RepeatFilter filter(3, std::chrono::seconds(1));
    const auto t0 = RepeatFilter::clock::time_point{} + std::chrono::hours(1);
    std::vector<std::string> written;
    auto admit = [&](std::string_view m, std::chrono::milliseconds at) {
        for (auto& l : filter.admit(m, t0 + at)) written.push_back(l);
    };
    for (int i = 0; i < 1000; ++i) admit("connect refused", std::chrono::milliseconds(i / 2));  // 1000 in 0.5 s
    CHECK(written == std::vector<std::string>(3, "connect refused"));
    admit("other", std::chrono::milliseconds(600));
    CHECK(written.size() == 5);
    CHECK(written[3] == "last message repeated 997 times");
    CHECK(written[4] == "other");
    // A new window lets the same message through again.
    admit("other", std::chrono::milliseconds(700));
    admit("other", std::chrono::milliseconds(2000));
    CHECK(written.size() == 7);
}
