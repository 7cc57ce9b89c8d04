// SPDX-License-Identifier: MIT
// Every validation rule of microagent-protocol.md §2.5 with its exact string, in order.
#include "core/error.hpp"
#include "core/json.hpp"
#include "protocol/codec.hpp"
#include "protocol/validate.hpp"

#include <catch2/catch.hpp>

#include <limits>

using namespace hvsup;
using namespace hvsup::protocol;

namespace {

json::object valid_request()
{
    return json::parse(R"({
      "command": "run",
      "identity": {"requestID": "req-1", "runtimeID": "agent-1", "role": "workload", "backend": "windows-hyperv"},
      "config": {"kernelPath": "/k/Image", "rootfsPath": "/w/rootfs.vhd", "stateDir": "/state"}
    })", "fixture").get_object();
}

json::object request_for(const std::string& command)
{
    json::object o = valid_request();
    o["command"] = command;
    return o;
}

std::string validation_error(const json::object& o)
{
    Request r = decode_request(json::compact(o));
    try {
        validate_request(r);
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::invalid_argument);
        return e.what();
    }
    return "";
}

json::object& config(json::object& o) { return o["config"].as_object(); }
json::object& identity(json::object& o) { return o["identity"].as_object(); }

}  // namespace

TEST_CASE("a complete request passes and is normalised", "[validate]")
{
    Request r = decode_request(json::compact(request_for("run")));
    validate_request(r);
    CHECK(r.config->memory_mib == 512);
    CHECK(r.config->cpu_count == 2);
}

TEST_CASE("command rules", "[validate]")
{
    auto o = request_for("  ");
    CHECK(validation_error(o) == "command is required");
    o.erase("command");
    CHECK(validation_error(o) == "command is required");
    CHECK(validation_error(request_for("bogus")) == "unknown command \"bogus\"");
    CHECK(validation_error(request_for("Run")) == "unknown command \"Run\"");
    // Go's %q: \xNN for control bytes and bytes that are not UTF-8, \uNNNN for non-printing
    // code points, printable text as it is.
    CHECK(validation_error(request_for("a\x01" "b")) == R"(unknown command "a\x01b")");
    CHECK(validation_error(request_for("r\xc3\xa9\xe2\x80\xa8\n")) == "unknown command \"r\xc3\xa9\\u2028\\n\"");
    CHECK(validation_error(json::object{{"command", "host"}}).empty());
}

TEST_CASE("identity rules in order", "[validate]")
{
    auto o = request_for("prepare");
    o.erase("identity");
    CHECK(validation_error(o) == "identity is required");

    o = request_for("prepare");
    identity(o)["requestID"] = " ";
    identity(o)["runtimeID"] = "";
    CHECK(validation_error(o) == "identity.requestID is required");

    o = request_for("prepare");
    identity(o)["runtimeID"] = "\t";
    CHECK(validation_error(o) == "identity.runtimeID is required");

    CHECK(json::escape_control(std::string("a\0b\n", 4)) == "a\\x00b\\n");  // as Go %q escapes
    for (std::string bad : std::vector<std::string>{".", "..", "a/b", "a\\b", "../../etc", std::string("a\0b", 3)}) {
        o = request_for("inspect");
        identity(o)["runtimeID"] = bad;
        INFO(bad);
        CHECK(validation_error(o) == "identity.runtimeID must be a safe basename: " + json::escape_control(bad));
    }

    o = request_for("prepare");
    identity(o)["role"] = "admin";
    CHECK(validation_error(o) == "identity.role must be \"workload\" or \"enforcer\"");
    identity(o)["role"] = "enforcer";
    identity(o)["backend"] = "";
    CHECK(validation_error(o) == "identity.backend is required");
}

TEST_CASE("full-config rules in order", "[validate]")
{
    auto o = request_for("check");
    o.erase("config");
    CHECK(validation_error(o) == "config is required");

    const std::vector<std::pair<std::string, std::string>> required = {
        {"kernelPath", "config.kernelPath is required"},
        {"rootfsPath", "config.rootfsPath is required"},
        {"stateDir", "config.stateDir is required"},
    };
    for (const auto& [key, message] : required) {
        o = request_for("start");
        config(o)[key] = " ";
        CHECK(validation_error(o) == message);
    }
    o = request_for("start");
    config(o)["memoryMiB"] = -1;
    CHECK(validation_error(o) == "config.memoryMiB must be positive");
    o = request_for("start");
    config(o)["cpuCount"] = -4;
    CHECK(validation_error(o) == "config.cpuCount must be positive");
}

