// The HCS binding (libhvsup/hcs) against the simulator, through both APIs and both
// completion styles. Each test gets a fresh simulated host and checks nothing leaked.
#include "sim_fixture.hpp"

#include "core/files.hpp"
#include "hcs/hresult.hpp"
#include "hcs/teardown.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <thread>

using namespace hvsup;
using namespace hvsup::simtest;
using namespace std::chrono_literals;

namespace {

struct Variant {
    std::string library;
    const char* name;
    bool pending;
};

std::vector<Variant> variants()
{
    return {{computecore_library(), "computecore.dll", true},
            {computecore_library(), "computecore.dll", false},
            {vmcompute_library(), "vmcompute.dll", true},
            {vmcompute_library(), "vmcompute.dll", false}};
}

std::shared_ptr<hcs::HcsClient> load(const Variant& v, SimHost& host)
{
    host.script(json::object{{"completion", v.pending ? "pending" : "sync"}, {"delayMs", 30}});
    return hcs::HcsClient::load(hcs::LoadOptions{v.library, std::nullopt});
}

std::string error_text(const std::function<void()>& fn)
{
    try {
        fn();
    } catch (const Error& e) {
        return e.what();
    }
    return "<no error>";
}

}  // namespace

TEST_CASE("the loader picks the API the provider exports and fails closed without one", "[hcs][sim]")
{
    SimHost host;
    auto v2 = hcs::HcsClient::load({computecore_library(), std::nullopt});
    CHECK(v2->api() == hcs::ApiKind::computecore);
    CHECK(std::string(v2->dll()) == "computecore.dll");
    CHECK(v2->library_path() == computecore_library());
    auto v1 = hcs::HcsClient::load({vmcompute_library(), std::nullopt});
    CHECK(v1->api() == hcs::ApiKind::vmcompute);
    CHECK(std::string(v1->dll()) == "vmcompute.dll");

    try {
        hcs::HcsClient::load({vmcompute_library(), hcs::ApiKind::computecore});
        FAIL("forcing computecore on a v1-only provider must fail");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::unsupported);
        CHECK_THAT(e.what(), Catch::Contains("HcsCreateOperation"));
    }
    try {
        hcs::HcsClient::load({});
        FAIL("no provider on POSIX must fail");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::unsupported);
        CHECK(std::string(e.what()) == "windows-hyperv supervisor is only supported on windows");
    }
    try {
        hcs::HcsClient::load({(host.dir() / "missing.so").string(), std::nullopt});
        FAIL("a missing provider must fail");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::unsupported);
        CHECK_THAT(e.what(), Catch::Contains("missing.so"));
    }
}

TEST_CASE("a compute system goes through create, grant, start, shutdown and exit", "[hcs][sim]")
{
    for (const auto& v : variants()) {
        DYNAMIC_SECTION(v.name << (v.pending ? " pending" : " sync")) {
            SimHost host;
            auto client = load(v, host);
            REQUIRE(client->dll() == std::string(v.name));
            client->probe_access();
            CHECK(client->highest_schema_version() == hcs::schema::Version{2, 5});

            auto system = client->create("agent-1", hcs::document_json(host.inputs("agent-1")));
            auto props = system.properties();
            CHECK(props.state == "Created");
            CHECK(props.id == "agent-1");
            REQUIRE(props.runtime_id.size() == 36);
            CHECK(host.live_systems() == std::vector<std::string>{"agent-1"});

            client->grant_vm_access(props.runtime_id, host.rootfs().string());
            system.start();
            CHECK(system.properties().state == "Running");

            // A second handle from another open sees the same system.
            auto other = client->open("agent-1", "start open");
            CHECK(other.properties().runtime_id == props.runtime_id);

            CHECK_FALSE(system.wait_for_exit(50ms).has_value());
            system.shutdown();
            auto exit = system.wait_for_exit(10s);
            REQUIRE(exit.has_value());
            CHECK(exit->exit_type == "GracefulExit");
            auto other_exit = other.wait_for_exit(10s);
            REQUIRE(other_exit.has_value());
            CHECK(other_exit->exit_type == "GracefulExit");
            CHECK(system.properties().state == "Stopped");

            try {
                client->open("agent-1", "wait");
                FAIL("an exited compute system must be gone");
            } catch (const Error& e) {
                CHECK(hcs::HcsClient::is_missing_compute_system(e));
                CHECK(e.code() == ErrorCode::not_found);
                CHECK_THAT(e.what(), Catch::StartsWith("windows-hyperv HCS wait: A virtual machine or container with the "
                                                       "specified identifier does not exist"));
            }
            CHECK(host.live_systems().empty());
        }
    }
}

