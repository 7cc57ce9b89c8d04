// SPDX-License-Identifier: MIT

//go:build cgo

package hvsup_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hvsup/hvsup/bindings/go/hvsup"
)

func TestVersions(t *testing.T) {
	if got := hvsup.LibraryAbiVersion(); got != hvsup.AbiVersion {
		t.Fatalf("ABI version %d, want %d", got, hvsup.AbiVersion)
	}
	if v := hvsup.Version(); !regexp.MustCompile(`^\d+\.\d+\.\d+`).MatchString(v) {
		t.Fatalf("version %q", v)
	}
}

func TestLifecycle(t *testing.T) {
	state := t.TempDir()
	c := newContext(t, hvsup.Options{})
	req := fullRequest("prepare", state, "agent-1")
	req.Config.MemoryMiB = 768
	req.Config.SerialInput = true
	resp := supervise(t, c, req)
	if !resp.OK || resp.Backend != "windows-hyperv" || resp.Event == nil || resp.Event.State != "prepared" {
		t.Fatalf("prepare: %+v", resp)
	}
	if resp.Event.Identity.RequestID != "req-prepare" || resp.Event.ObservedAt.IsZero() {
		t.Fatalf("prepare event: %+v", resp.Event)
	}
	dir := filepath.Join(state, "agent-1")
	var runtime struct {
		Config hvsup.Config `json:"config"`
		Event  hvsup.Event  `json:"event"`
	}
	readJSON(t, filepath.Join(dir, "runtime.json"), &runtime)
	if runtime.Config.MemoryMiB != 768 || runtime.Event.State != "prepared" {
		t.Fatalf("runtime.json: %+v", runtime)
	}
	if _, err := os.Stat(filepath.Join(dir, "serial.in")); err != nil {
		t.Fatalf("serial.in: %v", err)
	}

	resp = supervise(t, c, stateRequest("inspect", state, "agent-1"))
	if !resp.OK || resp.Event.State != "prepared" || resp.Readiness == nil || resp.Readiness.ResultReady.Ready {
		t.Fatalf("inspect: %+v", resp)
	}

	resp = supervise(t, c, stateRequest("stop", state, "agent-1"))
	if !resp.OK || resp.Event.State != "stopped" {
		t.Fatalf("stop: %+v", resp)
	}
	var history []hvsup.Event
	readJSON(t, filepath.Join(dir, "events.json"), &history)
	if len(history) != 2 || history[0].State != "prepared" || history[1].State != "stopped" {
		t.Fatalf("events.json: %+v", history)
	}

	resp = supervise(t, c, stateRequest("delete", state, "agent-1"))
	if !resp.OK || resp.Event.State != "stopped" {
		t.Fatalf("delete: %+v", resp)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("runtime dir still there: %v", err)
	}

	resp = supervise(t, c, stateRequest("inspect", state, "agent-1"))
	if resp.OK || resp.Error != "workspace agent-1 not found" || resp.Err() == nil {
		t.Fatalf("inspect after delete: %+v", resp)
	}
}

func TestContextStateDirStandsIn(t *testing.T) {
	state := t.TempDir()
	c := newContext(t, hvsup.Options{StateDir: state})
	req := fullRequest("prepare", "", "agent-1")
	if resp := supervise(t, c, req); !resp.OK {
		t.Fatalf("prepare: %+v", resp)
	}
	if _, err := os.Stat(filepath.Join(state, "agent-1", "runtime.json")); err != nil {
		t.Fatal(err)
	}
	resp := supervise(t, c, hvsup.Request{Command: "inspect", Identity: req.Identity})
	if !resp.OK || resp.Event.State != "prepared" {
		t.Fatalf("inspect: %+v", resp)
	}
}

func TestInspectReadsResult(t *testing.T) {
	state := t.TempDir()
	c := newContext(t, hvsup.Options{})
	supervise(t, c, fullRequest("prepare", state, "agent-1"))
	path := filepath.Join(state, "agent-1", "result.json")
	body := `{"exit_code": 3, "stdout": "out\n", "started_at": "2026-01-01T00:00:00Z", "exited_at": "2026-01-01T00:00:05Z"}`
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	resp := supervise(t, c, stateRequest("inspect", state, "agent-1"))
	r := resp.Result
	if r == nil || r.ExitCode != 3 || r.Stdout != "out\n" || r.ResultPath != path || r.StartedAt == nil ||
		r.CompletedAt == nil || r.CompletedAt.Sub(*r.StartedAt).Seconds() != 5 {
		t.Fatalf("result: %+v", r)
	}
	if !resp.Readiness.ResultReady.Ready || resp.Readiness.ResultReady.Detail != "result.json present" {
		t.Fatalf("readiness: %+v", resp.Readiness)
	}
}

func TestStartFailsClosedWithoutHCS(t *testing.T) {
	state := t.TempDir()
	c := newContext(t, hvsup.Options{})
	resp := supervise(t, c, fullRequest("start", state, "agent-1"))
	if resp.OK || resp.Error != "windows-hyperv supervisor is only supported on windows" {
		t.Fatalf("start: %+v", resp)
	}
	if _, err := os.Stat(filepath.Join(state, "agent-1")); !os.IsNotExist(err) {
		t.Fatalf("start wrote state: %v", err)
	}
}

func TestSuperviseJSON(t *testing.T) {
	c := newContext(t, hvsup.Options{})
	text, err := c.SuperviseJSON(bg, []byte(`{"command": "host"}`))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^\{\n  "ok": false,[\s\S]*\}\n$`).Match(text) {
		t.Fatalf("response text: %q", text)
	}
}
