# SPDX-License-Identifier: MIT
"""hvsup-cli's lifecycle subcommands for people (`hvsup-cli start --runtime ID --state-dir D
--config FILE`, docs/cli.md) on the simulated Hyper-V host (test/sim): each builds the protocol
request the JSON mode would take, prints one line (or the response with --json) and exits as the
JSON mode does; a usage error exits 2 having done nothing."""
import json
import pathlib
import re
import shlex
import subprocess
import sys

import pytest

from conftest import BUILD, ROOT, tool

sys.path.insert(0, str(ROOT / "test" / "sim"))
sys.path.insert(0, str(ROOT / "test" / "sim" / "hcn"))
import hcnsim  # noqa: E402
import simhost  # noqa: E402


class Host:
    def __init__(self, tmp_path):
        self.sim = simhost.SimHost(tmp_path, BUILD)
        self.state = tmp_path / "state"
        self.state.mkdir()
        kernel = tmp_path / "Image"
        kernel.write_bytes(b"kernel")
        rootfs = tmp_path / "rootfs.vhd"
        simhost.write_fixed_vhd(rootfs)
        self.config = {"kernelPath": str(kernel), "rootfsPath": str(rootfs), "network": {"mode": "isolated"}}
        self.config_file = tmp_path / "vm.json"
        self.write_config()

    def write_config(self, **extra):
        self.config_file.write_text(json.dumps({**self.config, **extra}))

    def cli(self, *args, state=True):
        argv = [str(tool("hvsup-cli")), "--hcs-library", str(self.sim.library()),
                "--hcn-library", str(hcnsim.provider_path(BUILD))]
        if state:
            argv += ["--state-dir", str(self.state)]
        return subprocess.run([*argv, *args], capture_output=True, text=True, timeout=120, env=self.sim.env())

    def states(self, name="agent-1"):
        return [e["state"] for e in json.loads((self.state / name / "events.json").read_text())]


@pytest.fixture
def host(tmp_path):
    h = Host(tmp_path)
    yield h
    leaked = h.sim.live_systems()
    h.sim.kill_all()
    assert leaked == [], f"compute systems leaked: {leaked}"


def test_a_lifecycle_in_subcommands(host):
    proc = host.cli("check", "--runtime", "agent-1", "--config", str(host.config_file))
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "agent-1: check ok\n", "")
    proc = host.cli("prepare", "--runtime", "agent-1", "--config", str(host.config_file))
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "agent-1: prepared (prepared windows-hyperv workspace)\n", "")
    proc = host.cli("run", "--runtime", "agent-1", "--config", str(host.config_file))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"agent-1: running (serial={host.state / 'agent-1' / 'serial.log'})\n"
    assert host.sim.live_systems() == ["agent-1"]
    proc = host.cli("inspect", "--runtime", "agent-1")
    assert proc.returncode == 0 and proc.stdout.startswith("agent-1: running (serial=")
    proc = host.cli("stop", "--runtime", "agent-1")
    assert (proc.returncode, proc.stdout) == (0, "agent-1: stopped (windows-hyperv compute system stopped)\n")
    assert host.sim.live_systems() == []
    assert host.states() == ["prepared", "starting", "running", "stopped"]
    proc = host.cli("delete", "--runtime", "agent-1")
    assert proc.returncode == 0 and proc.stdout.startswith("agent-1: stopped (")
    assert not (host.state / "agent-1").exists()


def test_run_reports_the_guest_exit_code(host):
    host.sim.script({"guest": {"result": {"exit_code": 3, "stderr": "boom\n"}}})
    result = host.state / "agent-1" / "result.json"
    host.write_config(vsockListeners=[{"port": 1024, "target": str(result)}])
    proc = host.cli("run", "--runtime", "agent-1", "--config", str(host.config_file))
    assert (proc.returncode, proc.stdout) == (0, "agent-1: stopped (windows-hyperv result received), exit code 3\n")


def test_json_prints_the_response_the_json_mode_prints(host):
    request_file = host.config_file.parent / "req.json"
    request_file.write_text(json.dumps({
        "command": "prepare", "identity": {"requestID": "r-7", "runtimeID": "agent-1", "role": "enforcer",
                                           "backend": "windows-hyperv"},
        "config": {**host.config, "stateDir": str(host.state)}}))
    by_request = host.cli("--request", str(request_file))
    by_command = host.cli("prepare", "--runtime", "agent-1", "--config", str(host.config_file), "--request-id", "r-7",
                          "--role", "enforcer", "--json")
    assert by_command.returncode == by_request.returncode == 0
    time = re.compile(r'"observedAt": "[^"]*"')
    assert time.sub("", by_command.stdout) == time.sub("", by_request.stdout)
    event = json.loads(by_command.stdout)["event"]
    assert event["identity"]["requestID"] == "r-7" and event["identity"]["role"] == "enforcer"