TEST_CASE("terminate kills the guest and reports a forced exit", "[hcs][sim]")
{
    for (const auto& v : variants()) {
        DYNAMIC_SECTION(v.name << (v.pending ? " pending" : " sync")) {
            SimHost host;
            auto client = load(v, host);
            auto system = client->create("agent-k", hcs::document_json(host.inputs("agent-k")));
            client->grant_vm_access(system.properties().runtime_id, host.rootfs().string());
            system.start();
            system.terminate("kill");
            auto exit = system.wait_for_exit(10s);
            REQUIRE(exit.has_value());
            CHECK(exit->exit_type == "ForcedExit");
            // Terminating again is tolerated (already stopped).
            system.terminate("delete");
            CHECK(host.live_systems().empty());
        }
    }
}

TEST_CASE("terminate of a created, never started system deletes it", "[hcs][sim]")
{
    for (const auto& v : variants()) {
        DYNAMIC_SECTION(v.name << (v.pending ? " pending" : " sync")) {
            SimHost host;
            auto client = load(v, host);
            auto system = client->create("agent-c", hcs::document_json(host.inputs("agent-c")));
            system.terminate("delete");
            CHECK(system.wait_for_exit(10s).has_value());
            CHECK(host.live_systems().empty());
        }
    }
}

TEST_CASE("state errors: already exists, invalid state, not found", "[hcs][sim]")
{
    for (const auto& v : variants()) {
        DYNAMIC_SECTION(v.name << (v.pending ? " pending" : " sync")) {
            SimHost host;
            auto client = load(v, host);
            const std::string doc = hcs::document_json(host.inputs("agent-s"));
            auto system = client->create("agent-s", doc);
            try {
                client->create("agent-s", doc);
                FAIL("duplicate create must fail");
            } catch (const Error& e) {
                CHECK(e.code() == ErrorCode::conflict);
                CHECK(hcs::same_hcs_code(e.hresult(), hcs::hr::system_already_exists));
                CHECK_THAT(e.what(), Catch::StartsWith("windows-hyperv HCS create"));
                CHECK_THAT(e.what(), Catch::Contains("already exists"));
            }
            CHECK_THAT(error_text([&] { system.shutdown(); }),
                       Catch::StartsWith("windows-hyperv HCS shutdown: The requested virtual machine or container "
                                         "operation is not valid in the current state"));
            client->grant_vm_access(system.properties().runtime_id, host.rootfs().string());
            system.start();
            const std::string again = error_text([&] { system.start(); });
            CHECK_THAT(again, Catch::Contains("not valid in the current state"));
            CHECK_THAT(again, Catch::StartsWith("windows-hyperv HCS start"));
            CHECK_THAT(error_text([&] { client->open("nope", "start open"); }),
                       Catch::StartsWith("windows-hyperv HCS start open: A virtual machine or container with the "
                                         "specified identifier does not exist"));
            system.terminate("kill");
            CHECK(system.wait_for_exit(10s).has_value());
        }
    }
}

