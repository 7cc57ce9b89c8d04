// SPDX-License-Identifier: MIT

//go:build cgo

package hvsup_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/hvsup/hvsup/bindings/go/hvsup"
)

// A run whose guest boots but never delivers a result (and never exits), attached to the
// simulated NAT network so that an HCN endpoint exists while it waits.
func silentRun(t *testing.T, h *simHost) (*hvsup.Context, hvsup.Request) {
	h.script(t, map[string]interface{}{"guest": map[string]interface{}{}})
	c := newContext(t, hvsup.Options{HCSLibrary: simLibrary(t, "computecore"), HCNLibrary: hcnLibrary(t)})
	req := h.request("run", "agent-1")
	req.Config.Network = &hvsup.NetworkConfig{Mode: "nat"}
	req.Config.VsockListeners = []hvsup.VsockListener{{Port: 1024, Target: filepath.Join(h.state, "agent-1", "result.json")}}
	return c, req
}

// checkCancelledRun asserts the fail-closed outcome of a cancelled run.
func checkCancelledRun(t *testing.T, h *simHost, err error, cause error) {
	t.Helper()
	var herr *hvsup.Error
	if !errors.Is(err, cause) || !errors.Is(err, hvsup.ErrCancelled) || !errors.As(err, &herr) ||
		herr.Code != hvsup.StatusCancelled || herr.Message != "run cancelled by the caller while waiting for the guest result" {
		t.Fatalf("Supervise(run): %v", err)
	}
	if s := h.systems(); len(s) != 0 {
		t.Fatalf("compute systems left: %v", s)
	}
	if e := h.endpoints(); len(e) != 0 {
		t.Fatalf("endpoints left: %v", e)
	}
	state := h.runtimeState(t, "agent-1")
	event := state["event"].(map[string]interface{})
	if event["state"] != "failed" || event["detail"] != herr.Message || state["networkEndpointID"] == nil {
		t.Fatalf("recorded state: %v", state)
	}
}

func TestSuperviseHonoursADeadlineDuringRun(t *testing.T) {
	h := newSimHost(t)
	c, req := silentRun(t, h)
	ctx, cancel := context.WithTimeout(bg, 1500*time.Millisecond)
	defer cancel()
	_, err := c.Supervise(ctx, req)
	checkCancelledRun(t, h, err, context.DeadlineExceeded)

	// The context is reusable: the next call is not cancelled.
	resp := supervise(t, c, h.request("inspect", "agent-1"))
	if resp.Event.State != "failed" {
		t.Fatalf("inspect: %+v", resp)
	}
	if resp := supervise(t, c, h.request("delete", "agent-1")); !resp.OK {
		t.Fatalf("delete: %+v", resp)
	}
}

func TestSuperviseHonoursCancelDuringRun(t *testing.T) {
	h := newSimHost(t)
	c, req := silentRun(t, h)
	ctx, cancel := context.WithCancel(bg)
	go func() {
		for i := 0; i < 6000 && len(h.systems()) == 0; i++ {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
	}()
	_, err := c.Supervise(ctx, req)
	checkCancelledRun(t, h, err, context.Canceled)
}

// A cancelled stop records failed and keeps the IDs of a system that may still run; kill
// then finishes the teardown.
func TestCancelledStopKeepsTheSystemRecorded(t *testing.T) {
	h := newSimHost(t)
	h.script(t, map[string]interface{}{"guest": map[string]interface{}{"ignoreShutdown": true}})
	c := newContext(t, hvsup.Options{HCSLibrary: simLibrary(t, "computecore"), StopGrace: time.Hour})
	if resp := supervise(t, c, h.request("start", "agent-1")); !resp.OK || resp.Event.State != "running" {
		t.Fatalf("start: %+v", resp)
	}
	ctx, cancel := context.WithTimeout(bg, time.Second)
	defer cancel()
	_, err := c.Supervise(ctx, h.request("stop", "agent-1"))
	var herr *hvsup.Error
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &herr) || herr.Code != hvsup.StatusCancelled {
		t.Fatalf("stop: %v", err)
	}
	state := h.runtimeState(t, "agent-1")
	event := state["event"].(map[string]interface{})
	if event["state"] != "failed" || state["computeSystemID"] != "agent-1" ||
		event["detail"] != "stop failed: cancelled by the caller while waiting for compute system agent-1 to shut down; it may still be running" {
		t.Fatalf("recorded state: %v", state)
	}
	if s := h.systems(); !reflect.DeepEqual(s, []string{"agent-1"}) {
		t.Fatalf("compute systems: %v (the cancelled stop must not pretend)", s)
	}
	if resp := supervise(t, c, h.request("kill", "agent-1")); !resp.OK || resp.Event.State != "stopped" {
		t.Fatalf("kill: %+v", resp)
	}
	if s := h.systems(); len(s) != 0 {
		t.Fatalf("compute systems left: %v", s)
	}
}

func TestContextCancelWithoutACallIsHarmless(t *testing.T) {
	c := newContext(t, hvsup.Options{})
	if err := c.Cancel(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Supervise(bg, hvsup.Request{Command: "host"}); err != nil {
		t.Fatalf("after Cancel: %v", err)
	}
	c.Close()
	if err := c.Cancel(); err != nil {
		t.Fatalf("Cancel after Close: %v", err)
	}
}