TEST_CASE("numbers that would wrap are refused naming the field", "[validate]")
{
    auto with = [](const char* key, int64_t value) {
        auto o = request_for("run");
        config(o)[key] = value;
        return validation_error(o);
    };
    // cpuCount 2^32+2 used to become a 2-processor VM; memoryMiB near INT64_MAX wrapped when
    // rounded to 2 MiB; timeoutSeconds >= 1e10 overflowed the deadline into a negative wait.
    CHECK(with("cpuCount", (int64_t{1} << 32) + 2) == "config.cpuCount must be at most 2048");
    CHECK(with("cpuCount", 2049) == "config.cpuCount must be at most 2048");
    CHECK(with("cpuCount", 2048).empty());
    CHECK(with("memoryMiB", std::numeric_limits<int64_t>::max()) == "config.memoryMiB must be at most 251658240");
    CHECK(with("memoryMiB", max_memory_mib + 1) == "config.memoryMiB must be at most 251658240");
    CHECK(with("memoryMiB", max_memory_mib).empty());
    CHECK(with("timeoutSeconds", 10000000000) == "config.timeoutSeconds must be at most 31536000");
    CHECK(with("timeoutSeconds", std::numeric_limits<int64_t>::max()) == "config.timeoutSeconds must be at most 31536000");
    CHECK(with("timeoutSeconds", -1) == "config.timeoutSeconds must not be negative");
    CHECK(with("timeoutSeconds", max_timeout_seconds).empty());
    // Past int64 the decoder refuses it, as Go's does for its int.
    REQUIRE_THROWS_WITH(decode_request(R"({"config":{"memoryMiB":9223372036854775808}})"),
                        "decode request: config.memoryMiB: number 9223372036854775808 is out of range");
}

TEST_CASE("the request decoder follows Go on duplicate keys and invalid UTF-8", "[validate]")
{
    // A Go front end that validates these bytes and forwards them must see the same command.
    CHECK(decode_request(R"({"command":"run","Command":"stop"})").command == "stop");
    CHECK(decode_request(R"({"Command":"stop","command":"run"})").command == "run");
    CHECK(decode_request(R"({"COMMAND":"stop","command":"run","Command":"kill"})").command == "kill");
    CHECK(decode_request(R"({"command":"kill","command":null})").command == "kill");
    Request r = decode_request(R"({"config":{"memoryMiB":3,"network":{"mode":"nat"}},"Config":{"cpuCount":4}})");
    REQUIRE(r.config);
    CHECK(r.config->memory_mib == 3);
    CHECK(r.config->cpu_count == 4);
    CHECK(r.config->network->mode == "nat");
    CHECK_FALSE(decode_request(R"({"config":{"memoryMiB":3},"CONFIG":null})").config);
    // Invalid UTF-8 is replaced, not refused; in a key it makes the key match nothing.
    CHECK(decode_request("{\"command\":\"r\xffun\"}").command == "r\xef\xbf\xbdun");
    CHECK(decode_request("{\"comm\xff" "and\":\"run\"}").command.empty());
    CHECK(decode_request(R"({"command":"a\ud800b"})").command == "a\xef\xbf\xbd" "b");
}

TEST_CASE("a request's cost is capped in bytes, values and depth", "[validate]")
{
    REQUIRE_THROWS_WITH(decode_request(std::string(max_request_bytes + 1, ' ')), "request exceeds 16777216 bytes");
    std::string many = "{\"command\":\"run\",\"x\":[";
    for (size_t i = 0; i < max_request_values; ++i) many += "0,";
    many += "0]}";
    try {
        decode_request(many);
        FAIL("a request of more than max_request_values values was decoded");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::invalid_argument);
        CHECK_THAT(e.what(), Catch::Matches("decode request: more than 100000 JSON values at byte [0-9]+"));
    }
    CHECK_THROWS_WITH(decode_request("{\"x\":" + std::string(100, '[') + std::string(100, ']') + "}"),
                      Catch::Contains("decode request: nested deeper than 64 levels at byte"));
}

TEST_CASE("disk rules", "[validate]")
{
    auto with_disks = [](json::array disks) {
        auto o = request_for("run");
        config(o)["disks"] = std::move(disks);
        return validation_error(o);
    };
    auto disk = [](const char* name, const char* path, const char* mp, const char* mode) {
        return json::object{{"name", name}, {"path", path}, {"mountpoint", mp}, {"mode", mode}};
    };
    CHECK(with_disks({disk("", "/d.vhd", "/d", "ro")}) == "disk name is required");
    CHECK(with_disks({disk("rootfs", "/d.vhd", "/d", "ro")}) == "disk name rootfs is reserved");
    CHECK(with_disks({disk("a", "/a.vhd", "/a", "ro"), disk("a", "/b.vhd", "/b", "ro")}) == "duplicate disk name \"a\"");
    CHECK(with_disks({disk("a", " ", "/a", "ro")}) == "disk \"a\" path is required");
    CHECK(with_disks({disk("a", "/a.vhd", "", "ro")}) == "disk \"a\" mountpoint is required");
    CHECK(with_disks({disk("a", "/a.vhd", "data", "ro")}) == "disk \"a\" mountpoint must be absolute");
    CHECK(with_disks({disk("a", "/a.vhd", "/m", "ro"), disk("b", "/b.vhd", "/m", "rw")}) == "duplicate disk mountpoint \"/m\"");
    CHECK(with_disks({disk("a", "/a.vhd", "/a", "rx")}) == "disk \"a\" mode must be ro or rw");
    CHECK(with_disks({disk("a", "/a.vhd", "/a", "")}) == "disk \"a\" mode must be ro or rw");
    CHECK(with_disks({disk("a", "/a.vhd", "/a", "ro"), disk("b", "/b.vhd", "/b", "rw")}).empty());
}