TEST_CASE("start requires GrantVmAccess for every attached VHD", "[hcs][sim]")
{
    for (const auto& v : variants()) {
        DYNAMIC_SECTION(v.name << (v.pending ? " pending" : " sync")) {
            SimHost host;
            auto client = load(v, host);
            auto in = host.inputs("agent-g");
            write_fixed_vhd(host.dir() / "data.vhd", 8192);
            in.config.disks.push_back(protocol::Disk{"data", (host.dir() / "data.vhd").string(), "/data", "ro"});
            auto system = client->create("agent-g", hcs::document_json(in));
            const auto runtime_id = system.properties().runtime_id;
            client->grant_vm_access(runtime_id, host.rootfs().string());
            const std::string err = error_text([&] { system.start(); });
            CHECK_THAT(err, Catch::StartsWith("windows-hyperv HCS start"));
            CHECK_THAT(err, Catch::Contains("Access is denied"));
            CHECK(system.properties().state == "Created");
            for (const auto& path : hcs::vm_access_paths(in.config)) client->grant_vm_access(runtime_id, path);
            system.start();
            system.terminate("kill");
            CHECK(system.wait_for_exit(10s).has_value());
            CHECK_THAT(error_text([&] { client->grant_vm_access(runtime_id, (host.dir() / "absent.vhd").string()); }),
                       Catch::StartsWith("windows-hyperv HCS grant vm access: The system cannot find the file specified"));
        }
    }
}

TEST_CASE("the simulator rejects documents HCS would reject", "[hcs][sim]")
{
    for (const auto& v : variants()) {
        DYNAMIC_SECTION(v.name << (v.pending ? " pending" : " sync")) {
            SimHost host;
            auto client = load(v, host);
            auto good = json::parse(hcs::document_json(host.inputs("agent-d")), "doc");

            auto unknown = good;
            unknown.as_object()["VirtualMachine"].as_object()["Bogus"] = 1;
            std::string err = error_text([&] { client->create("agent-d", json::compact(unknown)); });
            CHECK_THAT(err, Catch::StartsWith("windows-hyperv HCS create"));
            CHECK_THAT(err, Catch::Contains("The JSON document is invalid"));
            // The result document travels with the error.
            CHECK_THAT(err, Catch::Contains("unknown field VirtualMachine.Bogus"));

            auto mistyped = good;
            mistyped.as_object()["VirtualMachine"].as_object()["ComputeTopology"].as_object()["Memory"].as_object()["SizeInMB"] = "512";
            CHECK_THAT(error_text([&] { client->create("agent-d", json::compact(mistyped)); }),
                       Catch::Contains("The JSON document is invalid"));

            auto in = host.inputs("agent-d");
            in.config.kernel_path = (host.dir() / "no-kernel").string();
            CHECK_THAT(error_text([&] { client->create("agent-d", hcs::document_json(in)); }),
                       Catch::Contains("The system cannot find the file specified"));

            std::ofstream(host.dir() / "plain.img") << std::string(4096, 'x');
            in = host.inputs("agent-d");
            in.config.rootfs_path = (host.dir() / "plain.img").string();
            CHECK_THAT(error_text([&] { client->create("agent-d", hcs::document_json(in)); }),
                       Catch::Contains("The file or directory is corrupted and unreadable"));

            CHECK_THAT(error_text([&] { client->create("agent-d", "{not json"); }),
                       Catch::Contains("The JSON document is invalid"));
            CHECK(host.live_systems().empty());
        }
    }
}

