# SPDX-License-Identifier: MIT
"""State directory trust through hvsup-cli on the simulated host (docs/security.md, "State
directory trust"): links and directories other users could write are refused before anything is
touched, a PID in runtime.json is signalled only when it is the helper, and a read-only state
directory does not keep kill from ending a VM."""
import json
import os
import shlex
import shutil
import subprocess
import time

import pytest

from test_concurrency import rt  # noqa: F401  (fixture: simulated host, leak checks)
from test_crash_consistency import cli_argv
from test_lifecycle_sim import pid_alive


def test_symlinked_runtime_dir_is_refused_and_its_target_kept(rt):  # noqa: F811
    target = rt.dir / "elsewhere"
    target.mkdir()
    (target / "precious").write_text("keep")
    rt.state.mkdir(mode=0o700)
    (rt.state / "agent-1").symlink_to(target)
    expected = (f"runtime directory {rt.state / 'agent-1'} is a symbolic link: hvsup never follows links inside a "
                "state directory; remove the link (what it points to is not touched)")
    for command in ("prepare", "start", "kill", "delete"):
        r = rt.cli(rt.request(command))
        assert r == {"ok": False, "backend": "windows-hyperv", "error": expected}, r
    assert sorted(p.name for p in target.iterdir()) == ["precious"]
    assert (target / "precious").read_text() == "keep"
    assert rt.host.calls() == []


def test_foreign_or_writable_state_dir_is_refused_naming_the_fix(rt):  # noqa: F811
    assert rt.cli(rt.request("prepare"))["ok"]
    before = (rt.state / "agent-1" / "runtime.json").read_text()
    os.chmod(rt.state, 0o777)
    r = rt.cli(rt.request("prepare"))
    assert r["error"] == (f"state directory {rt.state} is writable by others (mode 0777): anyone who can write there "
                          f"could forge the state hvsup acts on; run chmod go-w {rt.state}"), r
    os.chmod(rt.state, 0o700)
    os.chown(rt.state / "agent-1", 12345, 12345)
    r = rt.cli(rt.request("delete"))
    assert r["error"] == (f"runtime directory {rt.state / 'agent-1'} is owned by uid 12345, not by the caller "
                          f"(uid {os.geteuid()}): its owner could forge the state hvsup acts on; use a directory you "
                          "own (chown it, or choose another stateDir)"), r
    assert (rt.state / "agent-1" / "runtime.json").read_text() == before
    os.chown(rt.state / "agent-1", os.geteuid(), os.getegid())
    assert rt.cli(rt.request("delete"))["ok"]
    assert not (rt.state / "agent-1").exists()


def test_delete_never_kills_a_process_that_is_not_the_helper(rt):  # noqa: F811
    bystander = subprocess.Popen(["sleep", "60"])
    try:
        assert rt.cli(rt.request("prepare"))["ok"]
        # runtime.json written by its owner, naming a PID that is not the helper (a PID reused
        # since the helper exited looks the same).
        path = rt.state / "agent-1" / "runtime.json"
        state = json.loads(path.read_text())
        state["vsockListenerPid"] = bystander.pid
        path.write_text(json.dumps(state))
        r = rt.cli(rt.request("delete"))
        assert r["ok"], r
        time.sleep(0.2)
        assert bystander.poll() is None, "delete signalled a process that was not its helper"
    finally:
        bystander.kill()
        bystander.wait()


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None,
                    reason="needs root and unshare for a read-only mount")
def test_kill_and_inspect_work_on_a_read_only_state_dir(rt):  # noqa: F811
    rt.host.script({"guest": {}})
    rt.state.mkdir(mode=0o700)
    out = rt.dir / "out"
    out.mkdir()
    start = cli_argv(rt, rt.request("start", vsockListeners=[{"port": 2048, "target": "127.0.0.1:9"}]))
    kill = cli_argv(rt, rt.request("kill"))
    inspect = cli_argv(rt, rt.request("inspect"))
    q = shlex.quote
    # A private mount namespace: once the VM runs, the state dir is bind-mounted read-only over
    # itself (the helper keeps the log it already has open; every new open sees a read-only fs).
    script = "\n".join([
        f"{shlex.join(start)} > {q(str(out / 'start.json'))} || true",
        f"cp {q(str(rt.state / 'agent-1' / 'runtime.json'))} {q(str(out / 'runtime.json'))}",
        f"mount --bind {q(str(rt.state))} {q(str(rt.state))}",
        f"mount -o remount,bind,ro {q(str(rt.state))}",
        f"{shlex.join(inspect)} > {q(str(out / 'inspect.json'))} || true",
        f"{shlex.join(kill)} > {q(str(out / 'kill.json'))} || true",
    ])
    subprocess.run(["unshare", "-m", "--propagation", "private", "bash", "-ec", script], env=rt.host.env(),
                   check=True, timeout=120)
    started = json.loads((out / "start.json").read_text())
    assert started["ok"], started
    helper = json.loads((out / "runtime.json").read_text())["vsockListenerPid"]
    inspected = json.loads((out / "inspect.json").read_text())
    assert inspected["ok"] and inspected["event"]["state"] == "running", inspected
    killed = json.loads((out / "kill.json").read_text())
    assert killed["ok"] is False
    assert killed["event"]["state"] == "stopped"
    assert killed["error"].startswith("windows-hyperv compute system killed, but the state could not be "
                                      "recorded: "), killed["error"]
    assert killed["error"].endswith("events.json.lock: read-only file system"), killed["error"]
    # The VM and its helper are gone even though nothing could be recorded.
    assert rt.host.live_systems() == []
    assert helper and not pid_alive(helper)


def test_a_forged_compute_system_id_never_reaches_another_runtime(rt):  # noqa: F811
    rt.host.script({"guest": {}})
    assert rt.cli(rt.request("start", "victim"))["ok"]
    assert rt.cli(rt.request("prepare"))["ok"]
    path = rt.state / "agent-1" / "runtime.json"
    state = json.loads(path.read_text())
    state["computeSystemID"] = "victim"
    state["event"]["state"] = "running"
    path.write_text(json.dumps(state))
    r = rt.cli(rt.request("kill"))
    assert r["error"] == ('runtime.json of workspace agent-1 records compute system "victim", which this '
                          "runtime did not create (its compute system is always named agent-1); refusing to act on "
                          "it; delete the workspace"), r
    assert rt.cli(rt.request("delete"))["ok"]
    assert rt.host.live_systems() == ["victim"]
    assert rt.host.calls("HcsTerminateComputeSystem", "victim") == []
    assert rt.cli(rt.request("delete", "victim"))["ok"]
