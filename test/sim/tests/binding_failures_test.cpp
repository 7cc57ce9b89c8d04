// SPDX-License-Identifier: MIT
// The binding against the simulator's failure modes: rejected documents, scripted HRESULTs,
// ServiceDisconnect, unexpected exits, a guest that ignores shutdown, kill during start,
// create timeouts.
#include "binding_util.hpp"

#include "core/files.hpp"
#include "hcs/errors.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <thread>

using namespace hvsup;
using namespace hvsup::simtest;
using namespace std::chrono_literals;

TEST_CASE("the simulator rejects documents HCS would reject", "[hcs][sim]")
{
    for (const auto& v : variants()) {
        DYNAMIC_SECTION(v.name << (v.pending ? " pending" : " sync"))
        {
            SimHost host;
            auto client = load(v, host);
            auto good = json::parse(supervisor::document_json(host.inputs("agent-d")), "doc");

            auto unknown = good;
            unknown.as_object()["VirtualMachine"].as_object()["Bogus"] = 1;
            std::string err = error_text([&] { client->create("agent-d", json::compact(unknown)); });
            CHECK_THAT(err, Catch::StartsWith("windows-hyperv HCS create"));
            CHECK_THAT(err, Catch::Contains("The JSON document is invalid"));
            // The result document travels with the error.
            CHECK_THAT(err, Catch::Contains("unknown field VirtualMachine.Bogus"));

            auto mistyped = good;
            mistyped.as_object()["VirtualMachine"]
                .as_object()["ComputeTopology"]
                .as_object()["Memory"]
                .as_object()["SizeInMB"] = "512";
            CHECK_THAT(error_text([&] { client->create("agent-d", json::compact(mistyped)); }),
                       Catch::Contains("The JSON document is invalid"));

            auto in = host.inputs("agent-d");
            in.config.kernel_path = (host.dir() / "no-kernel").string();
            CHECK_THAT(error_text([&] { client->create("agent-d", supervisor::document_json(in)); }),
                       Catch::Contains("The system cannot find the file specified"));

            std::ofstream(host.dir() / "plain.img") << std::string(4096, 'x');
            in = host.inputs("agent-d");
            in.config.rootfs_path = (host.dir() / "plain.img").string();
            CHECK_THAT(error_text([&] { client->create("agent-d", supervisor::document_json(in)); }),
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
        DYNAMIC_SECTION(v.name << (v.pending ? " pending" : " sync"))
        {
            SimHost host;
            auto client = load(v, host);
            host.script(json::object{{"completion", v.pending ? "pending" : "sync"},
                                     {"fail", json::object{{"create", "0x8037011B"}}}},
                        "agent-f1");
            const std::string err =
                error_text([&] { client->create("agent-f1", supervisor::document_json(host.inputs("agent-f1"))); });
            CHECK_THAT(err, Catch::StartsWith("windows-hyperv HCS create"));
            CHECK_THAT(err, Catch::Contains("The requested access to the compute system was denied"));

            host.script(json::object{{"completion", v.pending ? "pending" : "sync"},
                                     {"fail", json::object{{"start", "0x80070005"}, {"shutdown", "0x80370105"}}}},
                        "agent-f2");
            auto system = client->create("agent-f2", supervisor::document_json(host.inputs("agent-f2")));
            host.grant(*client, system.properties().runtime_id);
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
        DYNAMIC_SECTION(v.name << (v.pending ? " pending" : " sync"))
        {
            SimHost host;
            auto client = load(v, host);
            host.script(json::object{{"completion", v.pending ? "pending" : "sync"},
                                     {"serviceDisconnect", "wait"},
                                     {"disconnectAfterMs", 50}},
                        "agent-x");
            auto system = client->create("agent-x", supervisor::document_json(host.inputs("agent-x")));
            host.grant(*client, system.properties().runtime_id);
            system.start();
            try {
                system.wait_for_exit(10s);
                FAIL("ServiceDisconnect must end the wait with an error");
            } catch (const Error& e) {
                CHECK_THAT(e.what(),
                           Catch::StartsWith("windows-hyperv HCS wait: unexpected HCS notification ServiceDisconnect"));
                CHECK(e.operation() == "wait");
            }
            system.terminate("kill");
        }
    }
}

TEST_CASE("ServiceDisconnect during start fails the start", "[hcs][sim]")
{
    for (const auto& v : variants()) {
        DYNAMIC_SECTION(v.name << (v.pending ? " pending" : " sync"))
        {
            SimHost host;
            auto client = load(v, host);
            host.script(json::object{{"completion", v.pending ? "pending" : "sync"}, {"serviceDisconnect", "start"}},
                        "agent-y");
            auto system = client->create("agent-y", supervisor::document_json(host.inputs("agent-y")));
            host.grant(*client, system.properties().runtime_id);
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
        DYNAMIC_SECTION(v.name << (v.pending ? " pending" : " sync"))
        {
            SimHost host;
            auto client = load(v, host);
            host.script(
                json::object{{"completion", v.pending ? "pending" : "sync"}, {"unexpectedExitDuringStart", true}},
                "agent-u");
            auto system = client->create("agent-u", supervisor::document_json(host.inputs("agent-u")));
            host.grant(*client, system.properties().runtime_id);
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
            auto crashing = client->create("agent-v", supervisor::document_json(host.inputs("agent-v")));
            host.grant(*client, crashing.properties().runtime_id);
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
    auto system = client->create("agent-i", supervisor::document_json(host.inputs("agent-i")));
    host.grant(*client, system.properties().runtime_id);
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

TEST_CASE("kill during a pending start fails the start and leaves nothing behind", "[hcs][sim]")
{
    for (const auto& lib : {computecore_library(), vmcompute_library()}) {
        DYNAMIC_SECTION(lib)
        {
            SimHost host;
            host.script(json::object{{"completion", "pending"}, {"delayMs", 400}});
            auto client = hcs::HcsClient::load({lib, std::nullopt});
            auto system = client->create("agent-ks", supervisor::document_json(host.inputs("agent-ks")));
            host.grant(*client, system.properties().runtime_id);
            // A long start completion, so that the kill lands inside it even on a loaded machine.
            host.script(json::object{{"completion", "pending"}, {"delayMs", 3000}});
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

TEST_CASE("a create that times out is terminated, not leaked", "[hcs][sim]")
{
    for (const auto& lib : {computecore_library(), vmcompute_library()}) {
        DYNAMIC_SECTION(lib)
        {
            SimHost host;
            host.script(json::object{{"completion", "pending"}, {"delayMs", 600}});
            auto client = hcs::HcsClient::load({lib, std::nullopt});
            try {
                client->create("agent-slow", supervisor::document_json(host.inputs("agent-slow")), 100ms);
                FAIL("the create must time out");
            } catch (const Error& e) {
                CHECK_THAT(e.what(), Catch::StartsWith("windows-hyperv HCS create"));
                CHECK(e.hresult() == hcs::hr::operation_timeout);
            }
            CHECK(host.live_systems().empty());
        }
    }
}

TEST_CASE("scripted open and grant failures, ServiceDisconnect on create", "[hcs][sim]")
{
    SimHost host;
    auto client = hcs::HcsClient::load({vmcompute_library(), std::nullopt});
    host.script(json::object{{"fail", json::object{{"open", "0x8037011B"}}}}, "agent-o");
    const std::string open_err = error_text([&] { client->open("agent-o", "stop open"); });
    CHECK_THAT(open_err, Catch::StartsWith(
                             "windows-hyperv HCS stop open: The requested access to the compute system was denied"));
    host.script(json::object{{"fail", json::object{{"grant", "0x80070005"}}}}, "vm-1");
    CHECK(error_text([&] { client->grant_vm_access("vm-1", host.rootfs().string()); }) ==
          "windows-hyperv HCS grant vm access: Access is denied (5)");
    host.script(json::object{{"serviceDisconnect", "create"}}, "agent-sd");
    CHECK_THAT(error_text([&] { client->create("agent-sd", supervisor::document_json(host.inputs("agent-sd"))); }),
               Catch::Contains("The connection to the compute service was lost"));
    CHECK(host.live_systems().empty());
}
