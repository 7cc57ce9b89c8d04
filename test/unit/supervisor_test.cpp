// The supervisor's commands that need no hypervisor, and its use of the ComputeHost interface
// (a fake here, the HCS binding in the product).
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/json.hpp"
#include "protocol/codec.hpp"
#include "protocol/runtime_dir.hpp"
#include "supervisor/supervisor.hpp"
#include "test_util.hpp"

#include <catch2/catch.hpp>

using namespace hvsup;
using namespace hvsup::protocol;
using namespace hvsup::supervisor;

namespace {

struct FakeHost final : ComputeHost {
    std::vector<std::string> calls;
    std::string fail_with;  // message thrown by shutdown/terminate when non-empty
    bool available = true;

    HostProbe probe() override { return available ? HostProbe{true, true, "fake.dll", {}} : HostProbe{false, false, {}, "no hcs"}; }
    void check_access() override
    {
        calls.push_back("access");
        if (!available) throw Error(ErrorCode::unsupported, "no hcs");
    }
    void require_available() override
    {
        if (!available) throw Error(ErrorCode::unsupported, "no hcs");
    }
    void shutdown(const std::string& id) override { act("shutdown " + id); }
    void terminate(const std::string& id) override { act("terminate " + id); }
    void act(std::string call)
    {
        calls.push_back(std::move(call));
        if (!fail_with.empty()) throw Error(ErrorCode::host, fail_with);
    }
};

struct Fixture {
    test::TempDir tmp;
    FakeHost* host = nullptr;
    std::unique_ptr<Supervisor> sup;

    explicit Fixture(bool available = true)
    {
        auto h = std::make_unique<FakeHost>();
        h->available = available;
        host = h.get();
        sup = std::make_unique<Supervisor>(SupervisorOptions{}, std::move(h));
    }

    std::string request(const std::string& command, const std::string& runtime_id = "agent-1", const std::string& extra = "")
    {
        return fmt::format(R"({{"command":"{}","identity":{{"requestID":"req-{}","runtimeID":{},"role":"workload","backend":"windows-hyperv"}},)"
                           R"("config":{{"kernelPath":"/k","rootfsPath":"/r.vhd","stateDir":{}{}}}}})",
                           command, command, json::quote(runtime_id), json::quote(tmp.path().string()), extra);
    }
    Response run(const std::string& command, const std::string& runtime_id = "agent-1", const std::string& extra = "")
    {
        return sup->handle(request(command, runtime_id, extra));
    }
    RuntimeDir dir(const std::string& id = "agent-1") { return RuntimeDir(tmp.path().string(), id); }

    // A runtime recorded as if a compute system had been started.
    void record_running(const std::string& st = "running")
    {
        Transition t;
        t.identity = Identity{"req-0", "agent-1", "workload", "windows-hyperv", ""};
        t.state = st;
        t.detail = "serial=x";
        t.config = Config{};
        t.compute_system_id = "agent-1";
        t.compute_system_runtime_id = "11111111-1111-1111-1111-111111111111";
        t.listener_pid = 0;
        t.at = now();
        dir().record(t);
    }
};

}  // namespace

TEST_CASE("prepare records a prepared workspace and touches no hypervisor", "[supervisor]")
{
    Fixture f;
    Response r = f.run("prepare", "agent-1", R"(,"serialInput":true)");
    INFO(r.error);
    REQUIRE(r.ok);
    CHECK(r.event->state == "prepared");
    CHECK(r.event->detail == "prepared windows-hyperv workspace");
    CHECK(f.host->calls.empty());
    auto s = f.dir().load();
    REQUIRE(s);
    CHECK(s->compute_system_id.empty());
    CHECK(s->config.memory_mib == 512);
    CHECK(std::filesystem::exists(f.dir().serial_input()));
    CHECK(std::filesystem::exists(f.dir().serial_log()));
}

