# SPDX-License-Identifier: MIT
"""hvsup-guestinit in its test mode against the REAL host side: the library's result service
(hvsup_hvsock_listeners_create with a result path, through the Python binding) over the loopback
emulation transport. Each case checks the result.json the host wrote (docs/guest.md)."""
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime

import pytest

from conftest import BUILD, ROOT, tool
from hvsock_guest import free_port, port_file, recv_all

sys.path.insert(0, str(ROOT / "bindings" / "python" / "src"))
from hvsup._native import Library  # noqa: E402
from hvsup.hvsock import Listeners, ResultState  # noqa: E402

VM = "2b5f3a4c-1d2e-4f60-8a9b-0c1d2e3f4a5b"
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def lib():
    return Library(BUILD / "libhvsup" / "libhvsup.so")


class Guest:
    """A guest root (etc/microagent/run.json, etc/passwd), its kernel command line, and the host's
    result service listening on vsock port 1024 for VM through the emulation directory."""

    def __init__(self, tmp_path, lib, port=1024, forwards=(), emulation_subdir=None, init=None):
        # init: the command that starts the init (default: the build's hvsup-guestinit).
        self.init = list(init) if init else None
        self.root = tmp_path / "root"
        (self.root / "etc" / "microagent").mkdir(parents=True)
        # emulation_subdir: the emulation directory inside the root (for an init chrooted there).
        self.emulation = self.root / emulation_subdir if emulation_subdir else tmp_path / "hvsock"
        self.emulation.mkdir()
        self.result = tmp_path / "result.json"
        self.cmdline_file = tmp_path / "cmdline"
        self.cmdline("root=/dev/sda rw init=/sbin/microagent-init console=ttyS0,115200")
        spec = {"vsockListeners": [{"port": port, "target": str(self.result)}], "resultPath": str(self.result),
                "portForwards": [{"protocol": "tcp", "host": "127.0.0.1", "hostPort": hp} for hp in forwards]}
        self.host = Listeners(VM, spec, emulation_dir=str(self.emulation), lib=lib)

    def cmdline(self, text):
        self.cmdline_file.write_text(text + "\n")

    def run_json(self, doc):
        text = doc if isinstance(doc, str) else json.dumps(doc)
        (self.root / "etc" / "microagent" / "run.json").write_text(text)

    def argv(self, transport_options=True):
        init = self.init or [str(tool("hvsup-guestinit"))]
        args = [*init, "--test-root", str(self.root), "--cmdline-file", str(self.cmdline_file)]
        if transport_options:
            args += ["--vsock-emulation-dir", str(self.emulation), "--vm-id", VM]
        return args

    def boot(self, timeout=60, **kw):
        return subprocess.run(self.argv(**kw), capture_output=True, timeout=timeout)

    def received(self):
        assert self.host.wait_result(20000) == ResultState.RECEIVED
        return json.loads(self.result.read_bytes())

    def boot_failing_start(self):
        """Boots an init whose start fails: it exits 1 and delivers a failed result (exit code
        127). Returns the process and the result."""
        proc = self.boot()
        assert proc.returncode == 1
        r = self.received()
        assert r["exit_code"] == 127
        return proc, r

    def close(self):
        self.host.close()


@pytest.fixture
def guest(tmp_path, lib):
    g = Guest(tmp_path, lib)
    yield g
    g.close()