TEST_CASE("scripted failures surface as HCS errors with the operation name", "[hcs][sim]")
{
    for (const auto& v : variants()) {
        DYNAMIC_SECTION(v.name << (v.pending ? " pending" : " sync")) {
            SimHost host;
            auto client = load(v, host);
            host.script(json::object{{"completion", v.pending ? "pending" : "sync"},
                                     {"fail", json::object{{"create", "0x8037011B"}}}},
                        "agent-f1");
            const std::string err = error_text([&] { client->create("agent-f1", hcs::document_json(host.inputs("agent-f1"))); });
            CHECK_THAT(err, Catch::StartsWith("windows-hyperv HCS create"));
            CHECK_THAT(err, Catch::Contains("The requested access to the compute system was denied"));

            host.script(json::object{{"completion", v.pending ? "pending" : "sync"},
                                     {"fail", json::object{{"start", "0x80070005"}, {"shutdown", "0x80370105"}}}},
                        "agent-f2");
            auto system = client->create("agent-f2", hcs::document_json(host.inputs("agent-f2")));
            client->grant_vm_access(system.properties().runtime_id, host.rootfs().string());
            try {
                system.start();
                FAIL("scripted start failure");
            } catch (const Error& e) {
                CHECK_THAT(e.what(), Catch::Contains("Access is denied"));
                CHECK(hcs::normalize(e.hresult()) == 5);
                CHECK(e.operation().rfind("start", 0) == 0);
            }
            system.terminate("delete");
            CHECK(host.live_systems().empty());
        }
    }
}

TEST_CASE("ServiceDisconnect while waiting is a clear error", "[hcs][sim]")
{
    for (const auto& v : variants()) {
        DYNAMIC_SECTION(v.name << (v.pending ? " pending" : " sync")) {
            SimHost host;
            auto client = load(v, host);
            host.script(json::object{{"completion", v.pending ? "pending" : "sync"},
                                     {"serviceDisconnect", "wait"},
                                     {"disconnectAfterMs", 50}},
                        "agent-x");
            auto system = client->create("agent-x", hcs::document_json(host.inputs("agent-x")));
            client->grant_vm_access(system.properties().runtime_id, host.rootfs().string());
            system.start();
            try {
                system.wait_for_exit(10s);
                FAIL("ServiceDisconnect must end the wait with an error");
            } catch (const Error& e) {
                CHECK_THAT(e.what(), Catch::StartsWith("windows-hyperv HCS wait: unexpected HCS notification ServiceDisconnect"));
                CHECK(e.operation() == "wait");
            }
            system.terminate("kill");
        }
    }
}

TEST_CASE("ServiceDisconnect during start fails the start", "[hcs][sim]")
{
    for (const auto& v : variants()) {
        DYNAMIC_SECTION(v.name << (v.pending ? " pending" : " sync")) {
            SimHost host;
            auto client = load(v, host);
            host.script(json::object{{"completion", v.pending ? "pending" : "sync"}, {"serviceDisconnect", "start"}},
                        "agent-y");
            auto system = client->create("agent-y", hcs::document_json(host.inputs("agent-y")));
            client->grant_vm_access(system.properties().runtime_id, host.rootfs().string());
            const std::string err = error_text([&] { system.start(); });
            CHECK_THAT(err, Catch::StartsWith("windows-hyperv HCS start"));
            const bool v1_pending = v.pending && v.library == vmcompute_library();
            CHECK_THAT(err, Catch::Contains(v1_pending ? "unexpected HCS notification ServiceDisconnect"
                                                       : "The connection to the compute service was lost"));
            system.terminate("delete");
        }
    }
}

TEST_CASE("an unexpected exit during start and a crashing guest are reported", "[hcs][sim]")
{
    for (const auto& v : variants()) {
        DYNAMIC_SECTION(v.name << (v.pending ? " pending" : " sync")) {
            SimHost host;
            auto client = load(v, host);
            host.script(json::object{{"completion", v.pending ? "pending" : "sync"}, {"unexpectedExitDuringStart", true}},
                        "agent-u");
            auto system = client->create("agent-u", hcs::document_json(host.inputs("agent-u")));
            client->grant_vm_access(system.properties().runtime_id, host.rootfs().string());
            const std::string err = error_text([&] { system.start(); });
            CHECK_THAT(err, Catch::StartsWith("windows-hyperv HCS start"));
            const bool v1_pending = v.pending && v.library == vmcompute_library();
            CHECK_THAT(err, Catch::Contains(v1_pending ? "unexpected HCS notification SystemExited"
                                                       : "exited unexpectedly while starting"));
            auto exit = system.wait_for_exit(10s);
            REQUIRE(exit.has_value());
            CHECK(exit->exit_type == "UnexpectedExit");

            host.script(json::object{{"completion", v.pending ? "pending" : "sync"},
                                     // Well after the 30 ms start completion: a crash while
                                     // starting is the other case above.
                                     {"guest", json::object{{"crashAfterMs", 500}}}},
                        "agent-v");
            auto crashing = client->create("agent-v", hcs::document_json(host.inputs("agent-v")));
            client->grant_vm_access(crashing.properties().runtime_id, host.rootfs().string());
            crashing.start();
            auto crash = crashing.wait_for_exit(10s);
            REQUIRE(crash.has_value());
            CHECK(crash->exit_type == "UnexpectedExit");
            CHECK(host.live_systems().empty());
        }
    }
}