TEST_CASE("inspect returns the recorded event, readiness and the result in either key style", "[supervisor]")
{
    Fixture f;
    CHECK_FALSE(f.run("inspect").ok);
    CHECK(f.run("inspect").error == "workspace agent-1 not found");
    f.run("prepare");
    Response r = f.run("inspect");
    REQUIRE(r.ok);
    CHECK(r.event->state == "prepared");
    CHECK_FALSE(r.result);
    CHECK_FALSE(r.readiness->result_ready.ready);

    files::write_atomic(f.dir().result_file(), R"({"exit_code":7,"stdout":"hi\n","exited_at":"2026-05-02T00:00:07Z"})");
    r = f.run("inspect");
    REQUIRE(r.result);
    CHECK(r.result->exit_code == 7);
    CHECK(r.result->stdout_text == "hi\n");
    CHECK(r.result->backend == "windows-hyperv");
    CHECK(r.result->result_path == f.dir().result_file().string());
    CHECK(r.result->identity.request_id == "req-prepare");
    CHECK(r.readiness->result_ready.ready);
    CHECK(r.readiness->result_ready.detail == "result.json present");

    files::write_atomic(f.dir().result_file(), R"({"exitCode":0,"stdout":"ok\n"})");
    CHECK(f.run("inspect").result->stdout_text == "ok\n");

    files::write_atomic(f.dir().result_file(), "{broken");
    r = f.run("inspect");
    CHECK(r.ok);
    CHECK_FALSE(r.result);
    CHECK_FALSE(r.readiness->result_ready.ready);
    CHECK(r.readiness->result_ready.error.find("decode guest result") != std::string::npos);
}

TEST_CASE("terminal controls on a prepared workspace only record the final state", "[supervisor]")
{
    const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
        {"stop", "stopped", "windows-hyperv compute system stopped"},
        {"halt", "halted", "windows-hyperv compute system halted"},
        {"kill", "stopped", "windows-hyperv compute system killed"},
        {"quarantine", "quarantined", "windows-hyperv compute system quarantined"},
    };
    for (const auto& [command, st, detail] : cases) {
        Fixture f;
        f.run("prepare");
        Response r = f.run(command);
        INFO(command << ": " << r.error);
        REQUIRE(r.ok);
        CHECK(r.event->state == st);
        CHECK(r.event->detail == detail);
        CHECK(f.host->calls.empty());
        CHECK(f.dir().load()->event.state == st);
        CHECK(f.dir().events().size() == 2);
    }
}

TEST_CASE("delete of a prepared workspace removes the runtime dir and answers stopped", "[supervisor]")
{
    Fixture f;
    f.run("prepare");
    Response r = f.run("delete");
    REQUIRE(r.ok);
    CHECK(r.event->state == "stopped");
    CHECK(r.event->detail == "windows-hyperv compute system deleted");
    CHECK_FALSE(std::filesystem::exists(f.dir().path()));
    CHECK(f.host->calls.empty());
    CHECK(f.run("delete").error == "workspace agent-1 not found");
}

TEST_CASE("controls on a recorded compute system call the host", "[supervisor]")
{
    Fixture f;
    f.record_running();
    Response r = f.run("stop");
    REQUIRE(r.ok);
    CHECK(f.host->calls == std::vector<std::string>{"shutdown agent-1"});
    CHECK(f.dir().load()->compute_system_id == "agent-1");

    f.record_running();
    f.host->calls.clear();
    f.run("kill");
    f.record_running();
    f.run("halt");
    f.record_running();
    f.run("quarantine");
    f.run("delete");
    CHECK(f.host->calls == std::vector<std::string>{"terminate agent-1", "shutdown agent-1", "terminate agent-1"});
    CHECK_FALSE(std::filesystem::exists(f.dir().path()));
}

TEST_CASE("a failed control records failed with the reference prefix", "[supervisor]")
{
    Fixture f;
    f.record_running();
    f.host->fail_with = "windows-hyperv HCS shutdown: access is denied";
    Response r = f.run("stop");
    CHECK_FALSE(r.ok);
    CHECK(r.error == "stop failed: windows-hyperv HCS shutdown: access is denied");
    CHECK(r.event->state == "failed");
    auto s = f.dir().load();
    CHECK(s->event.state == "failed");
    CHECK(s->error == r.error);
    CHECK(s->compute_system_id == "agent-1");
    // inspect reports the failure as not ok with the recorded error
    Response i = f.run("inspect");
    CHECK_FALSE(i.ok);
    CHECK(i.error == r.error);
}

