// SPDX-License-Identifier: MIT
// tools/hvsup-guestinit/run_config and accounts: run.json decoding (the reference's keys and
// their aliases) and the user lookup in /etc/passwd, error paths included.
#include "accounts.hpp"
#include "run_config.hpp"

#include <catch2/catch.hpp>

using namespace hvsup::guestinit;
using Catch::Matchers::Contains;

TEST_CASE("the reference run.json decodes", "[guestinit]")
{
    const auto r = parse_run_config(R"({"command": ["/bin/sh","-lc","echo ok"], "env": ["K=V", "E="], "port": 1024,
        "mode": "", "mounts": [{"device": "/dev/sdb", "mountpoint": "/config", "mode": "ro"}],
        "hostForwards": [{"protocol": "tcp", "hostPort": 18080, "guestPort": 8080}], "shellPort": 41584,
        "consoleShell": "/bin/sh", "hostname": "agent-1"})");
    CHECK(r.argv == std::vector<std::string>{"/bin/sh", "-lc", "echo ok"});
    CHECK(r.env == std::vector<std::string>{"K=V", "E="});
    CHECK(r.result_port == 1024);
    CHECK(r.mode.empty());
    REQUIRE(r.mounts.size() == 1);
    CHECK(r.mounts[0].device == "/dev/sdb");
    CHECK(r.mounts[0].read_only);
    CHECK(r.hostname == "agent-1");
    REQUIRE(r.host_forwards.size() == 1);
    CHECK(r.host_forwards[0].protocol == "tcp");
    CHECK(r.host_forwards[0].host_port == 18080);
    CHECK(r.host_forwards[0].guest_port == 8080);
    CHECK(r.timeout.count() == 0);
    CHECK(r.working_dir.empty());
    CHECK_FALSE(r.uid);
}

TEST_CASE("aliases and optional keys of run.json", "[guestinit]")
{
    const auto r = parse_run_config(
        R"({"argv": ["true"], "cwd": "/srv", "user": "app", "uid": 7, "gid": 8, "timeout": 1.5, "mode": "service"})");
    CHECK(r.argv == std::vector<std::string>{"true"});
    CHECK(r.working_dir == "/srv");
    CHECK(r.user == "app");
    CHECK(*r.uid == 7u);
    CHECK(*r.gid == 8u);
    CHECK(r.timeout.count() == 1500);
    CHECK(r.mode == "service");
    CHECK(r.result_port == default_result_port);
    CHECK(parse_run_config(R"({"command": ["x"], "port": 0})").result_port == 0);
    CHECK(parse_run_config(R"({"command": ["x"], "timeoutSeconds": 3})").timeout.count() == 3000);
    CHECK(parse_run_config(R"({"command": ["x"], "mounts": [{"device": "/dev/sdc", "mountpoint": "/d"}]})")
              .mounts.at(0)
              .read_only == false);
}

TEST_CASE("bad run.json is refused naming the key", "[guestinit]")
{
    CHECK_THROWS_WITH(parse_run_config("{"), Contains("run.json is not valid JSON"));
    CHECK_THROWS_WITH(parse_run_config("[]"), Contains("run.json must be a JSON object"));
    CHECK_THROWS_WITH(parse_run_config("{}"), Contains("run.json command is required"));
    CHECK_THROWS_WITH(parse_run_config(R"({"command": []})"), Contains("run.json command must name a program"));
    CHECK_THROWS_WITH(parse_run_config(R"({"command": [""]})"), Contains("run.json command must name a program"));
    CHECK_THROWS_WITH(parse_run_config(R"({"command": "ls"})"), Contains("run.json command must be an array"));
    CHECK_THROWS_WITH(parse_run_config(R"({"command": ["ls", 3]})"), Contains("run.json command[1] must be a string"));
    CHECK_THROWS_WITH(parse_run_config(R"({"command": ["ls"], "env": ["NOEQUALS"]})"),
                      Contains("run.json env[0] must be KEY=VALUE"));
    CHECK_THROWS_WITH(parse_run_config(R"({"command": ["ls"], "env": ["=v"]})"), Contains("env[0] must be KEY=VALUE"));
    CHECK_THROWS_WITH(parse_run_config(R"({"command": ["ls"], "workingDir": "rel"})"),
                      Contains("run.json workingDir must be an absolute path"));
    CHECK_THROWS_WITH(parse_run_config(R"({"command": ["ls"], "port": 70000})"),
                      Contains("run.json port must be at most 65535"));
    CHECK_THROWS_WITH(parse_run_config(R"({"command": ["ls"], "port": -1})"),
                      Contains("run.json port must be a non-negative"));
    CHECK_THROWS_WITH(parse_run_config(R"({"command": ["ls"], "uid": "0"})"), Contains("run.json uid"));
    CHECK_THROWS_WITH(parse_run_config(R"({"command": ["ls"], "timeoutSeconds": -2})"),
                      Contains("run.json timeoutSeconds must be between"));
    CHECK_THROWS_WITH(parse_run_config(R"({"command": ["ls"], "timeout": "5s"})"),
                      Contains("run.json timeout must be a number of seconds"));
    CHECK_THROWS_WITH(parse_run_config(R"({"command": ["ls"], "mode": "daemon"})"), Contains("run.json mode must be"));
    CHECK_THROWS_WITH(
        parse_run_config(R"({"command": ["ls"], "mounts": [{"device": "/dev/sdb", "mountpoint": "/c", "mode": "x"}]})"),
        Contains("mount /c mode must be ro or rw"));
    CHECK_THROWS_WITH(parse_run_config(R"({"command": ["ls"], "mounts": [{"device": "/dev/sdb"}]})"),
                      Contains("run.json mounts[0] needs device and mountpoint"));
    CHECK_THROWS_WITH(parse_run_config(R"({"command": ["ls"], "mounts": [{"device": "sdb", "mountpoint": "/c"}]})"),
                      Contains("run.json mounts[0].device must be a /dev/ path"));
}