TEST_CASE("a guest that ignores shutdown keeps running until terminated", "[hcs][sim]")
{
    SimHost host;
    auto client = load(variants()[0], host);
    host.script(json::object{{"guest", json::object{{"ignoreShutdown", true}}}}, "agent-i");
    auto system = client->create("agent-i", hcs::document_json(host.inputs("agent-i")));
    client->grant_vm_access(system.properties().runtime_id, host.rootfs().string());
    system.start();
    system.shutdown();
    CHECK_FALSE(system.wait_for_exit(300ms).has_value());
    CHECK(system.properties().state == "Running");
    system.terminate("kill");
    auto exit = system.wait_for_exit(10s);
    REQUIRE(exit.has_value());
    CHECK(exit->exit_type == "ForcedExit");
    CHECK(host.live_systems().empty());
}

TEST_CASE("the host's schema version caps the document", "[hcs][sim]")
{
    SimHost host;
    host.script(json::object{{"schemaVersions", json::array{json::object{{"Major", 2}, {"Minor", 0}}}}});
    for (const auto& lib : {computecore_library(), vmcompute_library()}) {
        auto client = hcs::HcsClient::load({lib, std::nullopt});
        const auto max = client->highest_schema_version();
        CHECK(max == hcs::schema::Version{2, 0});
        auto in = host.inputs("agent-v20");
        const std::string uncapped = hcs::document_json(in);
        CHECK_THAT(error_text([&] { client->create("agent-v20", uncapped); }), Catch::Contains("2.1 is not supported"));
        in.host_schema_version = max;
        auto system = client->create("agent-v20", hcs::document_json(in));
        system.terminate("delete");
        CHECK(system.wait_for_exit(10s).has_value());
    }
}

TEST_CASE("kill during a pending start fails the start and leaves nothing behind", "[hcs][sim]")
{
    for (const auto& lib : {computecore_library(), vmcompute_library()}) {
        DYNAMIC_SECTION(lib) {
            SimHost host;
            host.script(json::object{{"completion", "pending"}, {"delayMs", 400}});
            auto client = hcs::HcsClient::load({lib, std::nullopt});
            auto system = client->create("agent-ks", hcs::document_json(host.inputs("agent-ks")));
            client->grant_vm_access(system.properties().runtime_id, host.rootfs().string());
            std::string start_error;
            std::thread starter([&] { start_error = error_text([&] { system.start(); }); });
            // A second handle kills while the first is still waiting for the start to complete.
            auto killer = client->open("agent-ks", "kill open");
            // (Not through properties(): each call is itself a pending operation.)
            auto running = [&] {
                auto text = files::read_if_exists(host.sim_dir() / "systems" / "agent-ks.json", 1 << 20);
                return text && text->find("\"Running\"") != std::string::npos;
            };
            for (int i = 0; i < 200 && !running(); ++i) std::this_thread::sleep_for(5ms);
            killer.terminate("kill");
            starter.join();
            CHECK_THAT(start_error, Catch::StartsWith("windows-hyperv HCS start"));
            CHECK(start_error != "<no error>");
            auto exit = system.wait_for_exit(10s);
            REQUIRE(exit.has_value());
            CHECK(exit->exit_type == "ForcedExit");
            CHECK(host.live_systems().empty());
        }
    }
}

