// SPDX-License-Identifier: MIT

//go:build cgo

package hvsup_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/hvsup/hvsup/bindings/go/hvsup"
	"github.com/hvsup/hvsup/bindings/go/internal/leakcheck"
)

const leakRounds = 100

// Bytes of C heap growth tolerated over leakRounds rounds: below one block per round (every
// malloc'd block costs at least 32 bytes), so leaking anything per call fails.
const leakSlack = 2 << 10

// lowestGrowth measures three consecutive batches and returns the smallest growth: a leak grows
// the heap in every batch, while a cache the library fills once (seen: the first plans) or
// arena bookkeeping of the library's short-lived I/O threads (seen once on a loaded CI machine:
// 2144 bytes in one batch of two) does not repeat in every batch.
func lowestGrowth(t *testing.T, fn func()) int64 {
	var lowest int64 = -1
	for batch := 0; batch < 3; batch++ {
		grown, valid := leakcheck.Growth(3, fn)
		if !valid {
			t.Fatalf("the process kept creating threads; C heap growth %d bytes is not conclusive", grown)
		}
		if lowest < 0 || grown < lowest {
			lowest = grown
		}
	}
	return lowest
}

// exercise runs every binding path once: supervise (ok and ok=false), doctor in both formats,
// the log callback, and failures whose error objects cross the ABI.
func exercise(t *testing.T, state string, closed *hvsup.Context) {
	c, err := hvsup.NewContext(hvsup.Options{StateDir: state, HCSLibrary: goneProvider, Log: func(hvsup.LogLevel, string) {}})
	if err != nil {
		t.Fatal(err)
	}
	req := fullRequest("prepare", "", "agent")
	if resp, err := c.Supervise(bg, req); err != nil || !resp.OK {
		t.Fatalf("prepare: %v %+v", err, resp)
	}
	if resp, err := c.Supervise(bg, hvsup.Request{Command: "inspect", Identity: req.Identity}); err != nil || !resp.OK {
		t.Fatalf("inspect: %v %+v", err, resp)
	}
	if out, err := c.SuperviseJSON(bg, []byte("{")); err != nil || len(out) == 0 {
		t.Fatalf("malformed: %v", err)
	}
	if _, err := c.Doctor(bg, hvsup.DoctorOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Doctor(bg, hvsup.DoctorOptions{Text: true}); err != nil {
		t.Fatal(err)
	}
	if resp, err := c.Supervise(bg, hvsup.Request{Command: "delete", Identity: req.Identity}); err != nil || !resp.OK {
		t.Fatalf("delete: %v %+v", err, resp)
	}
	c.Close()
	// the primitives: strings, error objects, listener sets with a log callback
	if id, err := hvsup.HvsockServiceID(1024); err != nil || id == "" {
		t.Fatal(err)
	}
	if _, err := hvsup.HvsockServicePort("nope"); !errors.Is(err, hvsup.ErrInvalidArgument) {
		t.Fatal(err)
	}
	full := fullRequest("run", state, "agent")
	if _, err := hvsup.BuildHCSDocument(full, hvsup.HCSDocumentOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := hvsup.OpenHCS(hvsup.HCSOptions{}); !errors.Is(err, hvsup.ErrUnsupported) {
		t.Fatal(err)
	}
	result := filepath.Join(state, "result.json")
	l, err := hvsup.StartHvsockListeners("6f1f4a33-0000-4000-8000-000000000001", hvsup.HvsockListenerSpec{
		VsockListeners: []hvsup.VsockListener{{Port: 1024, Target: result}}, ResultPath: result},
		hvsup.HvsockListenersOptions{EmulationDir: filepath.Join(state, "hv"), Log: func(hvsup.LogLevel, string) {}})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := l.WaitResult(0); err != nil || st != hvsup.HvsockResultPending {
		t.Fatal(st, err)
	}
	l.Close()
	planner, _ := hvsup.NewContext(hvsup.Options{})
	if _, err := planner.Plan(bg, full); err != nil {
		t.Fatal(err)
	}
	if _, err := planner.Plan(bg, hvsup.Request{Command: "run"}); !errors.Is(err, hvsup.ErrInvalidArgument) {
		t.Fatal(err)
	}
	planner.Close()
	if _, err := hvsup.VerifyImageFooter(filepath.Join(state, "missing.vhd")); err == nil {
		t.Fatal("footer of a missing file")
	}
	if _, err := closed.Supervise(bg, hvsup.Request{Command: "host"}); !errors.Is(err, hvsup.ErrInvalidArgument) {
		t.Fatalf("closed: %v", err)
	}
}

func TestNoCMemoryLeaked(t *testing.T) {
	runtime.LockOSThread() // every C call from one thread: no new threads' bookkeeping in the count
	defer runtime.UnlockOSThread()
	state := filepath.Join(t.TempDir(), "state")
	if err := os.MkdirAll(state, 0o700); err != nil {
		t.Fatal(err)
	}
	closed, _ := hvsup.NewContext(hvsup.Options{})
	closed.Close()
	for i := 0; i < 20; i++ { // warm up caches and arenas
		exercise(t, state, closed)
	}
	grown := lowestGrowth(t, func() {
		for i := 0; i < leakRounds; i++ {
			exercise(t, state, closed)
		}
	})
	if grown > leakSlack {
		t.Fatalf("C heap grew by %d bytes over %d rounds", grown, leakRounds)
	}
}

// The negative control: a binding that drops the strings and error objects it is handed
// makes the same measurement fail.
func TestLeakCheckDetectsDroppedResults(t *testing.T) {
	leakcheck.Drop(20)
	grown, _ := leakcheck.Growth(1, func() {
		if !leakcheck.Drop(leakRounds) {
			t.Fatal("Drop could not create a context")
		}
	})
	if grown <= leakSlack {
		t.Fatalf("dropping %d strings and errors grew the C heap by only %d bytes", leakRounds, grown)
	}
}

// Image builds (with a progress callback, and cancelled ones) leak nothing either.
func TestNoCMemoryLeakedByImageBuilds(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	dir := t.TempDir()
	out := filepath.Join(dir, "data.vhd")
	build := func() {
		if _, err := hvsup.BuildImage(bg, hvsup.ImageRequest{Empty: true, Output: out, Size: "8M"},
			func(uint64, uint64) bool { return true }); err != nil {
			t.Fatal(err)
		}
		if _, err := hvsup.InspectImage(out); err != nil {
			t.Fatal(err)
		}
		if _, err := hvsup.BuildImage(bg, hvsup.ImageRequest{Empty: true, Output: out + ".x", Size: "8M"},
			func(uint64, uint64) bool { return false }); err == nil {
			t.Fatal("cancelled build succeeded")
		}
	}
	for i := 0; i < 5; i++ {
		build()
	}
	const rounds = 48
	grown := lowestGrowth(t, func() {
		for i := 0; i < rounds; i++ {
			build()
		}
	})
	if grown > 1024 { // one leaked block per round would be at least 1.5 KiB
		t.Fatalf("C heap grew by %d bytes over %d image builds", grown, rounds)
	}
}

// HCN primitives against the simulator (documents, error objects, handles) leak nothing.
func TestNoCMemoryLeakedByHCNCalls(t *testing.T) {
	h := newSimHost(t)
	provider := hcnLibrary(t)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	round := func() {
		n, err := hvsup.OpenHCN(hvsup.HCNOptions{ProviderLibrary: provider})
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Probe(bg); err != nil {
			t.Fatal(err)
		}
		nat, err := n.EnsureNATNetwork(bg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := n.FindNetwork(bg, "Nope"); !errors.Is(err, hvsup.ErrNotFound) {
			t.Fatal(err)
		}
		ep, err := n.CreateEndpoint(bg, nat.ID, "microagent-leak", hvsup.HCNEndpointReplaceStale)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := n.EndpointProperties(bg, ep.ID); err != nil {
			t.Fatal(err)
		}
		if err := n.DeleteEndpoint(bg, ep.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := n.EndpointProperties(bg, ep.ID); !errors.Is(err, hvsup.ErrNotFound) {
			t.Fatal(err)
		}
		n.Close()
		if _, err := hvsup.OpenHCN(hvsup.HCNOptions{}); !errors.Is(err, hvsup.ErrUnsupported) {
			t.Fatal(err)
		}
	}
	for i := 0; i < 10; i++ {
		round()
	}
	const rounds = 50
	grown := lowestGrowth(t, func() {
		for i := 0; i < rounds; i++ {
			round()
		}
	})
	if grown > leakSlack {
		t.Fatalf("C heap grew by %d bytes over %d rounds of HCN calls", grown, rounds)
	}
	if e := h.endpoints(); len(e) != 0 {
		t.Fatalf("endpoints left: %v", e)
	}
}