TEST_CASE("bad hostForwards are refused naming the entry", "[guestinit]")
{
    CHECK_THROWS_WITH(parse_run_config(R"({"command": ["ls"], "hostForwards": {}})"),
                      Contains("run.json hostForwards must be an array"));
    CHECK_THROWS_WITH(parse_run_config(R"({"command": ["ls"], "hostForwards": [{"hostPort": 1}]})"),
                      Contains("run.json hostForwards[0] needs hostPort and guestPort"));
    CHECK_THROWS_WITH(parse_run_config(R"({"command": ["ls"], "hostForwards": [{"hostPort": 1, "guestPort": 70000}]})"),
                      Contains("run.json hostForwards[0].guestPort must be at most 65535"));
    CHECK_THROWS_WITH(parse_run_config(R"({"command": ["ls"], "hostForwards": [{"hostPort": 1, "guestPort": 0}]})"),
                      Contains("run.json hostForwards[0].guestPort must be a positive uint16"));
    CHECK_THROWS_WITH(
        parse_run_config(R"({"command": ["ls"], "hostForwards": [{"hostPort": 1, "guestPort": 2, "protocol": 6}]})"),
        Contains("run.json hostForwards[0].protocol must be a string"));
}

TEST_CASE("the result port is salvaged from a run.json that does not decode", "[guestinit]")
{
    CHECK(salvage_result_port(R"({"command": 5, "port": 2048})") == 2048);
    CHECK(salvage_result_port(R"({"command": 5})") == default_result_port);
    CHECK(salvage_result_port("not json") == default_result_port);
    CHECK(salvage_result_port(R"({"port": "x"})") == default_result_port);
}

namespace {

const char* passwd =
    "root:x:0:0:root:/root:/bin/sh\n"
    "# a comment\n"
    "broken line\n"
    "app:x:1000:1001:App:/home/app:/bin/sh\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";

RunConfig with_user(std::string user)
{
    RunConfig r;
    r.user = std::move(user);
    return r;
}

}  // namespace

TEST_CASE("users resolve through /etc/passwd without NSS", "[guestinit]")
{
    const Identity root = resolve_identity(RunConfig{}, passwd);
    CHECK(root.uid == 0);
    CHECK(root.home == "/root");
    const Identity app = resolve_identity(with_user("app"), passwd);
    CHECK(app.uid == 1000);
    CHECK(app.gid == 1001);
    CHECK(app.home == "/home/app");
    CHECK(app.name == "app");
    const Identity by_uid = resolve_identity(with_user("1000"), passwd);
    CHECK(by_uid.gid == 1001);
    CHECK(by_uid.name == "app");
    const Identity pair = resolve_identity(with_user("1000:5"), passwd);
    CHECK(pair.uid == 1000);
    CHECK(pair.gid == 5);
    const Identity unknown = resolve_identity(with_user("4242"), "");
    CHECK(unknown.uid == 4242);
    CHECK(unknown.gid == 4242);
    CHECK(unknown.name.empty());
    RunConfig numeric;
    numeric.uid = 65534;
    CHECK(resolve_identity(numeric, passwd).name == "nobody");
    numeric.gid = 7;
    CHECK(resolve_identity(numeric, passwd).gid == 7);
}

TEST_CASE("unknown or malformed users are refused", "[guestinit]")
{
    CHECK_THROWS_WITH(resolve_identity(with_user("ghost"), passwd),
                      Contains("run.json user \"ghost\" is not in /etc/passwd"));
    CHECK_THROWS_WITH(resolve_identity(with_user("app:"), passwd), Contains("must be NAME, UID or UID:GID"));
    CHECK_THROWS_WITH(resolve_identity(with_user("1:x"), passwd), Contains("must be NAME, UID or UID:GID"));
    CHECK_THROWS_AS(resolve_identity(with_user("app"), ""), ConfigError);
}
