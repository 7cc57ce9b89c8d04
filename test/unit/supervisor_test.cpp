// SPDX-License-Identifier: MIT
// The supervisor's commands that need no hypervisor, and its use of the ComputeHost interface
// (a fake here, the HCS binding in the product).
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/json.hpp"
#include "protocol/codec.hpp"
#include "protocol/runtime_dir.hpp"
#include "protocol/validate.hpp"
#include "supervisor/command_lock.hpp"
#include "supervisor/supervisor.hpp"
#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <stop_token>
#include <thread>

#include <sys/stat.h>
#include <unistd.h>

using namespace hvsup;
using namespace hvsup::protocol;
using namespace hvsup::supervisor;

namespace {

struct FakeHost final : ComputeHost {
    std::vector<std::string> calls;
    std::string fail_with;        // message thrown by shutdown/terminate when non-empty
    std::string fail_create, fail_start;
    bool available = true;
    bool ignores_shutdown = false;  // the guest never leaves on a shutdown request
    bool survives_terminate = false;
    bool keeps_running = false;   // started guests never exit on their own
    int waits_before_exit = 0;    // a started guest exits on its own only after this many waits
    bool blocking_waits = false;  // a wait on a live system takes its timeout (capped at 5 s) or until a stop
    std::atomic<int> waits{0};
    std::atomic<int> opens{0};  // systems opened for waits (create hands its own over)
    std::set<std::string> live;
    std::set<std::string> started;  // guests that exit on their own once their workload is done
    std::vector<CreateRequest> created;
    std::function<void()> during_act;  // runs inside shutdown/terminate (another command acting meanwhile)

    HostProbe probe() override
    {
        HostProbe p;
        p.framework_available = p.virtualization_supported = available;
        if (available) p.api = "fake.dll";
        else p.error = "no hcs";
        return p;
    }
    void check_access() override
    {
        calls.push_back("access");
        if (!available) throw Error(ErrorCode::unsupported, "no hcs");
    }
    void require_available() override
    {
        if (!available) throw Error(ErrorCode::unsupported, "no hcs");
    }
    CreatedSystem create(const CreateRequest& r) override
    {
        calls.push_back("create " + r.id);
        if (!fail_create.empty()) throw Error(ErrorCode::host, fail_create);
        created.push_back(r);
        live.insert(r.id);
        return CreatedSystem{r.id, "11111111-1111-1111-1111-111111111111", std::make_shared<FakeSystem>(*this, r.id)};
    }
    void start(const std::string& id) override
    {
        calls.push_back("start " + id);
        if (!fail_start.empty()) throw Error(ErrorCode::host, fail_start);
        started.insert(id);
    }
    void shutdown(const std::string& id) override
    {
        act("shutdown " + id);
        if (!ignores_shutdown) live.erase(id);
    }
    void terminate(const std::string& id) override
    {
        act("terminate " + id);
        if (!survives_terminate) live.erase(id);
    }
    // A handle on one of this host's systems: its waits are the host's.
    struct FakeSystem final : OpenSystem {
        FakeSystem(FakeHost& h, std::string i) : host(h), id(std::move(i)) {}
        bool wait_for_exit(std::chrono::milliseconds timeout, std::stop_token stop) override
        {
            return host.wait_for_exit(id, timeout, stop);
        }
        FakeHost& host;
        std::string id;
    };
    std::unique_ptr<OpenSystem> open(const std::string& id) override
    {
        ++opens;
        return std::make_unique<FakeSystem>(*this, id);
    }
    bool wait_for_exit(const std::string& id, std::chrono::milliseconds timeout, std::stop_token stop = {})
    {
        calls.push_back("wait " + id);
        ++waits;
        if (started.count(id) != 0 && !keeps_running && waits > waits_before_exit) live.erase(id);
        if (blocking_waits && live.count(id) != 0) {
            // Up to the timeout (capped at 5 s), or until a stop is requested, as HCS waits.
            std::mutex m;
            std::condition_variable_any never;
            std::unique_lock lock(m);
            never.wait_for(lock, stop, std::min(timeout, std::chrono::milliseconds(5000)), [] { return false; });
        }
        return live.count(id) == 0;
    }
    bool exists(const std::string& id) override { return live.count(id) != 0; }
    std::string state(const std::string& id) override { return live.count(id) ? "Running" : ""; }
    void act(std::string call)
    {
        calls.push_back(std::move(call));
        if (during_act) during_act();
        if (!fail_with.empty()) throw Error(ErrorCode::host, fail_with);
    }
};

struct FakeNetwork final : NetworkHost {
    std::vector<std::string> calls;
    std::string fail_prepare;
    std::string fail_release;  // message thrown by release when non-empty
    PreparedNetwork prepare(const Config& config, const std::string& runtime_id) override
    {
        calls.push_back("prepare " + runtime_id);
        if (!fail_prepare.empty()) throw Error(ErrorCode::host, fail_prepare);
        if (effective_network_mode(config.network) == "isolated")
            return PreparedNetwork{{}, {}, *config.network, std::nullopt};
        PreparedNetwork a{"network-1", "endpoint-1", config.network.value_or(NetworkConfig{}),
                          GuestNic{"endpoint-1", "00-15-5D-00-00-01", {}, {}, {}, {}}};
        a.runtime.mode = "nat";
        a.runtime.ip = "192.168.127.2";
        a.runtime.subnet = "192.168.127.0/24";
        a.runtime.gateway = "192.168.127.1";
        a.runtime.dns = {"192.168.127.1"};
        a.runtime.routes = {"0.0.0.0/0"};
        return a;
    }
    void release(const std::string& endpoint_id) override
    {
        if (!endpoint_id.empty()) calls.push_back("release " + endpoint_id);
        if (!endpoint_id.empty() && !fail_release.empty()) throw Error(ErrorCode::host, fail_release);
    }
    std::string probe() override { return {}; }
};

struct FakeServices final : RuntimeServices {
    struct Listeners final : RuntimeListeners {
        FakeServices& owner;
        std::string result_path;
        explicit Listeners(FakeServices& o, std::string path) : owner(o), result_path(std::move(path)) {}
        bool wait_for_result(std::chrono::milliseconds timeout) override
        {
            if (owner.result_after > 0) {  // not yet
                --owner.result_after;
                std::this_thread::sleep_for(std::min(timeout, std::chrono::milliseconds(10)));
                return false;
            }
            if (owner.never_delivers) {
                std::this_thread::sleep_for(std::min(timeout, std::chrono::milliseconds(100)));
                return false;
            }
            owner.calls.push_back("wait result");
            if (!owner.fail_result.empty()) throw Error(ErrorCode::io, owner.fail_result);
            if (!owner.payload.empty()) files::write_atomic(files::from_utf8(result_path), owner.payload);
            return true;
        }
        void close() override { owner.calls.push_back("close listeners"); }
    };
    std::vector<std::string> calls;
    std::string payload = R"({"exitCode":0,"stdout":"ok\n"})";
    std::string fail_result;
    bool never_delivers = false;  // the guest never sends its result
    int result_after = 0;         // result waits that find nothing before it arrives
    std::set<int64_t> helpers;

