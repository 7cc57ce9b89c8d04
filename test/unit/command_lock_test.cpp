// SPDX-License-Identifier: MIT
// Cross-process serialization of one runtime's commands: FileLock::try_acquire and the guards
// that keep a preempted or deleted runtime's state from being overwritten (docs/security.md).
#include "core/error.hpp"
#include "core/files.hpp"
#include "protocol/runtime_dir.hpp"
#include "supervisor/command_lock.hpp"
#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

using namespace hvsup;
using namespace hvsup::protocol;
using namespace hvsup::supervisor;
using std::chrono::milliseconds;

namespace {

Transition transition(const std::string& state)
{
    Transition t;
    t.identity = Identity{"req-1", "agent-1", "workload", "windows-hyperv", ""};
    t.state = state;
    t.detail = state + " detail";
    t.config = Config{};
    t.at = now();
    return t;
}

}  // namespace

TEST_CASE("try_acquire is exclusive until the holder releases", "[lock]")
{
    test::TempDir tmp;
    const auto path = tmp.path() / "command.lock";
    auto first = files::FileLock::try_acquire(path, milliseconds(0));
    REQUIRE(first);
    CHECK_FALSE(files::FileLock::try_acquire(path, milliseconds(0)));
    CHECK_FALSE(files::FileLock::try_acquire(path, milliseconds(60)));  // a bounded wait gives up
    first.reset();
    CHECK(files::FileLock::try_acquire(path, milliseconds(0)));
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("try_acquire does not create a missing directory", "[lock]")
{
    test::TempDir tmp;
    try {
        files::FileLock::try_acquire(tmp.path() / "gone" / "command.lock", milliseconds(0));
        FAIL("expected not_found");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::not_found);
    }
    CHECK_FALSE(std::filesystem::exists(tmp.path() / "gone"));
}

TEST_CASE("a lock file removed by its holder is not trusted by the next one", "[lock]")
{
    test::TempDir tmp;
    const auto dir = tmp.path() / "agent-1";
    files::ensure_private_dir(dir);
    auto held = files::FileLock::try_acquire(dir / "command.lock", milliseconds(0));
    REQUIRE(held);
    // delete removes the runtime directory while it holds the lock; a new directory appears.
    std::filesystem::remove_all(dir);
    files::ensure_private_dir(dir);
    auto next = files::FileLock::try_acquire(dir / "command.lock", milliseconds(0));
    CHECK(next);  // the new file, not the unlinked one the old holder still locks
    CHECK_FALSE(files::FileLock::try_acquire(dir / "command.lock", milliseconds(0)));
}

TEST_CASE("guard unchanged refuses to overwrite a transition another command recorded", "[lock]")
{
    test::TempDir tmp;
    RuntimeDir mine(tmp.path().string(), "agent-1");
    RuntimeDir other(tmp.path().string(), "agent-1");
    Transition t = transition("running");
    mine.record(t);
    other.load();
    Transition killed = transition("stopped");
    killed.guard = Transition::Guard::exists;
    other.record(killed);  // kill preempting the holder

    Transition late = transition("failed");
    late.guard = Transition::Guard::unchanged;
    late.expected_runtime_json = mine.known_runtime_json();
    try {
        mine.record(late);
        FAIL("expected conflict");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::conflict);
        CHECK(std::string(e.what()) == "workspace agent-1 was changed by another command while this one ran "
                                       "(now stopped: stopped detail)");
    }
    CHECK(mine.load()->event.state == "stopped");
    CHECK(mine.events().size() == 2);  // nothing appended by the refused write

    late.expected_runtime_json = mine.known_runtime_json();  // after reading it again
    CHECK(mine.record(late).event.state == "failed");
}

TEST_CASE("guarded transitions never recreate a deleted runtime", "[lock]")
{
    test::TempDir tmp;
    RuntimeDir dir(tmp.path().string(), "agent-1");
    dir.record(transition("running"));
    dir.remove();
    for (auto guard : {Transition::Guard::exists, Transition::Guard::unchanged}) {
        Transition t = transition("stopped");
        t.guard = guard;
        try {
            dir.record(t);
            FAIL("expected not_found");
        } catch (const Error& e) {
            CHECK(e.code() == ErrorCode::not_found);
            CHECK(std::string(e.what()) == "workspace agent-1 was deleted while this command ran");
        }
        CHECK_FALSE(dir.exists());
    }
}

TEST_CASE("lock modes: lifecycle commands exclusive, kill and quarantine preempt, inspect observes", "[lock]")
{
    for (const char* c : {"prepare", "start", "run"}) CHECK(lock_mode(c) == LockMode::exclusive_create);
    for (const char* c : {"stop", "halt", "delete"}) CHECK(lock_mode(c) == LockMode::exclusive_existing);
    for (const char* c : {"kill", "quarantine"}) CHECK(lock_mode(c) == LockMode::preempting);
    CHECK(lock_mode("inspect") == LockMode::observe);
    for (const char* c : {"host", "check", "console"}) CHECK(lock_mode(c) == LockMode::none);
    CHECK(transition_guard("kill") == Transition::Guard::exists);
    CHECK(transition_guard("run") == Transition::Guard::unchanged);
}

TEST_CASE("a busy runtime names the holder; kill preempts it; inspect does not wait", "[lock]")
{
    test::TempDir tmp;
    RuntimeDir dir(tmp.path().string(), "agent-1");
    Logger quiet;
    CommandLock holder = CommandLock::take(dir, "agent-1", "run", milliseconds(0), milliseconds(0), quiet);
    REQUIRE(holder.held());
    CHECK(describe_lock_holder(dir).rfind("run (pid ", 0) == 0);
    try {
        CommandLock::take(dir, "agent-1", "start", milliseconds(50), milliseconds(0), quiet);
        FAIL("expected busy");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::conflict);
        const std::string text = e.what();
        CHECK(text.rfind("workspace agent-1 is busy: run (pid ", 0) == 0);
        CHECK(text.find("holds its command lock (waited 50 ms); try again when it finishes, or kill it") !=
              std::string::npos);
    }
    CHECK_FALSE(CommandLock::take(dir, "agent-1", "kill", milliseconds(0), milliseconds(20), quiet).held());
    CHECK_FALSE(CommandLock::take(dir, "agent-1", "inspect", milliseconds(10000), milliseconds(10000), quiet).held());
}

TEST_CASE("a start that records nothing leaves no runtime directory behind", "[lock]")
{
    test::TempDir tmp;
    RuntimeDir dir(tmp.path().string(), "agent-1");
    {
        CommandLock lock = CommandLock::take(dir, "agent-1", "start", milliseconds(0), milliseconds(0), Logger{});
        CHECK(lock.held());
        CHECK(dir.exists());
    }
    CHECK_FALSE(dir.exists());
    // stop on a missing runtime takes no lock and creates nothing
    CHECK_FALSE(CommandLock::take(dir, "agent-1", "stop", milliseconds(0), milliseconds(0), Logger{}).held());
    CHECK_FALSE(dir.exists());
}