TEST_CASE("a missing compute system is tolerated when terminal, and always by delete", "[supervisor]")
{
    Fixture f;
    f.record_running("stopped");
    f.host->fail_with = "windows-hyperv HCS kill: A virtual machine or container with the specified identifier does not exist.";
    CHECK(f.run("kill").ok);
    f.record_running("running");
    CHECK_FALSE(f.run("stop").ok);  // running but missing: not silently accepted
    f.record_running("running");
    CHECK(f.run("delete").ok);
    CHECK_FALSE(std::filesystem::exists(f.dir().path()));
}

TEST_CASE("start rules: quarantined, starting and running are refused", "[supervisor]")
{
    for (const std::string st : {"quarantined", "starting", "running", "stopping"}) {
        Fixture f;
        f.record_running(st);
        const std::string before = test::slurp(f.dir().runtime_file());
        for (const char* command : {"start", "run", "prepare"}) {
            Response r = f.run(command);
            INFO(st << " " << command);
            CHECK_FALSE(r.ok);
            if (st == "quarantined") CHECK(r.error == "workspace agent-1 is quarantined; halt, stop, or kill it before start");
            else if (st == "stopping") CHECK(r.error == "workspace agent-1 cannot start from state stopping");
            else CHECK(r.error == "workspace agent-1 is already " + st);
        }
        CHECK(test::slurp(f.dir().runtime_file()) == before);
    }
}

TEST_CASE("start and run fail closed without HCS and write nothing", "[supervisor]")
{
    Fixture f(false);
    for (const char* command : {"start", "run"}) {
        Response r = f.run(command);
        CHECK_FALSE(r.ok);
        CHECK(r.error == "no hcs");
        CHECK_FALSE(r.event);
        CHECK_FALSE(std::filesystem::exists(f.dir().path()));
    }
}

TEST_CASE("host and check report the host probe", "[supervisor]")
{
    Fixture without(false);
    Response h = without.sup->handle(R"({"command":"host"})");
    CHECK_FALSE(h.ok);
    CHECK(h.error == "no hcs");
    CHECK_FALSE(h.host->framework_available);
    CHECK(h.kernel->status == "unknown");
    Response c = without.run("check");
    CHECK_FALSE(c.ok);
    CHECK(c.error == "no hcs");

    Fixture with;
    h = with.sup->handle(R"({"command":"host"})");
    CHECK(h.ok);
    CHECK(h.host->hcs_api == "fake.dll");
    CHECK(with.run("check").ok);
    CHECK(with.host->calls == std::vector<std::string>{"access"});
    CHECK_FALSE(std::filesystem::exists(with.dir().path()));  // check writes nothing
}

TEST_CASE("console fails closed with the reference error", "[supervisor]")
{
    Fixture f;
    CHECK(f.run("console").error == "windows-hyperv supervisor command \"console\" is experimental and not implemented yet");
}

TEST_CASE("traversal in runtimeID is rejected and nothing is created", "[supervisor]")
{
    Fixture f;
    for (const char* id : {"..", ".", "../escape", "a/b", "..\\x"}) {
        Response r = f.run("prepare", id);
        CHECK_FALSE(r.ok);
        CHECK(r.error == std::string("identity.runtimeID must be a safe basename: ") + id);
    }
    CHECK(test::list_dir(f.tmp.path()).empty());
    CHECK(test::list_dir(f.tmp.path().parent_path()).size() >= 1);
}

TEST_CASE("the default state dir fills a missing config.stateDir", "[supervisor]")
{
    test::TempDir tmp;
    SupervisorOptions options;
    options.default_state_dir = tmp.path().string();
    Supervisor sup(options, std::make_unique<FakeHost>());
    Response r = sup.handle(R"({"command":"prepare","identity":{"requestID":"r","runtimeID":"w","role":"workload","backend":"windows-hyperv"},"config":{"kernelPath":"/k","rootfsPath":"/r"}})");
    REQUIRE(r.ok);
    r = sup.handle(R"({"command":"inspect","identity":{"requestID":"r2","runtimeID":"w","role":"workload","backend":"windows-hyperv"}})");
    CHECK(r.ok);
    CHECK(r.event->state == "prepared");
}
