// SPDX-License-Identifier: MIT

//go:build !cgo

package hvsup_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hvsup/hvsup/bindings/go/hvsup"
)

// The build without cgo: the same API, Context calls run hvsup-cli ($HVSUP_CLI here, an
// installed one in scripts/test.d/bindings.sh) against the simulator; the differences are
// the ones doc.go lists.

func cliContext(t *testing.T, h *simHost, opts hvsup.Options) *hvsup.Context {
	t.Helper()
	if os.Getenv("HVSUP_CLI") == "" {
		t.Fatal("HVSUP_CLI must name the hvsup-cli under test")
	}
	opts.HCSLibrary = simLibrary(t, "computecore")
	c, err := hvsup.NewContext(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestNoCgoLifecycleThroughTheCLI(t *testing.T) {
	h := newSimHost(t)
	var logged []string
	c := cliContext(t, h, hvsup.Options{Log: func(level hvsup.LogLevel, message string) { logged = append(logged, message) }})
	for _, step := range []struct{ command, state string }{
		{"start", "running"}, {"inspect", "running"}, {"stop", "stopped"}, {"delete", "stopped"},
	} {
		resp, err := c.Supervise(bg, h.request(step.command, "agent-1"))
		if err != nil || resp.Err() != nil {
			t.Fatalf("%s: %v / %v", step.command, err, resp.Err())
		}
		if resp.Event == nil || resp.Event.State != step.state {
			t.Fatalf("%s: event %+v", step.command, resp.Event)
		}
	}
	if len(h.systems()) != 0 {
		t.Fatalf("systems left: %v", h.systems())
	}
	if len(logged) == 0 {
		t.Fatal("Log saw none of the CLI's diagnostics")
	}
	// "ok": false is a document, not an error, as with cgo.
	resp, err := c.Supervise(bg, h.request("inspect", "never-started"))
	if err != nil || resp.OK || resp.Err() == nil {
		t.Fatalf("inspect of an unknown runtime: %+v, %v", resp, err)
	}
}

func TestNoCgoPlanDoctorAndVersion(t *testing.T) {
	h := newSimHost(t)
	c := cliContext(t, h, hvsup.Options{})
	plan, err := c.Plan(bg, h.request("run", "agent-1"))
	var doc struct{ KernelCommandLine string }
	if err != nil || json.Unmarshal(plan, &doc) != nil {
		t.Fatalf("plan: %s %v", plan, err)
	}
	bad := h.request("run", "agent-1")
	bad.Config.KernelPath = ""
	if _, err := c.Plan(bg, bad); !errors.Is(err, hvsup.ErrInvalidArgument) || !strings.Contains(err.Error(), "kernelPath") {
		t.Fatalf("plan of an invalid request: %v", err)
	}
	report, err := c.Doctor(bg, hvsup.DoctorOptions{Text: true})
	if err != nil || report.Text == "" {
		t.Fatalf("doctor: %+v %v", report, err)
	}
	if hvsup.Version() == "" || hvsup.LibraryAbiVersion() != hvsup.AbiVersion {
		t.Fatalf("version %q abi %d", hvsup.Version(), hvsup.LibraryAbiVersion())
	}
}

func TestNoCgoCancellationKillsTheCLI(t *testing.T) {
	h := newSimHost(t)
	h.script(t, map[string]interface{}{"guest": map[string]interface{}{}}) // never delivers a result
	c := cliContext(t, h, hvsup.Options{})
	run := h.request("run", "agent-1")
	run.Config.VsockListeners = []hvsup.VsockListener{{Port: 1024, Target: filepath.Join(h.state, "agent-1", "result.json")}}
	ctx, cancel := context.WithTimeout(bg, 2*time.Second)
	defer cancel()
	began := time.Now()
	_, err := c.Supervise(ctx, run)
	if !errors.Is(err, hvsup.ErrCancelled) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("run past its deadline: %v", err)
	}
	if took := time.Since(began); took > 10*time.Second {
		t.Fatalf("returned %v after a 2 s deadline", took)
	}
	// documented difference: not cleaned up by the library; stop does it
	resp, err := c.Supervise(bg, h.request("stop", "agent-1"))
	if err != nil || resp.Err() != nil {
		t.Fatalf("stop after a cancelled run: %v %v", err, resp.Err())
	}
	c.Supervise(bg, h.request("delete", "agent-1")) //nolint:errcheck // cleanup
}

func TestNoCgoPrimitivesAndOptionsFailClearly(t *testing.T) {
	for name, err := range map[string]error{
		"OpenHCS":    func() error { _, err := hvsup.OpenHCS(hvsup.HCSOptions{}); return err }(),
		"OpenHCN":    func() error { _, err := hvsup.OpenHCN(hvsup.HCNOptions{}); return err }(),
		"BuildImage": func() error { _, err := hvsup.BuildImage(bg, hvsup.ImageRequest{}, nil); return err }(),
		"UnregisterWait": func() error {
			_, err := hvsup.NewContext(hvsup.Options{UnregisterWait: time.Second})
			return err
		}(),
	} {
		if !errors.Is(err, hvsup.ErrUnsupported) || !strings.Contains(err.Error(), "cgo") {
			t.Errorf("%s: %v", name, err)
		}
	}
	missing := filepath.Join(t.TempDir(), "hvsup-cli")
	if _, err := hvsup.NewContext(hvsup.Options{CLIPath: missing}); !errors.Is(err, os.ErrNotExist) ||
		!strings.Contains(err.Error(), missing) {
		t.Errorf("a missing CLIPath: %v", err)
	}
	c, err := hvsup.NewContext(hvsup.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if _, err := c.SuperviseJSON(bg, []byte(`{"command":"host"}`)); !errors.Is(err, hvsup.ErrInvalidArgument) {
		t.Errorf("call after Close: %v", err)
	}
}