TEST_CASE("vsock listener rules", "[validate]")
{
    auto with = [](json::array listeners) {
        auto o = request_for("run");
        config(o)["vsockListeners"] = std::move(listeners);
        return validation_error(o);
    };
    CHECK(with({json::object{{"port", 0}, {"target", "x:1"}}}) == "vsock listener port must be positive");
    CHECK(with({json::object{{"port", 1024}, {"target", "a:1"}}, json::object{{"port", 1024}, {"target", "b:1"}}}) ==
          "duplicate vsock listener port 1024");
    CHECK(with({json::object{{"port", 2048}, {"target", " "}}}) == "vsock listener 2048 target is required");
}

TEST_CASE("network rules", "[validate]")
{
    auto with = [](json::object network) {
        auto o = request_for("start");
        config(o)["network"] = std::move(network);
        return validation_error(o);
    };
    auto fwd = [](const char* protocol, int host_port, int guest_port, const char* host = "") {
        return json::object{{"protocol", protocol}, {"host", host}, {"hostPort", host_port}, {"guestPort", guest_port}};
    };
    CHECK(with({{"mode", "wifi"}}) == "network.mode must be user, nat, isolated, or bridged");
    for (const char* ok : {"", "user", "nat", " nat ", "\tisolated\n", "bridged"}) {
        INFO(ok);
        CHECK(with({{"mode", ok}}).empty());
    }
    // Trimmed but case-sensitive, as the reference compares them.
    for (const char* bad : {"NAT", " Nat ", "User", "BRIDGED"}) {
        INFO(bad);
        CHECK(with({{"mode", bad}}) == "network.mode must be user, nat, isolated, or bridged");
    }
    CHECK(with({{"portForwards", json::array{fwd("TCP", 1, 2)}}}) == "network port forward 0 protocol must be tcp");
    CHECK(with({{"portForwards", json::array{fwd(" tcp ", 1, 2)}}}).empty());
    CHECK(with({{"mode", "isolated"}, {"portForwards", json::array{fwd("tcp", 1, 2)}}}) ==
          "network.portForwards require user, nat, or bridged mode");
    CHECK(with({{"portForwards", json::array{fwd("tcp", 1, 2), fwd("udp", 3, 4)}}}) ==
          "network port forward 1 protocol must be tcp");
    CHECK(with({{"portForwards", json::array{fwd("", 0, 2)}}}) == "network port forward 0 hostPort must be positive");
    CHECK(with({{"portForwards", json::array{fwd("tcp", 8080, 0)}}}) == "network port forward 0 guestPort must be positive");
    CHECK(with({{"portForwards", json::array{fwd("tcp", 8080, 80), fwd("", 8080, 81, "127.0.0.1")}}}) ==
          "duplicate network host port 8080");
    CHECK(with({{"portForwards", json::array{fwd("tcp", 8080, 80, "127.0.0.1"), fwd("tcp", 8080, 81, "0.0.0.0")}}}).empty());
}

TEST_CASE("mediation rules", "[validate]")
{
    auto with = [](json::object m) {
        auto o = request_for("run");
        config(o)["mediation"] = std::move(m);
        return validation_error(o);
    };
    CHECK(with({{"enabled", false}, {"required", false}, {"failClosed", false}}).empty());
    CHECK(with({{"required", true}}) == "mediation.enabled must be true when mediation is configured");
    CHECK(with({{"enabled", true}}) == "mediation.port must be positive");
    CHECK(with({{"enabled", true}, {"port", 2048}}) == "mediation.target is required");
    CHECK(with({{"enabled", true}, {"port", 2048}, {"target", "127.0.0.1:9900"}, {"required", true}}) ==
          "required mediation must fail closed");
    CHECK(with({{"enabled", true}, {"port", 2048}, {"target", "127.0.0.1:9900"}, {"required", true}, {"failClosed", true}})
              .empty());
}

TEST_CASE("stateDir-only commands need only identity and stateDir", "[validate]")
{
    for (const char* command : {"inspect", "halt", "quarantine", "stop", "kill", "delete"}) {
        INFO(command);
        json::object o{{"command", command},
                       {"identity", json::object{{"requestID", "r"}, {"runtimeID", "a"}, {"role", "workload"}, {"backend", "windows-hyperv"}}}};
        CHECK(validation_error(o) == "config.stateDir is required");
        o["config"] = json::object{{"stateDir", "/s"}};
        CHECK(validation_error(o).empty());
    }
}