    std::unique_ptr<SerialLogCapture> start_serial_capture(const std::string& pipe, const std::string&) override
    {
        struct Serial final : SerialLogCapture {
            void close() override {}
        };
        calls.push_back("serial " + pipe);
        return std::make_unique<Serial>();
    }
    std::unique_ptr<RuntimeListeners> start_listeners(const std::string& vm, const Config&,
                                                      const std::string& result) override
    {
        calls.push_back("listeners " + vm);
        return std::make_unique<Listeners>(*this, result);
    }
    HelperProcess launch_helper(const std::string&, const std::string& runtime_id, const std::string&) override
    {
        calls.push_back("helper " + runtime_id);
        helpers.insert(4321);
        return HelperProcess{4321, 777};
    }
    void stop_helper(const HelperProcess& helper) override
    {
        calls.push_back("stop helper " + std::to_string(helper.pid));
        helpers.erase(helper.pid);
    }
    bool helper_alive(const HelperProcess& helper) override { return helpers.count(helper.pid) != 0; }
};

struct Fixture {
    test::TempDir tmp;
    FakeHost* host = nullptr;
    FakeNetwork* network = nullptr;
    FakeServices* services = nullptr;
    std::unique_ptr<Supervisor> sup;

    explicit Fixture(bool available = true, std::chrono::milliseconds grace = std::chrono::milliseconds(10))
    {
        auto h = std::make_unique<FakeHost>();
        h->available = available;
        host = h.get();
        auto n = std::make_unique<FakeNetwork>();
        network = n.get();
        auto sv = std::make_unique<FakeServices>();
        services = sv.get();
        SupervisorOptions options;
        options.graceful_stop = grace;
        options.unregister_wait = std::chrono::milliseconds(10);
        options.command_lock_wait = std::chrono::milliseconds(100);
        options.preempt_wait = std::chrono::milliseconds(20);
        sup = std::make_unique<Supervisor>(options, Backends{std::move(h), std::move(n), std::move(sv)});
    }

    std::string result_target() { return dir().result_file().string(); }

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
    std::string result_listener() { return fmt::format(R"(,"vsockListeners":[{{"port":1024,"target":{}}}])", json::quote(result_target())); }
    RuntimeDir dir(const std::string& id = "agent-1") { return RuntimeDir(tmp.path().string(), id); }
    std::vector<std::string> states()
    {
        std::vector<std::string> out;
        for (const auto& e : dir().events()) out.push_back(e.state);
        return out;
    }

