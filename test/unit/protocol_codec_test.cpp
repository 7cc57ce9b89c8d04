// SPDX-License-Identifier: MIT
#include "core/error.hpp"
#include "core/json.hpp"
#include "protocol/codec.hpp"

#include <catch2/catch.hpp>

using namespace hvsup;
using namespace hvsup::protocol;

TEST_CASE("requests decode like Go: case-insensitive keys, unknown keys ignored", "[codec]")
{
    Request r = decode_request(R"({
      "COMMAND": "run", "futureField": {"x": 1},
      "Identity": {"requestid": "req-1", "RUNTIMEID": "agent-1", "role": "workload", "backend": "windows-hyperv", "sessionID": "s"},
      "config": {"KernelPath": "/k", "rootfsPath": "/r.vhd", "stateDir": "/s", "memoryMiB": 768, "cpuCount": 3,
                 "disks": [{"name": "config", "path": "/c.vhd", "mountpoint": "/config", "mode": "ro"}],
                 "vsockListeners": [{"port": 1024, "target": "/s/agent-1/result.json"}],
                 "mediation": {"enabled": true, "required": true, "port": 2048, "target": "127.0.0.1:9900", "failClosed": true},
                 "network": {"mode": "nat", "portForwards": [{"protocol": "tcp", "hostPort": 8080, "guestPort": 80}],
                             "dns": ["1.1.1.1"], "runtime": {"mode": "ignored"}},
                 "shellPort": 41584, "serialInput": true, "timeoutSeconds": 300, "secrets": ["ignored"]}
    })");
    CHECK(r.command == "run");
    REQUIRE(r.identity);
    CHECK(r.identity->request_id == "req-1");
    CHECK(r.identity->runtime_id == "agent-1");
    REQUIRE(r.config);
    CHECK(r.config->kernel_path == "/k");
    CHECK(r.config->memory_mib == 768);
    REQUIRE(r.config->disks.size() == 1);
    CHECK(r.config->disks[0].mountpoint == "/config");
    CHECK(r.config->vsock_listeners.at(0).port == 1024);
    CHECK(r.config->mediation->fail_closed);
    CHECK(r.config->network->port_forwards.at(0).host_port == 8080);
    CHECK(r.config->network->dns == std::vector<std::string>{"1.1.1.1"});
    CHECK(r.config->shell_port == 41584);
    CHECK(r.config->serial_input);
    CHECK(r.config->timeout_seconds == 300);
}

TEST_CASE("decode errors name the field and never half-apply", "[codec]")
{
    auto err = [](const char* text) {
        try {
            decode_request(text);
        } catch (const Error& e) {
            CHECK(e.code() == ErrorCode::invalid_argument);
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK(err("[]") == "decode request: request: expected an object, got array");
    CHECK(err(R"({"command": 5})") == "decode request: command: expected a string, got number");
    CHECK(err(R"({"command":"run","config":{"memoryMiB":"lots"}})") ==
          "decode request: config.memoryMiB: expected an integer, got string");
    CHECK(err(R"({"command":"run","config":{"shellPort":70000}})") == "decode request: config.shellPort: number 70000 is out of range");
    CHECK(err(R"({"command":"run","config":{"disks":[{"name":1}]}})") == "decode request: config.disks[0].name: expected a string, got number");
    CHECK(err(R"({"command":"run","config":{"network":{"portForwards":[{"hostPort":-1}]}}})") ==
          "decode request: config.network.portForwards[0].hostPort: number -1 is out of range");
    CHECK(err("{\"command\":") .rfind("decode request: ", 0) == 0);
    CHECK(err("") .rfind("decode request: ", 0) == 0);
}

TEST_CASE("responses use the reference keys and omission rules", "[codec]")
{
    Response r;
    r.ok = true;
    r.backend = "windows-hyperv";
    Event e;
    e.identity = Identity{"req-1", "agent-1", "workload", "windows-hyperv", ""};
    e.state = "stopped";
    e.observed_at = *parse_rfc3339("2026-05-02T00:00:07.5Z");
    r.event = e;
    RuntimeResult res;
    res.identity = e.identity;
    res.backend = "windows-hyperv";
    res.stdout_text = "ok\n";
    r.result = res;
    r.readiness = RuntimeReadiness{};
    CHECK(json::compact(encode(r)) ==
          R"({"ok":true,"backend":"windows-hyperv","event":{"identity":{"requestID":"req-1","runtimeID":"agent-1","role":"workload","backend":"windows-hyperv"},"state":"stopped","observedAt":"2026-05-02T00:00:07.5Z"},)"
          R"("readiness":{"guestReady":{"ready":false},"shellReady":{"ready":false},"resultReady":{"ready":false},"mediationReady":{"ready":false}},)"
          R"("result":{"identity":{"requestID":"req-1","runtimeID":"agent-1","role":"workload","backend":"windows-hyperv"},"backend":"windows-hyperv","exitCode":0,"stdout":"ok\n"}})");
    CHECK(encode_response_text(Response{}) == "{\n  \"ok\": false\n}\n");
}

TEST_CASE("config round-trips through runtime.json form", "[codec]")
{
    Request r = decode_request(R"({"command":"run","config":{"kernelPath":"/k","rootfsPath":"/r","stateDir":"/s","memoryMiB":512,"cpuCount":2,
        "mediation":{"enabled":false,"required":false,"failClosed":false},
        "network":{"mode":"nat","portForwards":[{"protocol":"tcp","host":"127.0.0.1","hostPort":18080,"guestPort":8080}]},"serialInput":true}})");
    std::string once = json::compact(encode(*r.config));
    CHECK(once == R"({"kernelPath":"/k","rootfsPath":"/r","stateDir":"/s","memoryMiB":512,"cpuCount":2,)"
                  R"("mediation":{"enabled":false,"required":false,"failClosed":false},)"
                  R"("network":{"mode":"nat","portForwards":[{"protocol":"tcp","host":"127.0.0.1","hostPort":18080,"guestPort":8080}]},"serialInput":true})");
    Config again = decode_config(json::parse(once, "t").get_object(), "config");
    CHECK(json::compact(encode(again)) == once);
}
