// SPDX-License-Identifier: MIT
// The state-file rules of microagent-protocol.md §6.
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/json.hpp"
#include "protocol/event_history.hpp"
#include "protocol/runtime_dir.hpp"
#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <set>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace hvsup;
using namespace hvsup::protocol;

namespace {

Identity ident(const std::string& request = "req-1") { return Identity{request, "agent-1", "workload", "windows-hyperv", ""}; }

Transition transition(const std::string& st, const std::string& detail, const std::string& request = "req-1")
{
    Transition t;
    t.identity = ident(request);
    t.state = st;
    t.detail = detail;
    t.at = *parse_rfc3339("2026-05-02T00:00:01.25Z");
    return t;
}

mode_t mode_of(const std::filesystem::path& p)
{
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 0777;
}

}  // namespace

TEST_CASE("a transition writes every state file with the write discipline", "[state]")
{
    test::TempDir tmp;
    RuntimeDir dir(tmp.path().string(), "agent-1");
    Config c;
    c.kernel_path = "/k";
    c.rootfs_path = "/r.vhd";
    c.state_dir = tmp.path().string();
    c.serial_input = true;
    Transition t = transition("running", "serial=x");
    t.config = c;
    t.compute_system_id = "agent-1";
    t.compute_system_runtime_id = "11111111-1111-1111-1111-111111111111";
    t.listener_pid = 4321;
    dir.record(t);

    CHECK(mode_of(dir.path()) == 0700);
    for (const char* f : {"event.json", "events.json", "runtime.json", "serial.log", "serial.in"}) {
        INFO(f);
        CHECK(mode_of(dir.file(f)) == 0600);
    }
    CHECK(test::slurp(dir.event_file()) ==
          "{\n  \"identity\": {\n    \"requestID\": \"req-1\",\n    \"runtimeID\": \"agent-1\",\n    \"role\": \"workload\",\n"
          "    \"backend\": \"windows-hyperv\"\n  },\n  \"state\": \"running\",\n  \"detail\": \"serial=x\",\n"
          "  \"observedAt\": \"2026-05-02T00:00:01Z\"\n}\n");
    auto s = dir.load();
    REQUIRE(s);
    CHECK(s->compute_system_runtime_id == "11111111-1111-1111-1111-111111111111");
    CHECK(s->vsock_listener_pid == 4321);
    CHECK(s->serial_input_path == dir.serial_input().string());
    REQUIRE(s->started_at);
    CHECK(s->readiness.guest_ready.ready);
    CHECK(s->readiness.guest_ready.detail == "windows-hyperv compute system started");
    CHECK(s->readiness.shell_ready.detail == "windows-hyperv shell socket is available");
    CHECK_FALSE(s->readiness.result_ready.ready);
}

TEST_CASE("IDs and config carry over; the helper PID only until cleared", "[state]")
{
    test::TempDir tmp;
    RuntimeDir dir(tmp.path().string(), "agent-1");
    Transition t = transition("running", "up");
    t.config = Config{};
    t.config->kernel_path = "/k";
    t.compute_system_id = "agent-1";
    t.network_id = "network-1";
    t.network_endpoint_id = "endpoint-1";
    t.listener_pid = 99;
    dir.record(t);

    dir.record(transition("halted", "halt", "req-2"));
    auto s = dir.load();
    CHECK(s->config.kernel_path == "/k");
    CHECK(s->compute_system_id == "agent-1");
    CHECK(s->network_endpoint_id == "endpoint-1");
    CHECK(s->vsock_listener_pid == 99);
    CHECK_FALSE(s->started_at);
    CHECK_FALSE(s->readiness.guest_ready.ready);
    CHECK(s->event.identity.request_id == "req-2");

    Transition stop = transition("stopped", "stop", "req-3");
    stop.listener_pid = 0;
    dir.record(stop);
    s = dir.load();
    CHECK(s->vsock_listener_pid == 0);
    CHECK(s->network_id == "network-1");
    CHECK(json::compact(encode(*s)).find("vsockListenerPid") == std::string::npos);

    Transition prep = transition("prepared", "prepared windows-hyperv workspace", "req-4");
    prep.reset_ids = true;
    dir.record(prep);
    s = dir.load();
    CHECK(s->compute_system_id.empty());
    CHECK(s->network_id.empty());
    CHECK(dir.events().size() == 4);
}

TEST_CASE("events.json keeps the newest 1024 events as a JSON array", "[state]")
{
    test::TempDir tmp(test::TempDir::memory_parent());  // 1030 durable appends
    auto f = tmp.path() / "events.json";
    for (int i = 0; i < 1030; ++i) {
        Event e{ident("req-" + std::to_string(i)), "running", "", *parse_rfc3339("2026-05-02T00:00:00Z")};
        append_event(f, e);
    }
    auto events = read_event_history(f);
    REQUIRE(events.size() == 1024);
    CHECK(events.front().identity.request_id == "req-6");
    CHECK(events.back().identity.request_id == "req-1029");
    CHECK(test::slurp(f).rfind("[\n  {\n", 0) == 0);
}