    // A runtime recorded as if a compute system had been started.
    void record_running(const std::string& st = "running", int64_t pid = 0)
    {
        if (pid > 0) services->helpers.insert(pid);
        Transition t;
        t.identity = Identity{"req-0", "agent-1", "workload", "windows-hyperv", ""};
        t.state = st;
        t.detail = "serial=x";
        t.config = Config{};
        t.compute_system_id = "agent-1";
        t.compute_system_runtime_id = "11111111-1111-1111-1111-111111111111";
        t.network_endpoint_id = "endpoint-1";
        t.listener_pid = pid;
        t.at = now();
        dir().record(t);
        host->live.insert("agent-1");
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
        CHECK(f.network->calls.empty());
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
    f.record_running("running", 4321);
    Response r = f.run("stop");
    REQUIRE(r.ok);
    CHECK(f.host->calls == std::vector<std::string>{"shutdown agent-1", "wait agent-1"});
    CHECK(f.services->calls == std::vector<std::string>{"stop helper 4321"});
    CHECK(f.network->calls == std::vector<std::string>{"release endpoint-1"});
    auto s = f.dir().load();
    CHECK(s->compute_system_id == "agent-1");
    CHECK(s->vsock_listener_pid == 0);

    f.record_running();
    f.host->calls.clear();
    f.run("kill");
    f.record_running();
    f.run("halt");
    f.record_running();
    f.run("quarantine");
    CHECK(f.dir().load()->event.state == "quarantined");
    CHECK(f.dir().load()->compute_system_id == "agent-1");
    f.run("delete");
    CHECK(f.host->calls == std::vector<std::string>{"terminate agent-1", "wait agent-1", "shutdown agent-1", "wait agent-1",
                                                    "terminate agent-1", "wait agent-1"});
    CHECK(f.network->calls.size() == 5);
    CHECK_FALSE(std::filesystem::exists(f.dir().path()));
}

TEST_CASE("a failed control records the bare cause as error and the reference prefix in the detail", "[supervisor]")
{
    Fixture f;
    f.record_running();
    f.host->fail_with = "windows-hyperv HCS shutdown: access is denied";
    Response r = f.run("stop");
    CHECK_FALSE(r.ok);
    CHECK(r.error == "windows-hyperv HCS shutdown: access is denied");
    CHECK(r.event->detail == "stop failed: windows-hyperv HCS shutdown: access is denied");
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

TEST_CASE("a failure that cannot be recorded answers the bare cause and why it is not recorded", "[supervisor]")
{
    Fixture f;
    f.record_running();
    f.host->fail_with = "windows-hyperv HCS shutdown: access is denied";
    // Another command records its own state while this stop is inside HCS: the stop's failed
    // record is then refused by the guard.
    f.host->during_act = [&f] {
        Transition t;
        t.identity = Identity{"req-9", "agent-1", "workload", "windows-hyperv", ""};
        t.state = "stopped";
        t.detail = "windows-hyperv compute system killed";
        t.at = now();
        f.dir().record(t);
        f.host->during_act = nullptr;
    };
    Response r = f.run("stop");
    CHECK_FALSE(r.ok);
    CHECK(r.error == "windows-hyperv HCS shutdown: access is denied; not recorded: workspace agent-1 was changed by "
                     "another command while this one ran (now stopped: windows-hyperv compute system killed)");
}

TEST_CASE("a network release that fails before a new boot answers the bare cause", "[supervisor][start]")
{
    Fixture f;
    f.record_running("stopped");
    f.host->live.clear();
    f.network->fail_release = "windows-hyperv HNS delete endpoint endpoint-1: access is denied";
    Response r = f.run("start");
    CHECK_FALSE(r.ok);
    CHECK(r.error == "windows-hyperv HNS delete endpoint endpoint-1: access is denied");
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

TEST_CASE("run with a result listener waits for the result and the exit, then cleans up", "[supervisor][run]")
{
    Fixture f;
    Response r = f.run("run", "agent-1", f.result_listener() + R"(,"network":{"mode":"nat"})");
    INFO(r.error);
    REQUIRE(r.ok);
    CHECK(r.event->state == "stopped");
    CHECK(r.event->detail == "windows-hyperv result received");
    REQUIRE(r.result);
    CHECK(r.result->stdout_text == "ok\n");
    CHECK(r.result->backend == "windows-hyperv");
    CHECK(f.states() == std::vector<std::string>{"starting", "running", "stopped"});
    CHECK(f.host->calls == std::vector<std::string>{"create agent-1", "start agent-1", "wait agent-1"});
    CHECK(f.services->calls == std::vector<std::string>{"serial \\\\.\\pipe\\microagent-agent-1-serial",
                                                        "listeners 11111111-1111-1111-1111-111111111111", "wait result",
                                                        "close listeners"});
    CHECK(f.network->calls == std::vector<std::string>{"prepare agent-1", "release endpoint-1"});
    REQUIRE(f.host->created.size() == 1);
    CHECK(f.host->created[0].serial_pipe == "\\\\.\\pipe\\microagent-agent-1-serial");
    REQUIRE(f.host->created[0].nic.has_value());
    CHECK(f.host->created[0].nic->endpoint_id == "endpoint-1");
    // The endpoint's MAC reaches the document builder (NetworkAdapters.MacAddress).
    CHECK(f.host->created[0].nic->mac_address == "00-15-5D-00-00-01");
    auto s = f.dir().load();
    CHECK(s->compute_system_runtime_id == "11111111-1111-1111-1111-111111111111");
    CHECK(s->network_endpoint_id == "endpoint-1");
    CHECK(s->config.network->ip == "192.168.127.2");
}

TEST_CASE("run without listeners returns running", "[supervisor][run]")
{
    Fixture f;
    Response r = f.run("run", "agent-1", R"(,"serialInput":true,"network":{"mode":"isolated"})");
    REQUIRE(r.ok);
    CHECK(r.event->state == "running");
    CHECK(r.event->detail == "serial=" + f.dir().serial_log().string());
    CHECK(f.states() == std::vector<std::string>{"starting", "running"});
    auto s = f.dir().load();
    CHECK(s->compute_system_id == "agent-1");
    CHECK(s->readiness.guest_ready.ready);
    CHECK(s->readiness.shell_ready.ready);
    CHECK_FALSE(f.host->created.at(0).nic.has_value());
    CHECK(f.host->created.at(0).serial_pipe.empty());
    CHECK_FALSE(f.host->created.at(0).nic.has_value());  // no endpoint id
}

TEST_CASE("detached start launches the helper only for detached services", "[supervisor][start]")
{
    Fixture f;
    Response r = f.run("start", "agent-1", R"(,"network":{"portForwards":[{"hostPort":18080,"guestPort":8080}]})");
    REQUIRE(r.ok);
    CHECK(r.event->state == "running");
    CHECK(f.states() == std::vector<std::string>{"starting", "starting", "running"});
    CHECK(f.dir().events()[1].detail == "starting windows-hyperv runtime listener helper");
    auto s = f.dir().load();
    CHECK(s->vsock_listener_pid == 4321);
    CHECK(s->network_id == "network-1");
    CHECK(s->config.network->mode == "nat");
    CHECK(s->config.network->gateway == "192.168.127.1");
    CHECK(std::find(f.host->calls.begin(), f.host->calls.end(), "wait agent-1") == f.host->calls.end());

    Fixture g;
    r = g.run("start", "agent-1", g.result_listener());
    REQUIRE(r.ok);
    CHECK(g.services->calls.empty());  // result-only: no helper, no in-process listeners
    CHECK(g.dir().load()->vsock_listener_pid == 0);
    CHECK(g.host->created.at(0).serial_pipe == "\\\\.\\pipe\\microagent-agent-1-serial");
}

TEST_CASE("bridged without an interface fails closed", "[supervisor][start]")
{
    Fixture f;
    Response r = f.run("start", "agent-1", R"(,"network":{"mode":"bridged"})");
    CHECK_FALSE(r.ok);
    CHECK(r.error == "bridged network requires network.interface");
    CHECK(r.event->detail == "network validation failed: bridged network requires network.interface");
    CHECK(r.event->state == "failed");
    CHECK(f.host->calls.empty());
    CHECK(f.network->calls.empty());
}

TEST_CASE("an unsupported vsock target fails before anything is created", "[supervisor][run]")
{
    Fixture f;
    Response r = f.run("run", "agent-1", R"(,"vsockListeners":[{"port":2048,"target":"/etc/passwd"}])");
    CHECK_FALSE(r.ok);
    CHECK(r.error == "windows-hyperv vsock listener 2048 target must be host:port or the workspace result path");
    CHECK(r.event->detail == "listener setup failed: windows-hyperv vsock listener 2048 target must be host:port or the workspace result path");
    CHECK(f.host->calls.empty());
    CHECK(f.dir().load()->event.state == "failed");
}

TEST_CASE("failures at each step clean up what exists and record failed with the IDs", "[supervisor][run]")
{
    SECTION("network setup")
    {
        Fixture f;
        f.network->fail_prepare = "create HNS endpoint \"microagent-agent-1\": boom";
        Response r = f.run("run");
        CHECK(r.error == "create HNS endpoint \"microagent-agent-1\": boom");
        CHECK(r.event->detail == "network setup failed: create HNS endpoint \"microagent-agent-1\": boom");
        CHECK(f.host->calls.empty());
    }
    SECTION("create")
    {
        Fixture f;
        f.host->fail_create = "windows-hyperv HCS create: bad document";
        Response r = f.run("run");
        CHECK(r.error == "windows-hyperv HCS create: bad document");
        CHECK(r.event->detail == "create failed: windows-hyperv HCS create: bad document");
        CHECK(f.network->calls == std::vector<std::string>{"prepare agent-1", "release endpoint-1"});
        CHECK(f.dir().load()->network_endpoint_id == "endpoint-1");
    }
    SECTION("start")
    {
        Fixture f;
        f.host->fail_start = "windows-hyperv HCS start wait: denied";
        Response r = f.run("run", "agent-1", f.result_listener());
        CHECK(r.error == "windows-hyperv HCS start wait: denied");
        CHECK(r.event->detail == "start failed: windows-hyperv HCS start wait: denied");
        CHECK(f.host->calls == std::vector<std::string>{"create agent-1", "start agent-1", "terminate agent-1", "wait agent-1"});
        CHECK(f.services->calls.back() == "close listeners");
        auto s = f.dir().load();
        CHECK(s->event.state == "failed");
        CHECK(s->compute_system_id == "agent-1");
        CHECK(f.host->live.empty());
    }
    SECTION("result wait")
    {
        Fixture f;
        f.services->fail_result = "accept: connection reset";
        Response r = f.run("run", "agent-1", f.result_listener());
        CHECK(r.error == "accept: connection reset");
        CHECK(r.event->detail == "result listener failed: accept: connection reset");
        CHECK(f.host->calls.back() == "wait agent-1");
        CHECK(std::count(f.host->calls.begin(), f.host->calls.end(), "terminate agent-1") == 1);
        CHECK(f.network->calls.back() == "release endpoint-1");
    }
    SECTION("cleanup that fails is appended to the detail")
    {
        Fixture f;
        f.host->fail_start = "denied";
        f.host->survives_terminate = true;
        Response r = f.run("run");
        CHECK(r.error == "denied");
        CHECK(r.event->detail == "start failed: denied; cleanup failed: compute system agent-1 survived teardown (State: Running)");
        CHECK(f.dir().load()->error == "denied");
    }
}

TEST_CASE("waits go through one open handle, and one wait each", "[supervisor]")
{
    // run waits for the result in 100 ms slices, asking after each whether the guest left, then
    // for the exit: all through the handle the creation returned, none reopening the system.
    Fixture f;
    f.host->waits_before_exit = 3;
    f.host->blocking_waits = true;
    f.services->result_after = 3;  // the result arrives after three slices
    Response r = f.run("run", "agent-1", f.result_listener());
    INFO(r.error);
    REQUIRE(r.ok);
    CHECK(f.host->waits == 4);  // one after each empty result slice, then the exit wait
    CHECK(f.host->opens == 0);

    // A graceful stop that runs out its grace opens the system once for the shutdown's wait and
    // once for the terminate's, and waits once each (no slices: cancel ends a wait itself).
    Fixture g(true, std::chrono::milliseconds(450));
    g.record_running();
    g.host->ignores_shutdown = true;
    g.host->blocking_waits = true;
    const auto began = std::chrono::steady_clock::now();
    r = g.run("halt");
    REQUIRE(r.ok);
    CHECK(std::chrono::steady_clock::now() - began >= std::chrono::milliseconds(450));  // the grace, waited
    CHECK(g.host->waits == 2);
    CHECK(g.host->opens == 2);
}

TEST_CASE("graceful stop escalates to terminate when the guest ignores shutdown", "[supervisor]")
{
    Fixture f;
    f.record_running();
    f.host->ignores_shutdown = true;
    Response r = f.run("halt");
    REQUIRE(r.ok);
    CHECK(f.host->calls == std::vector<std::string>{"shutdown agent-1", "wait agent-1", "terminate agent-1", "wait agent-1"});

    f.record_running();
    f.host->survives_terminate = true;
    r = f.run("stop");
    CHECK_FALSE(r.ok);
    CHECK(r.error == "compute system agent-1 survived teardown (State: Running)");
    CHECK(r.event->detail == "stop failed: compute system agent-1 survived teardown (State: Running)");
}

TEST_CASE("inspect marks a vanished compute system stopped, or failed on a non-zero guest exit", "[supervisor]")
{
    Fixture f;
    f.record_running("running", 4321);
    Response r = f.run("inspect");
    CHECK(r.event->state == "running");  // still alive
    f.host->live.clear();
    r = f.run("inspect");
    CHECK(r.ok);
    CHECK(r.event->state == "stopped");
    CHECK(r.event->detail.find("compute system exited") != std::string::npos);
    CHECK(f.services->calls == std::vector<std::string>{"stop helper 4321"});
    CHECK(f.network->calls == std::vector<std::string>{"release endpoint-1"});
    CHECK(f.dir().load()->vsock_listener_pid == 0);

    Fixture g;
    g.record_running();
    files::write_atomic(g.dir().result_file(), R"({"exit_code":3})");
    g.host->live.clear();
    r = g.run("inspect");
    CHECK_FALSE(r.ok);
    CHECK(r.event->state == "failed");
    CHECK(r.event->detail == "windows-hyperv compute system exited; guest exit code 3");
    CHECK(r.result->exit_code == 3);

    // A cleanup that fails meanwhile is appended to the detail only; the error stays the cause.
    Fixture h;
    h.record_running();
    files::write_atomic(h.dir().result_file(), R"({"exit_code":3})");
    h.host->live.clear();
    h.network->fail_release = "hns: access is denied";
    r = h.run("inspect");
    CHECK(r.event->state == "failed");
    CHECK(r.event->detail == "windows-hyperv compute system exited; guest exit code 3; cleanup failed: hns: access is denied");
    CHECK(r.error == "windows-hyperv compute system exited; guest exit code 3");
    CHECK(h.dir().load()->error == r.error);
}

TEST_CASE("inspect notices a helper that died and clears its PID", "[supervisor]")
{
    Fixture f;
    f.record_running("running", 4321);
    CHECK(f.run("inspect").event->detail == "serial=x");
    f.services->helpers.clear();  // killed from outside
    Response r = f.run("inspect");
    CHECK(r.ok);
    CHECK(r.event->state == "running");
    CHECK(r.event->detail == "serial=x; hvsock-listener helper 4321 exited, host listeners are down");
    CHECK(f.dir().load()->vsock_listener_pid == 0);
    CHECK(f.dir().load()->compute_system_id == "agent-1");
}

TEST_CASE("a request over the size limit is refused before it is parsed", "[supervisor][security]")
{
    Fixture f;
    std::string big = R"({"command":"host","pad":")" + std::string(max_request_bytes, 'x') + R"("})";
    Response r = f.sup->handle(big);
    CHECK_FALSE(r.ok);
    CHECK(r.error == "request exceeds 16777216 bytes");
    CHECK(f.host->calls.empty());
}

TEST_CASE("a second lifecycle command fails busy while another holds the runtime", "[supervisor][lock]")
{
    Fixture f;
    f.record_running("stopped");
    f.host->live.clear();
    RuntimeDir dir = f.dir();
    CommandLock holder = CommandLock::take(dir, "agent-1", "run", std::chrono::milliseconds(0),
                                           std::chrono::milliseconds(0), Logger{});
    REQUIRE(holder.held());
    for (const char* command : {"start", "run", "prepare", "stop", "halt", "delete"}) {
        Response r = f.run(command);
        CHECK_FALSE(r.ok);
        CHECK(r.error.rfind("workspace agent-1 is busy: run (pid ", 0) == 0);
    }
    CHECK(f.host->calls.empty());
    CHECK(f.states() == std::vector<std::string>{"stopped"});
}

TEST_CASE("kill preempts the holder of the command lock and wins the record", "[supervisor][lock]")
{
    Fixture f;
    f.record_running("running");
    RuntimeDir dir = f.dir();
    CommandLock holder = CommandLock::take(dir, "agent-1", "run", std::chrono::milliseconds(0),
                                           std::chrono::milliseconds(0), Logger{});
    Response r = f.run("kill");
    CHECK(r.ok);
    CHECK(r.event->detail == "windows-hyperv compute system killed");
    CHECK(f.host->live.empty());
    CHECK(f.network->calls == std::vector<std::string>{"release endpoint-1"});
}

namespace {

// Runs `request` on another thread, cancels it once `ready` holds (the call is inside a
// wait), and returns the response with whether the supervisor reported the call as cancelled.
std::pair<Response, bool> cancel_when(Fixture& f, const std::string& request, const std::function<bool()>& ready)
{
    Response r;
    bool cancelled = false;
    std::thread call([&] { r = f.sup->handle(std::string_view(request), cancelled); });
    for (int i = 0; i < 6000 && !ready(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    f.sup->cancel();
    call.join();
    return {r, cancelled};
}

}  // namespace

TEST_CASE("cancel ends run's result wait with the failure cleanup; the context stays usable", "[supervisor][cancel]")
{
    Fixture f;
    f.host->keeps_running = true;
    f.host->blocking_waits = true;
    f.services->never_delivers = true;
    auto [r, cancelled] = cancel_when(f, f.request("run", "agent-1", f.result_listener() + R"(,"network":{"mode":"nat"})"),
                                      [&] { return f.host->waits > 0; });
    CHECK(cancelled);
    CHECK_FALSE(r.ok);
    CHECK(r.error == "run cancelled by the caller while waiting for the guest result");
    CHECK(f.host->live.empty());  // terminated
    CHECK(std::count(f.host->calls.begin(), f.host->calls.end(), "terminate agent-1") == 1);
    CHECK(f.network->calls.back() == "release endpoint-1");
    CHECK(f.services->calls.back() == "close listeners");
    auto s = f.dir().load();
    CHECK(s->event.state == "failed");
    CHECK(s->event.detail == r.error);
    CHECK(s->compute_system_id == "agent-1");

    // One-shot: the next call on the same supervisor is not cancelled.
    f.services->never_delivers = false;
    f.host->keeps_running = false;
    bool again = true;
    r = f.sup->handle(std::string_view(f.request("run", "agent-1", f.result_listener())), again);
    INFO(r.error);
    CHECK_FALSE(again);
    CHECK(r.ok);
    CHECK(r.event->state == "stopped");
}

TEST_CASE("a cancelled stop records failed and keeps the IDs of a system that may still run", "[supervisor][cancel]")
{
    Fixture f(true, std::chrono::hours(1));
    f.record_running();
    f.host->ignores_shutdown = true;
    f.host->blocking_waits = true;
    auto [r, cancelled] = cancel_when(f, f.request("stop"), [&] { return f.host->waits > 0; });
    CHECK(cancelled);
    CHECK_FALSE(r.ok);
    CHECK(r.error == "cancelled by the caller while waiting for compute system agent-1 to shut down; it may still be running");
    CHECK(r.event->detail == "stop failed: " + r.error);
    CHECK(f.host->live.count("agent-1") == 1);  // not terminated behind the caller's back
    CHECK(f.network->calls.empty());            // its endpoint is still in use
    auto s = f.dir().load();
    CHECK(s->event.state == "failed");
    CHECK(s->compute_system_id == "agent-1");
    CHECK(s->network_endpoint_id == "endpoint-1");

    // kill finishes the job.
    f.host->blocking_waits = false;
    r = f.run("kill");
    CHECK(r.ok);
    CHECK(f.host->live.empty());
    CHECK(f.network->calls == std::vector<std::string>{"release endpoint-1"});
}

TEST_CASE("inspect never waits for the lock and repairs only while it holds it", "[supervisor][lock]")
{
    Fixture f;
    f.record_running("running");
    f.host->live.clear();  // exited on its own
    {
        RuntimeDir dir = f.dir();
        CommandLock holder = CommandLock::take(dir, "agent-1", "run", std::chrono::milliseconds(0),
                                               std::chrono::milliseconds(0), Logger{});
        Response r = f.run("inspect");
        CHECK(r.ok);
        CHECK(r.event->state == "running");  // the holder owns the runtime: reported, not repaired
    }
    CHECK(f.run("inspect").event->state == "stopped");
}

TEST_CASE("controls after an interrupted start tear down the system named after the runtime", "[supervisor][crash]")
{
    for (const char* command : {"kill", "delete", "stop"}) {
        Fixture f;
        Transition t;
        t.identity = Identity{"req-0", "agent-1", "workload", "windows-hyperv", ""};
        t.state = "starting";
        t.detail = "creating windows-hyperv compute system";
        t.config = Config{};
        t.at = now();
        f.dir().record(t);        // the start was killed after create, before recording the id
        f.host->live.insert("agent-1");
        Response r = f.run(command);
        CHECK(r.ok);
        CHECK(f.host->live.empty());
        const std::string call = std::string(command) == "stop" ? "shutdown agent-1" : "terminate agent-1";
        CHECK(std::find(f.host->calls.begin(), f.host->calls.end(), call) != f.host->calls.end());
    }
}

TEST_CASE("cancel with no call in flight does not affect later calls", "[supervisor][cancel]")
{
    Fixture f;
    f.sup->cancel();
    bool cancelled = true;
    Response r = f.sup->handle(std::string_view(f.request("run", "agent-1", f.result_listener())), cancelled);
    CHECK_FALSE(cancelled);
    CHECK(r.ok);
    CHECK(r.event->state == "stopped");
}

TEST_CASE("controls never act on a compute-system id the runtime did not create", "[supervisor][trust]")
{
    Fixture f;
    f.record_running();
    // runtime.json altered to point at another runtime's compute system.
    const auto path = f.dir().runtime_file();
    std::string text = test::slurp(path);
    const std::string from = R"("computeSystemID": "agent-1")";
    REQUIRE(text.find(from) != std::string::npos);
    text.replace(text.find(from), from.size(), R"("computeSystemID": "victim")");
    files::write_atomic(path, text);
    f.host->live.insert("victim");
    for (const char* command : {"kill", "stop", "halt"}) {
        Response r = f.run(command);
        CHECK_FALSE(r.ok);
        CHECK(r.error == "runtime.json of workspace agent-1 records compute system \"victim\", which this "
                         "runtime did not create (its compute system is always named agent-1); refusing to act on "
                         "it; delete the workspace");
    }
    // delete removes the runtime and tears down only the system named after it.
    Response d = f.run("delete");
    INFO(d.error);
    CHECK(d.ok);
    for (const auto& call : f.host->calls) CHECK(call.find("victim") == std::string::npos);
    CHECK(f.host->live == std::set<std::string>{"victim"});
    CHECK_FALSE(f.dir().exists());
}

TEST_CASE("a runtime directory that is a link is refused and what it points to is untouched", "[supervisor][trust]")
{
    Fixture f;
    test::TempDir elsewhere;
    std::ofstream(elsewhere.path() / "precious") << "keep";
    std::filesystem::create_directory_symlink(elsewhere.path(), f.tmp.path() / "agent-1");
    for (const char* command : {"prepare", "start", "inspect", "kill", "delete"}) {
        Response r = f.run(command);
        CHECK_FALSE(r.ok);
        CHECK(r.error == "runtime directory " + (f.tmp.path() / "agent-1").string() +
                             " is a symbolic link: hvsup never follows links inside a state directory; remove the "
                             "link (what it points to is not touched)");
    }
    CHECK(test::list_dir(elsewhere.path()) == std::vector<std::string>{"precious"});
    CHECK(f.host->calls.empty());
}

TEST_CASE("a state dir owned by another user or writable by others is refused before anything is touched",
          "[supervisor][trust]")
{
    Fixture f;
    f.record_running();
    f.services->helpers.insert(4321);
    REQUIRE(::chmod(f.tmp.path().c_str(), 0777) == 0);
    Response r = f.run("delete");
    CHECK_FALSE(r.ok);
    CHECK_THAT(r.error, Catch::StartsWith("state directory " + f.tmp.path().string() + " is writable by others (mode 0777)"));
    REQUIRE(::chmod(f.tmp.path().c_str(), 0700) == 0);
    REQUIRE(::chown(f.dir().path().c_str(), 12345, 12345) == 0);
    r = f.run("kill");
    CHECK_FALSE(r.ok);
    CHECK_THAT(r.error, Catch::StartsWith("runtime directory " + f.dir().path().string() + " is owned by uid 12345"));
    CHECK(f.host->calls.empty());
    CHECK(f.host->live.count("agent-1") == 1);
    REQUIRE(::chown(f.dir().path().c_str(), ::geteuid(), ::getegid()) == 0);
    CHECK(f.run("delete").ok);
}

TEST_CASE("a command.lock that is a link: delete removes it as a link, stop refuses, kill goes on", "[supervisor][trust]")
{
    Fixture f;
    f.record_running();
    test::TempDir elsewhere;
    std::ofstream(elsewhere.path() / "target") << "keep";
    std::filesystem::create_symlink(elsewhere.path() / "target", f.dir().file("command.lock"));
    Response stop = f.run("stop");
    CHECK_FALSE(stop.ok);
    CHECK(stop.error == "command lock " + f.dir().file("command.lock").string() +
                            " is not a regular file (a link or directory was put there); hvsup never follows links in "
                            "a runtime directory: remove it, or delete the workspace");
    Response kill = f.run("kill");
    INFO(kill.error);
    CHECK(kill.ok);
    Response d = f.run("delete");
    INFO(d.error);
    CHECK(d.ok);
    CHECK_FALSE(std::filesystem::exists(std::filesystem::symlink_status(f.dir().path())));
    CHECK(test::slurp(elsewhere.path() / "target") == "keep");
}

TEST_CASE("a result.json that is a link is reported, never read through", "[supervisor][trust]")
{
    Fixture f;
    f.record_running();
    test::TempDir elsewhere;
    std::ofstream(elsewhere.path() / "secret") << R"({"exitCode":0,"stdout":"secret"})";
    std::filesystem::create_symlink(elsewhere.path() / "secret", f.dir().result_file());
    Response r = f.run("inspect");
    REQUIRE(r.readiness);
    CHECK_FALSE(r.result);
    CHECK_FALSE(r.readiness->result_ready.ready);
    CHECK_THAT(r.readiness->result_ready.error, Catch::Contains("is a symbolic link, not a regular file"));
}