def test_failures_exit_1_with_one_line_on_stderr(host):
    proc = host.cli("inspect", "--runtime", "agent-1")
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr == "hvsup-cli: inspect agent-1: workspace agent-1 not found\n"
    json_proc = host.cli("inspect", "--runtime", "agent-1", "--json")
    assert json_proc.returncode == 1
    assert json.loads(json_proc.stdout) == {"ok": False, "backend": "windows-hyperv", "error": "workspace agent-1 not found"}

    assert host.cli("run", "--runtime", "agent-1", "--config", str(host.config_file)).returncode == 0
    proc = host.cli("start", "--runtime", "agent-1", "--config", str(host.config_file))
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr == "hvsup-cli: start agent-1: workspace agent-1 is already running\n"
    assert host.cli("kill", "--runtime", "agent-1").returncode == 0


def test_the_library_judges_the_runtime_id_and_the_config(host):
    proc = host.cli("prepare", "--runtime", "../escape", "--config", str(host.config_file))
    assert proc.returncode == 1
    assert "identity.runtimeID must be a safe basename" in proc.stderr
    host.config_file.write_text(json.dumps({"kernelPath": "/k", "rootfsPath": "/r", "memoryMiB": "lots"}))
    proc = host.cli("prepare", "--runtime", "agent-1", "--config", str(host.config_file))
    assert proc.returncode == 1
    assert "config.memoryMiB: expected an integer, got string" in proc.stderr
    assert list(host.state.iterdir()) == []


def test_state_dir_on_the_command_line_wins_over_the_config_file(host, tmp_path):
    other = tmp_path / "other"
    host.write_config(stateDir=str(other))
    assert host.cli("prepare", "--runtime", "agent-1", "--config", str(host.config_file)).returncode == 0
    assert (host.state / "agent-1" / "runtime.json").exists() and not other.exists()
    # Without --state-dir the file's stateDir is used.
    proc = host.cli("prepare", "--runtime", "agent-2", "--config", str(host.config_file), state=False)
    assert proc.returncode == 0, proc.stderr
    assert (other / "agent-2" / "runtime.json").exists()


@pytest.mark.parametrize("args,message", [
    (["launch", "--runtime", "a"], "unknown subcommand launch"),
    (["stop"], "stop needs --runtime ID"),
    (["stop", "--runtime"], "--runtime needs a value"),
    (["start", "--runtime", "a"], "start needs --config FILE"),
    (["stop", "--runtime", "a", "--role", "admin"], "--role takes workload or enforcer, not 'admin'"),
    (["stop", "--runtime", "a", "--config", "@absent"], "--config @absent: cannot read: No such file or directory"),
    (["stop", "--runtime", "a", "--config", "@notjson"], "--config @notjson: not JSON"),
    (["stop", "--runtime", "a", "--config", "@array"], "--config @array: must hold a JSON object"),
    (["stop", "--runtime", "a", "--request-json", "{}"], "stop builds its request from --runtime and --config"),
    (["--runtime", "a"], "--runtime, --config, --request-id and --role go with a command"),
    (["host", "--runtime", "a"], "--runtime, --config, --request-id and --role go with a command"),
    (["stop", "inspect", "--runtime", "a"], "too many arguments"),
    (["stop", "--runtime", "a", "--stop-grace-ms", "0"], "--stop-grace-ms takes 1..3600000"),
])
def test_usage_errors_exit_2_and_do_nothing(host, tmp_path, args, message):
    files = {"@absent": tmp_path / "absent.json", "@notjson": tmp_path / "notjson.json", "@array": tmp_path / "array.json"}
    files["@notjson"].write_text("{kernelPath:")
    files["@array"].write_text("[]")
    args = [str(files.get(a, a)) for a in args]
    message = message.replace("@absent", str(files["@absent"])).replace("@notjson", str(files["@notjson"])) \
        .replace("@array", str(files["@array"]))
    proc = host.cli(*args)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.startswith(f"hvsup-cli: {message}") and "Try 'hvsup-cli --help'" in proc.stderr
    assert list(host.state.iterdir()) == []
    assert host.sim.calls() == []


def test_a_command_needs_a_state_directory(host):
    proc = host.cli("inspect", "--runtime", "agent-1", state=False)
    assert proc.returncode == 2
    assert "inspect needs --state-dir DIR (or stateDir in the --config file)" in proc.stderr