TEST_CASE("legacy JSON Lines history is read and migrated on the next append", "[state]")
{
    test::TempDir tmp;
    auto f = tmp.path() / "events.json";
    files::write_atomic(f,
                        R"({"identity":{"requestID":"a","runtimeID":"agent-1","role":"workload","backend":"windows-hyperv"},"state":"starting","observedAt":"2026-05-02T00:00:00Z"})"
                        "\n\n"
                        R"({"identity":{"requestID":"b","runtimeID":"agent-1","role":"workload","backend":"windows-hyperv"},"state":"running","detail":"d","observedAt":"2026-05-02T00:00:01Z"})"
                        "\n");
    auto events = read_event_history(f);
    REQUIRE(events.size() == 2);
    CHECK(events[1].detail == "d");
    append_event(f, Event{ident("c"), "stopped", "", *parse_rfc3339("2026-05-02T00:00:02Z")});
    auto migrated = json::parse(test::slurp(f), "t");
    REQUIRE(migrated.is_array());
    CHECK(migrated.get_array().size() == 3);
    CHECK(json::compact(migrated.get_array()[1]) ==
          R"({"identity":{"requestID":"b","runtimeID":"agent-1","role":"workload","backend":"windows-hyperv"},"state":"running","detail":"d","observedAt":"2026-05-02T00:00:01Z"})");
}

TEST_CASE("a malformed history is an integrity error and is never overwritten", "[state]")
{
    test::TempDir tmp;
    RuntimeDir dir(tmp.path().string(), "agent-1");
    dir.record(transition("prepared", "p"));
    const std::string runtime_before = test::slurp(dir.runtime_file());
    for (std::string bad : std::vector<std::string>{std::string("[{\"state\":"), std::string("{\"state\":1}\n"), std::string("not json\n"),
                            std::string("{\"a\":1}\n[]\n"), std::string("{}")}) {
        INFO(bad);
        files::write_atomic(dir.events_file(), bad);
        try {
            dir.record(transition("running", "r"));
            FAIL("recorded over a malformed history");
        } catch (const Error& e) {
            CHECK(e.code() == ErrorCode::integrity);
            CHECK(std::string(e.what()).find("events.json") != std::string::npos);
        }
        CHECK(test::slurp(dir.events_file()) == bad);
        CHECK(test::slurp(dir.runtime_file()) == runtime_before);
    }
}

TEST_CASE("a malformed runtime.json is an integrity error and is left untouched", "[state]")
{
    test::TempDir tmp;
    RuntimeDir dir(tmp.path().string(), "agent-1");
    files::ensure_private_dir(dir.path());
    files::write_atomic(dir.runtime_file(), "{\"event\": 7}");
    try {
        dir.load();
        FAIL("loaded a malformed runtime.json");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::integrity);
    }
    REQUIRE_THROWS_AS(dir.record(transition("running", "r")), Error);
    CHECK(test::slurp(dir.runtime_file()) == "{\"event\": 7}");
    CHECK_FALSE(std::filesystem::exists(dir.events_file()));
}

TEST_CASE("two processes appending 500 events each lose and tear nothing", "[state]")
{
    test::TempDir tmp(test::TempDir::memory_parent());  // 1000 records of three durable writes each
    const std::string state_dir = tmp.path().string();
    std::vector<pid_t> children;
    for (int child = 0; child < 2; ++child) {
        pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            int rc = 0;
            try {
                RuntimeDir dir(state_dir, "agent-1");
                for (int i = 0; i < 500; ++i) {
                    dir.record(transition("running", "p" + std::to_string(child) + "-" + std::to_string(i)));
                }
            } catch (...) {
                rc = 1;
            }
            ::_exit(rc);
        }
        children.push_back(pid);
    }
    for (pid_t pid : children) {
        int status = 0;
        ::waitpid(pid, &status, 0);
        CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    }
    RuntimeDir dir(state_dir, "agent-1");
    auto events = dir.events();
    REQUIRE(events.size() == 1000);
    std::set<std::string> details;
    for (const auto& e : events) details.insert(e.detail);
    CHECK(details.size() == 1000);
    // Each writer's own events stay in its order.
    int last[2] = {-1, -1};
    for (const auto& e : events) {
        int who = e.detail[1] - '0';
        int n = std::stoi(e.detail.substr(3));
        CHECK(n > last[who]);
        last[who] = n;
    }
    CHECK(test::list_dir(dir.path()) ==
          std::vector<std::string>{"event.json", "events.json", "events.json.lock", "runtime.json", "serial.log"});
}
