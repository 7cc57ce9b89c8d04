# SPDX-License-Identifier: MIT
"""The log callback: messages arrive with their level, the callback stays alive for the
context's lifetime, and exceptions raised by it never cross into C."""
import gc
import json
import threading

import hvsup
from conftest import full_request, state_request

# The one library diagnostic reachable on a host without HCS: `delete` of a workspace whose
# recorded compute system the host reports as gone ("... compute system ... does not exist") is
# tolerated and logged at info level. Without a provider, the host's failure text quotes the
# configured HCS library path, so a path containing those words stands in for the missing VM.
GONE_PROVIDER = "/nonexistent/compute system does not exist"


def record_compute_system(state_dir, runtime="agent-1"):
    # A runtime's compute system is always named after it; any other recorded id is refused as
    # foreign (docs/security.md), which would log a warning instead.
    path = state_dir / runtime / "runtime.json"
    doc = json.loads(path.read_text())
    doc["computeSystemID"] = runtime
    path.write_text(json.dumps(doc))


def test_log_callback_receives_library_messages(lib, state_dir):
    messages = []

    def log(level, message):
        messages.append((level, message, threading.get_ident()))

    with hvsup.Context(hcs_library=GONE_PROVIDER, log=log) as ctx:
        assert ctx.supervise(full_request("prepare", state_dir))["ok"] is True
        assert messages == []  # nothing to say yet
        record_compute_system(state_dir)
        response = ctx.supervise(state_request("delete", state_dir))
        assert response["ok"] is True, response
    assert len(messages) == 1
    level, message, thread = messages[0]
    assert level is hvsup.LogLevel.INFO
    assert message.startswith("delete agent-1: compute system already gone: ")
    assert GONE_PROVIDER in message
    assert thread == threading.get_ident()  # called on the thread that made the call


def test_log_callback_is_kept_alive_by_the_context(lib, state_dir):
    seen = []
    ctx = hvsup.Context(hcs_library=GONE_PROVIDER, log=lambda level, message: seen.append(message))
    try:
        gc.collect()  # the only reference to the trampoline is the context's
        for i in range(20):
            runtime = f"agent-{i}"
            assert ctx.supervise(full_request("prepare", state_dir, runtime=runtime))["ok"] is True
            record_compute_system(state_dir, runtime)
            gc.collect()
            assert ctx.supervise(state_request("delete", state_dir, runtime=runtime))["ok"] is True
    finally:
        ctx.close()
    assert len(seen) == 20
    assert all("compute system already gone" in m for m in seen)


def test_exceptions_in_the_log_callback_are_collected(lib, state_dir):
    def log(level, message):
        raise RuntimeError("callback failed")

    with hvsup.Context(hcs_library=GONE_PROVIDER, log=log) as ctx:
        ctx.supervise(full_request("prepare", state_dir))
        record_compute_system(state_dir)
        assert ctx.supervise(state_request("delete", state_dir))["ok"] is True  # the call still completes
        assert [str(e) for e in ctx.log_errors] == ["callback failed"]


def test_a_context_without_a_provider_does_not_log_for_a_plain_delete(lib, state_dir):
    seen = []
    with hvsup.Context(log=lambda level, message: seen.append(message)) as ctx:
        ctx.supervise(full_request("prepare", state_dir))
        ctx.supervise(state_request("delete", state_dir))
    assert seen == []