TEST_CASE("two runtimes run at once and stop independently", "[hcs][sim]")
{
    SimHost host;
    auto client = hcs::HcsClient::load({computecore_library(), std::nullopt});
    auto a = client->create("agent-a", hcs::document_json(host.inputs("agent-a")));
    auto b = client->create("agent-b", hcs::document_json(host.inputs("agent-b")));
    const auto ra = a.properties().runtime_id;
    const auto rb = b.properties().runtime_id;
    CHECK(ra != rb);
    client->grant_vm_access(ra, host.rootfs().string());
    client->grant_vm_access(rb, host.rootfs().string());
    a.start();
    b.start();
    a.shutdown();
    REQUIRE(a.wait_for_exit(10s).has_value());
    CHECK(b.properties().state == "Running");
    CHECK_FALSE(b.wait_for_exit(100ms).has_value());
    CHECK(host.live_systems() == std::vector<std::string>{"agent-b"});
    b.terminate("kill");
    REQUIRE(b.wait_for_exit(10s).has_value());
    CHECK(host.live_systems().empty());
}

TEST_CASE("a GUID compute-system id is its own RuntimeId and may be granted before create", "[hcs][sim]")
{
    SimHost host;
    auto client = hcs::HcsClient::load({vmcompute_library(), std::nullopt});
    const std::string id = "0e5f7a1c-2b3d-4e5f-8a9b-0c1d2e3f4a5b";
    client->grant_vm_access(id, host.rootfs().string());
    auto system = client->create(id, hcs::document_json(host.inputs(id)));
    CHECK(system.properties().runtime_id == id);
    system.start();
    system.terminate("kill");
    REQUIRE(system.wait_for_exit(10s).has_value());
}

TEST_CASE("stop_compute_system: graceful, escalated, already gone", "[hcs][sim][teardown]")
{
    for (const auto& v : variants()) {
        DYNAMIC_SECTION(v.name << (v.pending ? " pending" : " sync")) {
            SimHost host;
            auto client = load(v, host);
            host.script(json::object{{"completion", v.pending ? "pending" : "sync"},
                                     {"guest", json::object{{"ignoreShutdown", true}}}},
                        "agent-stubborn");
            for (const std::string id : {"agent-polite", "agent-stubborn"}) {
                auto system = client->create(id, hcs::document_json(host.inputs(id)));
                client->grant_vm_access(system.properties().runtime_id, host.rootfs().string());
                system.start();
            }
            hcs::StopOptions options;
            options.grace = 300ms;
            CHECK(hcs::stop_compute_system(*client, "agent-polite", options) == hcs::StopOutcome::exited);
            CHECK(hcs::stop_compute_system(*client, "agent-stubborn", options) == hcs::StopOutcome::terminated);
            CHECK(hcs::stop_compute_system(*client, "agent-polite", options) == hcs::StopOutcome::not_found);
            CHECK(host.live_systems().empty());
        }
    }
}

TEST_CASE("a create that times out is terminated, not leaked", "[hcs][sim]")
{
    for (const auto& lib : {computecore_library(), vmcompute_library()}) {
        DYNAMIC_SECTION(lib) {
            SimHost host;
            host.script(json::object{{"completion", "pending"}, {"delayMs", 600}});
            auto client = hcs::HcsClient::load({lib, std::nullopt});
            try {
                client->create("agent-slow", hcs::document_json(host.inputs("agent-slow")), 100ms);
                FAIL("the create must time out");
            } catch (const Error& e) {
                CHECK_THAT(e.what(), Catch::StartsWith("windows-hyperv HCS create"));
                CHECK(e.hresult() == hcs::hr::operation_timeout);
            }
            CHECK(host.live_systems().empty());
        }
    }
}