def test_short_version_and_help_list_the_commands():
    proc = subprocess.run([str(tool("hvsup-cli")), "-V"], capture_output=True, text=True)
    assert proc.returncode == 0 and re.match(r"hvsup-cli \d+\.\d+\.\d+ \(ABI 1\)\n", proc.stdout)
    help_text = subprocess.run([str(tool("hvsup-cli")), "--help"], capture_output=True, text=True).stdout
    for command in ["check", "prepare", "start", "run", "inspect", "stop", "halt", "kill", "quarantine", "delete"]:
        assert re.search(rf"\b{command}\b", help_text.split("Commands:")[1].split("Options:")[0])
    for option in ["--runtime ID", "--config FILE", "--request-id ID", "--role ROLE", "-V, --version"]:
        assert option in help_text


def installed_files():
    """What `meson install` would install, by destination (meson introspect --installed)."""
    installed = json.loads((BUILD / "meson-info" / "intro-installed.json").read_text())
    return {pathlib.PurePosixPath(dest).as_posix(): source for source, dest in installed.items()}


@pytest.mark.parametrize("name", ["hvsup-cli", "vhdbuild", "hvsock-listener"])
def test_man_pages_are_generated_from_help_and_installed(name):
    page = BUILD / "tools" / f"{name}.1"
    assert page.exists(), "help2man did not run (is help2man installed?)"
    text = page.read_text()
    version = subprocess.run([str(tool(name)), "--version"], capture_output=True, text=True).stdout.split()[1]
    assert re.search(rf'^\.TH {name.upper()} "1" .*"{name} {re.escape(version)}', text, re.M), text[:300]
    assert ".SH SYNOPSIS" in text and ".SH OPTIONS" in text
    assert "\\-V\\fR, \\fB\\-\\-version" in text
    assert any(dest.endswith(f"/share/man/man1/{name}.1") for dest in installed_files())


def complete(script, words):
    """The completions bash offers for WORDS (the last one being completed) after sourcing SCRIPT."""
    program = f"""
source {shlex.quote(str(script))} || exit 3
func=$(complete -p {shlex.quote(words[0])} | sed -n 's/.*-F \\([^ ]*\\).*/\\1/p')
COMP_WORDS=({" ".join(shlex.quote(w) for w in words)}); COMP_CWORD={len(words) - 1}
"$func"
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    proc = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    return proc.stdout.split()


def test_bash_completion_loads_and_completes_subcommands_options_and_runtimes(tmp_path):
    script = ROOT / "tools" / "completion" / "hvsup-cli.bash"
    assert complete(script, ["hvsup-cli", "st"]) == ["start", "stop"]
    assert complete(script, ["hvsup-cli", "--con"]) == ["--config"]
    assert complete(script, ["hvsup-cli", "--hcs-api", ""]) == ["computecore", "vmcompute"]
    for name in ["agent-1", "agent-2"]:
        (tmp_path / name).mkdir()
        (tmp_path / name / "runtime.json").write_text("{}")
    (tmp_path / "not-a-runtime").mkdir()
    assert complete(script, ["hvsup-cli", "--state-dir", str(tmp_path), "stop", "--runtime", "a"]) == ["agent-1", "agent-2"]
    assert complete(script, ["hvsup-cli", "stop", ""]) == []  # one subcommand only
    # --option=VALUE, as bash splits it (COMP_WORDBREAKS has '='): the value is completed too.
    assert complete(script, ["hvsup-cli", "--hcs-api", "=", ""]) == ["computecore", "vmcompute"]
    assert complete(script, ["hvsup-cli", "--hcs-api", "=", "v"]) == ["vmcompute"]
    assert complete(script, ["hvsup-cli", "--state-dir", "=", str(tmp_path), "stop", "--runtime", "=", "a"]) == \
        ["agent-1", "agent-2"]
    assert complete(script, ["hvsup-cli", "--runtime", "=", "x", "st"]) == ["start", "stop"]
    script = ROOT / "tools" / "completion" / "vhdbuild.bash"
    assert complete(script, ["vhdbuild", "insp"]) == ["inspect"]
    assert complete(script, ["vhdbuild", "--from-t"]) == ["--from-tar"]
    (tmp_path / "rootfs").mkdir()
    (tmp_path / "rootfs.tar").write_bytes(b"")
    assert complete(script, ["vhdbuild", "--from-dir", "=", str(tmp_path / "roo")]) == [str(tmp_path / "rootfs")]
    assert complete(script, ["vhdbuild", "--size", "=", ""]) == []
    installed = installed_files()
    for name in ["hvsup-cli", "vhdbuild"]:
        assert any(dest.endswith(f"/share/bash-completion/completions/{name}") for dest in installed), name