def signal_the_running_init(guest, sig):
    """Boots the init, waits for its workload to print "up", sends `sig` to the init and checks
    that it ends (status 0: the result was delivered) within 8 s."""
    proc = subprocess.Popen(guest.argv(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout.readline() == b"up\n"
        began = time.monotonic()
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
        assert time.monotonic() - began < 8
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err


def parse_time(text):
    # Python before 3.11 reads at most microseconds: trim the nanoseconds.
    base, _, frac = text.rstrip("Z").partition(".")
    return datetime.fromisoformat(base + ("." + frac[:6].ljust(6, "0") if frac else "") + "+00:00")


def test_the_workload_runs_and_its_result_reaches_the_host(guest):
    guest.run_json({"command": ["/bin/sh", "-c", "echo ok; echo oops >&2; exit 3"]})
    proc = guest.boot()
    assert proc.returncode == 0, proc.stderr
    r = guest.received()
    assert r["exit_code"] == 3
    assert r["stdout"] == "ok\n"
    assert r["stderr"] == "oops\n"
    assert "error" not in r
    assert parse_time(r["started_at"]) <= parse_time(r["exited_at"])
    # Streamed to the console as it ran, stdout to 1 and stderr to 2.
    assert b"ok\n" in proc.stdout
    assert b"oops\n" in proc.stderr
    assert b"result delivered to vsock port 1024" in proc.stderr
    # One JSON object and a newline, as written by the guest.
    assert guest.result.read_bytes().endswith(b"}\n")


def test_the_transport_may_come_from_the_kernel_command_line(guest):
    guest.cmdline(f"root=/dev/sda microagent_vsock_emulation_dir={guest.emulation} microagent_vm_id={VM.upper()}")
    guest.run_json({"command": ["echo", "from cmdline"]})
    proc = guest.boot(transport_options=False)
    assert proc.returncode == 0, proc.stderr
    assert guest.received()["stdout"] == "from cmdline\n"


def test_env_cwd_and_home(guest, tmp_path):
    work = tmp_path / "work dir"
    work.mkdir()
    guest.run_json({"command": ["/bin/sh", "-c", 'echo "$FOO|$(pwd)|$HOME|$PATH|$EMPTY."'],
                    "env": ["FOO=bar baz", "EMPTY=", "HOME=/custom"], "workingDir": str(work)})
    proc = guest.boot()
    assert proc.returncode == 0, proc.stderr
    path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    assert guest.received()["stdout"] == f"bar baz|{work}|/custom|{path}|.\n"


def test_the_environment_is_the_guests_not_the_callers(guest):
    guest.run_json({"command": ["/bin/sh", "-c", 'echo "[$HVSUP_LEAK]$HOME"']})
    proc = subprocess.run(guest.argv(), capture_output=True, timeout=60, env=dict(os.environ, HVSUP_LEAK="x"))
    assert proc.returncode == 0, proc.stderr
    assert guest.received()["stdout"] == "[]/root\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="changing user ids needs root")
def test_user_from_the_guests_passwd(guest):
    (guest.root / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\napp:x:4242:4343:App:/home/app:/bin/sh\n")
    guest.run_json({"command": ["/bin/sh", "-c", 'echo "$(id -u):$(id -g):$(id -G):$USER:$HOME"'], "user": "app"})
    proc = guest.boot()
    assert proc.returncode == 0, proc.stderr
    assert guest.received()["stdout"] == "4242:4343:4343:app:/home/app\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="changing user ids needs root")
def test_numeric_uid_and_gid(guest):
    guest.run_json({"command": ["/bin/sh", "-c", 'echo "$(id -u):$(id -g)"'], "uid": 5001, "gid": 5002})
    assert guest.boot().returncode == 0
    assert guest.received()["stdout"] == "5001:5002\n"


def test_an_unknown_user_is_a_failed_result(guest):
    guest.run_json({"command": ["true"], "user": "ghost"})
    _, r = guest.boot_failing_start()
    assert r["error"] == 'run.json user "ghost" is not in /etc/passwd'


def test_bad_run_json_is_a_console_error_and_a_failed_result(guest):
    guest.run_json('{"command": ["true"], "port": 1024,')
    proc, r = guest.boot_failing_start()
    assert r["error"].startswith("run.json is not valid JSON")
    assert b"hvsup-guestinit: run.json is not valid JSON" in proc.stderr


def test_a_bad_key_in_run_json_names_the_key(guest):
    guest.run_json({"command": ["true"], "env": ["NOVALUE"]})
    assert guest.boot().returncode == 1
    assert guest.received()["error"] == "run.json env[0] must be KEY=VALUE"


def test_a_missing_run_json_is_a_failed_result(guest):
    _, r = guest.boot_failing_start()
    assert "etc/microagent/run.json: cannot open" in r["error"]


def test_a_bad_kernel_command_line_is_a_failed_result(guest):
    guest.cmdline("root=/dev/sda microagent_shell_port=0")
    guest.run_json({"command": ["true"]})
    proc, r = guest.boot_failing_start()
    assert r["error"].startswith("kernel command line: microagent_shell_port must be a positive uint16")
    assert b"microagent_shell_port must be a positive uint16" in proc.stderr


def test_a_bad_data_disk_mode_is_a_failed_result(guest):
    guest.cmdline("root=/dev/sda microagent_disk=/dev/sdb:/config:rx")
    guest.run_json({"command": ["true"]})
    assert guest.boot().returncode == 1
    assert "mount /config mode must be ro or rw" in guest.received()["error"]


def test_a_missing_workload_is_a_failed_result(guest):
    guest.run_json({"command": ["/nonexistent/program", "x"]})
    _, r = guest.boot_failing_start()
    assert r["error"] == "start workload: exec /nonexistent/program: No such file or directory"


def test_a_missing_working_dir_is_a_failed_result(guest, tmp_path):
    guest.run_json({"command": ["true"], "workingDir": str(tmp_path / "absent")})
    assert guest.boot().returncode == 1
    r = guest.received()
    assert r["exit_code"] == 127
    assert r["error"].startswith(f"start workload: chdir {tmp_path / 'absent'}: No such file")


def test_a_timeout_kills_the_process_group(guest, tmp_path):
    marker = tmp_path / "child.pid"
    # The background child shares the group: it must die with the workload.
    guest.run_json({"command": ["/bin/sh", "-c", f"sleep 60 & echo $! > {marker}; echo started; wait"],
                    "timeoutSeconds": 0.5})
    began = time.monotonic()
    proc = guest.boot()
    assert time.monotonic() - began < 15
    assert proc.returncode == 0, proc.stderr
    r = guest.received()
    assert r["exit_code"] == 128 + signal.SIGKILL
    assert r["stdout"] == "started\n"
    assert r["error"] == "workload timed out after 500 ms; its process group was killed"
    child = int(marker.read_text())
    assert not pathlib.Path(f"/proc/{child}").exists()


def test_a_timeout_kills_at_once_even_a_workload_that_ignores_sigterm(guest):
    # The timeout sends SIGKILL straight away (no SIGTERM first, no grace period to wait out):
    # a workload ignoring the polite signals ends within the timeout's own bound.
    guest.run_json({"command": ["/bin/sh", "-c", "trap '' TERM INT HUP USR1 USR2; echo started; "
                                                 "while :; do sleep 0.1; done"],
                    "timeoutSeconds": 1})
    began = time.monotonic()
    proc = guest.boot()
    assert time.monotonic() - began < 8  # far from a 10 s escalation
    assert proc.returncode == 0, proc.stderr
    r = guest.received()
    assert r["exit_code"] == 128 + signal.SIGKILL
    assert r["stdout"] == "started\n"
    assert r["error"] == "workload timed out after 1000 ms; its process group was killed"


def test_output_is_capped_so_the_result_fits_16_mib(guest):
    guest.run_json({"command": [sys.executable, "-c",
                                "import sys; sys.stdout.write('x' * (20 << 20)); sys.stderr.write('tail')"]})
    proc = guest.boot(timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    # The whole stream still went to the console.
    assert len(proc.stdout) == 20 * MIB
    assert guest.result.stat().st_size <= 16 * MIB
    r = guest.received()
    assert r["exit_code"] == 0
    assert r["stdout_truncated"] is True
    assert "stderr_truncated" not in r
    assert r["stderr"] == "tail"
    assert set(r["stdout"]) == {"x"}
    assert len(r["stdout"]) > 16 * MIB - 4096


def test_orphans_are_reaped_while_the_workload_runs(guest):
    # The workload orphans a grandchild that exits at once; the init (PID 1, or a subreaper in
    # the test mode) inherits and must reap it. A second later the workload looks for zombies
    # among its parent's children.
    script = """
import os, time
if os.fork() == 0:
    if os.fork() == 0:
        time.sleep(0.2)
        os._exit(0)
    os._exit(0)
os.wait()
time.sleep(1.5)
init = os.getppid()
zombies = 0
for pid in filter(str.isdigit, os.listdir('/proc')):
    try:
        stat = open(f'/proc/{pid}/stat').read()
    except OSError:
        continue
    fields = stat[stat.rindex(')') + 2:].split()
    if int(fields[1]) == init and fields[0] == 'Z':
        zombies += 1
print('zombies', zombies)
"""
    guest.run_json({"command": [sys.executable, "-c", script]})
    assert guest.boot().returncode == 0
    assert guest.received()["stdout"] == "zombies 0\n"


def test_background_processes_do_not_hold_the_run_open(guest, tmp_path):
    marker = tmp_path / "bg.pid"
    guest.run_json({"command": ["/bin/sh", "-c", f"sleep 60 & echo $! > {marker}; echo done"]})
    began = time.monotonic()
    proc = guest.boot()
    assert time.monotonic() - began < 15
    assert proc.returncode == 0, proc.stderr
    r = guest.received()
    assert r["exit_code"] == 0 and r["stdout"] == "done\n"
    assert not pathlib.Path(f"/proc/{int(marker.read_text())}").exists()


def test_sigterm_stops_the_workload_and_still_delivers(guest):
    guest.run_json({"command": ["/bin/sh", "-c", "echo up; exec sleep 60"]})
    signal_the_running_init(guest, signal.SIGTERM)
    r = guest.received()
    assert r["exit_code"] == 128 + signal.SIGKILL
    assert r["error"] == "stopped by SIGTERM; the workload's process group was killed"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGUSR1, signal.SIGUSR2], ids=lambda s: s.name)
def test_every_stop_signal_kills_the_workload_even_if_it_ignores_them(guest, sig):
    guest.run_json({"command": ["/bin/sh", "-c", "trap '' TERM INT HUP USR1 USR2; echo up; "
                                                 "while :; do sleep 0.1; done"]})
    signal_the_running_init(guest, sig)
    r = guest.received()
    assert r["exit_code"] == 128 + signal.SIGKILL
    assert r["error"] == f"stopped by {sig.name}; the workload's process group was killed"


def test_result_port_zero_delivers_nothing(guest):
    guest.cmdline("root=/dev/sda microagent_result_port=0")
    guest.run_json({"command": ["true"]})
    proc = guest.boot()
    assert proc.returncode == 0, proc.stderr
    assert b"result port is 0" in proc.stderr
    assert guest.host.wait_result(300) == ResultState.PENDING
    assert not guest.result.exists()


def test_the_result_goes_to_the_port_run_json_names(tmp_path, lib):
    g = Guest(tmp_path, lib, port=2048)
    try:
        g.run_json({"command": ["echo", "two"], "port": 2048})
        assert g.boot().returncode == 0
        assert g.received()["stdout"] == "two\n"
    finally:
        g.close()


def test_usage_errors():
    init = str(tool("hvsup-guestinit"))
    proc = subprocess.run([init], capture_output=True, text=True, timeout=20)
    assert proc.returncode == 2
    assert "runs as PID 1 (init=) or with --test-root DIR" in proc.stderr
    proc = subprocess.run([init, "--test-root", "/x", "--vsock-emulation-dir", "/e"], capture_output=True, text=True,
                          timeout=20)
    assert proc.returncode == 2 and "--vsock-emulation-dir needs --vm-id" in proc.stderr
    proc = subprocess.run([init, "--test-root", "/x", "--vsock-emulation-netns", "/proc/1/ns/net"], capture_output=True,
                          text=True, timeout=20)
    assert proc.returncode == 2 and "--vsock-emulation-netns needs --vsock-emulation-dir" in proc.stderr
    proc = subprocess.run([init, "--bogus"], capture_output=True, text=True, timeout=20)
    assert proc.returncode == 2 and "unknown argument --bogus" in proc.stderr
    proc = subprocess.run([init, "--help"], capture_output=True, text=True, timeout=20)
    assert proc.returncode == 0 and "--test-root" in proc.stdout


def test_a_bad_vm_id_is_reported(guest):
    guest.run_json({"command": ["true"]})
    argv = guest.argv(transport_options=False) + ["--vsock-emulation-dir", str(guest.emulation),
                                                  "--vm-id", "not-a-guid"]
    proc = subprocess.run(argv, capture_output=True, timeout=60)
    assert proc.returncode == 1
    assert b'VM id "not-a-guid" is not a GUID' in proc.stderr


@pytest.mark.parametrize("netns, why", [("/nonexistent/ns", "open the emulation's network namespace /nonexistent/ns: "
                                                          "No such file or directory"),
                                        ("/proc/self/ns/uts", "/proc/self/ns/uts is not a network namespace")])
def test_a_bad_emulation_network_namespace_is_reported(guest, netns, why):
    # Given as an option or on the command line, the same check: the transport is refused, so
    # no result can be delivered, and the console says why.
    guest.run_json({"command": ["true"]})
    proc = subprocess.run(guest.argv() + ["--vsock-emulation-netns", netns], capture_output=True, timeout=60)
    assert proc.returncode == 1
    assert f"vsock transport: {why}".encode() in proc.stderr, proc.stderr
    guest.cmdline(f"root=/dev/sda rw microagent_vsock_emulation_dir={guest.emulation} microagent_vm_id={VM} "
                  f"microagent_vsock_emulation_netns={netns}")
    proc = guest.boot(transport_options=False)
    assert proc.returncode == 1
    assert f"vsock transport: {why}".encode() in proc.stderr, proc.stderr


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None, reason="needs root and unshare")
def test_an_init_in_its_own_network_namespace_reaches_the_host_through_the_named_one(guest):
    # The init runs in a new network namespace (only its own lo); its transport makes its
    # sockets in the host's (/proc/PID/ns/net of this test), so the result arrives, while the
    # workload sees the new namespace's interfaces only.
    guest.run_json({"command": ["sh", "-c", "cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' '"]})
    argv = ["unshare", "--net", *guest.argv(), "--vsock-emulation-netns", f"/proc/{os.getpid()}/ns/net"]
    proc = subprocess.run(argv, capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    r = guest.received()
    assert r["exit_code"] == 0
    assert r["stdout"].split() == ["lo"]
    assert f"network namespace /proc/{os.getpid()}/ns/net".encode() in proc.stderr


def sanitized_build():
    options = json.loads((BUILD / "meson-info" / "intro-buildoptions.json").read_text())
    return any(o["name"] == "b_sanitize" and o["value"] != "none" for o in options)


@pytest.mark.skipif(sanitized_build(), reason="sanitized builds link the init dynamically")
def test_the_init_is_a_static_executable():
    data = tool("hvsup-guestinit").read_bytes()
    assert data[:4] == b"\x7fELF" and data[4] == 2  # 64-bit
    phoff = int.from_bytes(data[0x20:0x28], "little")
    phentsize = int.from_bytes(data[0x36:0x38], "little")
    phnum = int.from_bytes(data[0x38:0x3a], "little")
    types = [int.from_bytes(data[phoff + i * phentsize:phoff + i * phentsize + 4], "little") for i in range(phnum)]
    PT_INTERP, PT_DYNAMIC = 3, 2
    assert PT_INTERP not in types
    assert PT_DYNAMIC not in types


ECHO_SERVER = """
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
print("listening", flush=True)
c, _ = s.accept()
data = b""
while True:
    chunk = c.recv(65536)
    if not chunk:
        break
    data += chunk
c.sendall(data.upper())
c.close()
print("served", len(data))
"""


def test_a_published_port_reaches_the_workloads_server(tmp_path, lib):
    host_port, guest_port = free_port(), free_port()
    g = Guest(tmp_path, lib, forwards=[host_port])
    try:
        g.run_json({"command": [sys.executable, "-c", ECHO_SERVER, str(guest_port)], "timeoutSeconds": 60,
                    "hostForwards": [{"protocol": "tcp", "hostPort": host_port, "guestPort": guest_port},
                                     {"protocol": "udp", "hostPort": 5353, "guestPort": 53}]})
        proc = subprocess.Popen(g.argv(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert proc.stdout.readline() == b"listening\n"
            assert port_file(g.emulation, VM, "guest", host_port).exists()
            payload = b"hello guest " * 50000  # more than one 64 KiB buffer each way
            with socket.create_connection(("127.0.0.1", host_port), timeout=20) as c:
                c.sendall(payload)
                c.shutdown(socket.SHUT_WR)
                assert recv_all(c) == payload.upper()
            _, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 0, err
        assert b"protocol udp is not supported, skipped" in err
        r = g.received()
        assert r["exit_code"] == 0
        assert r["stdout"] == f"listening\nserved {len(payload)}\n"
        # Withdrawn with the workload.
        assert not port_file(g.emulation, VM, "guest", host_port).exists()
    finally:
        g.close()


def test_a_port_that_cannot_be_published_is_a_failed_result(guest):
    # The emulation's guest directory is a file: the listener cannot be published.
    (guest.emulation / VM).mkdir(exist_ok=True)
    (guest.emulation / VM / "guest").write_text("")
    guest.run_json({"command": ["true"], "hostForwards": [{"hostPort": 18080, "guestPort": 8080}]})
    _, r = guest.boot_failing_start()
    assert r["error"].startswith("listen vsock port 18080 for guest port 8080: ")


def descendants(pid):
    """(pid, state) of every process below `pid`, from /proc."""
    parents = {}
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = (int(fields[1]), fields[0])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        for child, (ppid, state) in parents.items():
            if ppid == parent:
                found.append((child, state))
                frontier.append(child)
    return found


def shell_session(emulation, port, script):
    """Connects to the guest's shell port through the emulation, sends `script`, half-closes and
    returns everything the shell wrote until it closed the connection."""
    with socket.create_connection(("127.0.0.1", int(port_file(emulation, VM, "guest", port).read_text())),
                                  timeout=20) as c:
        c.sendall(script)
        c.shutdown(socket.SHUT_WR)
        return recv_all(c)


SHELL_PORT = 41584


@pytest.mark.parametrize("mode", ["", "service"])
def test_the_shell_port_serves_sh_on_each_connection(guest, tmp_path, mode):
    done = tmp_path / "done"
    guest.cmdline(f"root=/dev/sda rw microagent_shell_port={SHELL_PORT}")
    guest.run_json({"command": ["/bin/sh", "-c", f"echo up; while [ ! -e {done} ]; do sleep 0.05; done"],
                    "timeoutSeconds": 60, "mode": mode})
    proc = subprocess.Popen(guest.argv(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout.readline() == b"up\n"
        assert shell_session(guest.emulation, SHELL_PORT, b"echo hi; exit\n") == b"hi\n"
        # A connection of its own each time; stderr is the connection too, the environment
        # is the init's clean one, and the shell's children are its own (sh waits for them).
        out = shell_session(guest.emulation, SHELL_PORT,
                            b"echo err >&2; echo $HOME $TERM; (exit 3); echo $?; sleep 0.1 & wait; echo waited\n")
        assert out == b"err\n/root linux\n3\nwaited\n"
        # Ended shells are collected: nothing below the init is a zombie for long. One clean
        # look is enough; a look that finds one may have caught the workload's `sleep` in the
        # instant between its exit and its shell's wait, so the assertion is on the last look.
        deadline = time.monotonic() + 5
        while (zombies := [p for p, state in descendants(proc.pid) if state == "Z"]) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert zombies == []
        done.write_text("")
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert f"shell: vsock port {SHELL_PORT} -> /bin/sh".encode() in err
    assert guest.received()["exit_code"] == 0
    # Withdrawn with the workload, and its server gone with it.
    assert not port_file(guest.emulation, VM, "guest", SHELL_PORT).exists()


def test_a_shell_port_that_cannot_be_published_is_a_failed_result(guest):
    (guest.emulation / VM).mkdir(exist_ok=True)
    (guest.emulation / VM / "guest").write_text("")
    guest.cmdline(f"root=/dev/sda microagent_shell_port={SHELL_PORT}")
    guest.run_json({"command": ["true"]})
    _, r = guest.boot_failing_start()
    assert r["error"].startswith(f"listen vsock port {SHELL_PORT} for the shell: ")


def test_bad_host_forwards_are_refused(guest):
    guest.run_json({"command": ["true"], "hostForwards": [{"hostPort": 0, "guestPort": 8080}]})
    assert guest.boot().returncode == 1
    assert guest.received()["error"] == "run.json hostForwards[0].hostPort must be a positive uint16"


def test_no_host_listener_gives_up_instead_of_hanging(guest):
    # The host listens on 1024; run.json names 2048, where nothing listens: the init retries for
    # 15 s (the reference's bound), says why on the console and ends.
    guest.run_json({"command": ["true"], "port": 2048})
    began = time.monotonic()
    proc = guest.boot()
    assert 14 < time.monotonic() - began < 40
    assert proc.returncode == 1
    assert b"deliver result: connect emulation " in proc.stderr
    assert b"port 2048: no host listener" in proc.stderr
    assert b"(gave up after 15000 ms)" in proc.stderr
