// SPDX-License-Identifier: MIT
#include "core/error.hpp"
#include "core/files.hpp"
#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace hvsup;
namespace fs = std::filesystem;

TEST_CASE("safe basenames", "[files]")
{
    for (const char* ok : {"agent-1", "a.b", "..a", "x y"}) CHECK(files::is_safe_basename(ok));
    for (std::string bad : std::vector<std::string>{"", " ", ".", "..", " .. ", "a/b", "a\\b", "../x", "/abs", std::string("a\0b", 3)}) {
        INFO(bad);
        CHECK_FALSE(files::is_safe_basename(bad));
    }
}

TEST_CASE("write_atomic replaces the file with private permissions and leaves no temporary", "[files]")
{
    test::TempDir dir;
    auto f = dir.path() / "state.json";
    files::write_atomic(f, "one");
    files::write_atomic(f, "two");
    CHECK(test::slurp(f) == "two");
    struct stat st {};
    REQUIRE(::stat(f.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(test::list_dir(dir.path()) == std::vector<std::string>{"state.json"});
}

TEST_CASE("a write that fails midway leaves the previous file intact", "[files]")
{
    test::TempDir dir;
    auto f = dir.path() / "runtime.json";
    files::write_atomic(f, "previous content");
    // A real failure midway: the file-size limit makes write(2) fail with EFBIG after 4 KiB.
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        std::signal(SIGXFSZ, SIG_IGN);
        struct rlimit lim {4096, 4096};
        ::setrlimit(RLIMIT_FSIZE, &lim);
        try {
            files::write_atomic(f, std::string(1 << 20, 'x'));
            ::_exit(2);  // must not succeed
        } catch (const Error& e) {
            ::_exit(std::string(e.what()).find("write") != std::string::npos ? 0 : 3);
        }
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(test::slurp(f) == "previous content");
    CHECK(test::list_dir(dir.path()) == std::vector<std::string>{"runtime.json"});
}

TEST_CASE("read_if_exists: missing, capped, present", "[files]")
{
    test::TempDir dir;
    CHECK_FALSE(files::read_if_exists(dir.path() / "nope", 10));
    files::write_atomic(dir.path() / "big", std::string(100, 'a'));
    try {
        files::read_if_exists(dir.path() / "big", 10);
        FAIL("read past the cap");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::too_large);
    }
    CHECK(*files::read_if_exists(dir.path() / "big", 100) == std::string(100, 'a'));
}

TEST_CASE("ensure_private_dir creates missing parents 0700 and refuses a file in the way", "[files]")
{
    test::TempDir dir;
    auto d = dir.path() / "a" / "b";
    files::ensure_private_dir(d);
    struct stat st {};
    REQUIRE(::stat(d.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    files::write_atomic(dir.path() / "f", "x");
    REQUIRE_THROWS_AS(files::ensure_private_dir(dir.path() / "f"), Error);
}

TEST_CASE("FileLock excludes another process until released", "[files]")
{
    test::TempDir dir;
    auto lock_path = dir.path() / "x.lock";
    auto marker = dir.path() / "child-got-lock";
    int go[2];
    REQUIRE(::pipe(go) == 0);
    // Fork before locking: a child forked while we hold the lock would share our descriptor.
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        char c;
        (void)::read(go[0], &c, 1);
        files::FileLock mine(lock_path);
        std::ofstream(marker) << "x";
        ::_exit(0);
    }
    {
        files::FileLock held(lock_path);
        (void)::write(go[1], "g", 1);
        ::usleep(200 * 1000);
        CHECK_FALSE(std::filesystem::exists(marker));  // the child is blocked on our lock
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(std::filesystem::exists(marker));
}
