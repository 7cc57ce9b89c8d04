// SPDX-License-Identifier: MIT

//go:build cgo

package hvsup_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hvsup/hvsup/bindings/go/hvsup"
)

func TestClosedContextIsAnInvalidArgument(t *testing.T) {
	c, err := hvsup.NewContext(hvsup.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	c.Close() // idempotent
	_, err = c.Supervise(bg, hvsup.Request{Command: "host"})
	if !errors.Is(err, hvsup.ErrInvalidArgument) || errors.Is(err, hvsup.ErrNotFound) {
		t.Fatalf("errors.Is: %v", err)
	}
	var herr *hvsup.Error
	if !errors.As(err, &herr) {
		t.Fatalf("errors.As(*Error): %T %v", err, err)
	}
	if herr.Code != hvsup.StatusInvalidArgument || herr.Message != "hvsup_context_supervise: context is NULL" ||
		herr.Operation != "" || herr.HResult != 0 || herr.SystemCode != 0 {
		t.Fatalf("error fields: %+v", herr)
	}
	var status hvsup.Status
	if !errors.As(err, &status) || status != hvsup.StatusInvalidArgument {
		t.Fatalf("errors.As(Status): %v", status)
	}
	if got := err.Error(); got != "hvsup: INVALID_ARGUMENT: hvsup_context_supervise: context is NULL" {
		t.Fatalf("Error(): %q", got)
	}
	if _, err := c.Doctor(bg, hvsup.DoctorOptions{}); !errors.Is(err, hvsup.ErrInvalidArgument) ||
		!strings.Contains(err.Error(), "hvsup_context_doctor: context is NULL") {
		t.Fatalf("doctor on closed context: %v", err)
	}
}

func TestStatusNamesMirrorTheHeader(t *testing.T) {
	want := map[hvsup.Status]string{0: "OK", -1: "ERROR", -2: "INVALID_ARGUMENT", -3: "UNSUPPORTED", -4: "NOT_FOUND",
		-5: "CONFLICT", -6: "IO", -7: "HOST", -8: "INTEGRITY", -9: "TOO_LARGE", -10: "NO_MEMORY", -11: "CANCELLED",
		-42: "UNKNOWN_42"}
	for code, name := range want {
		if code.String() != name {
			t.Errorf("%d: %q, want %q", int32(code), code.String(), name)
		}
	}
	sentinels := []error{hvsup.ErrGeneric, hvsup.ErrInvalidArgument, hvsup.ErrUnsupported, hvsup.ErrNotFound,
		hvsup.ErrConflict, hvsup.ErrIO, hvsup.ErrHost, hvsup.ErrIntegrity, hvsup.ErrTooLarge, hvsup.ErrNoMemory,
		hvsup.ErrCancelled}
	for i := range sentinels {
		e := &hvsup.Error{Code: hvsup.Status(-(i + 1)), Message: "m", HResult: -2147024894, SystemCode: 2}
		for j, other := range sentinels {
			if errors.Is(e, other) != (i == j) {
				t.Errorf("errors.Is(%v, %v) = %v", e, other, !(i == j))
			}
		}
		if i == 0 && e.Error() != "hvsup: ERROR: m (HRESULT 0x80070002) (system error 2)" {
			t.Errorf("Error(): %q", e.Error())
		}
	}
}

func TestCanceledContextIsNotCalled(t *testing.T) {
	c := newContext(t, hvsup.Options{})
	ctx, cancel := context.WithCancel(bg)
	cancel()
	if _, err := c.Supervise(ctx, hvsup.Request{Command: "host"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled: %v", err)
	}
	if _, err := c.Doctor(ctx, hvsup.DoctorOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled doctor: %v", err)
	}
}

func TestMalformedRequestsAreOkFalse(t *testing.T) {
	c := newContext(t, hvsup.Options{})
	cases := map[string]string{
		``:                          "decode request: incomplete JSON at byte 0",
		`{`:                         "decode request: incomplete JSON at byte 1",
		`{"command": "frobnicate"}`: `unknown command "frobnicate"`,
		`{"command": "prepare"}`:    "identity is required",
		`{"command": "prepare", "identity": {"requestID": "r", "runtimeID": "..", "role": "workload", "backend": "windows-hyperv"}}`: "identity.runtimeID must be a safe basename: ..",
		`{"command": "prepare", "identity": {"requestID": "r", "runtimeID": "a", "role": "x", "backend": "windows-hyperv"}}`:         `identity.role must be "workload" or "enforcer"`,
	}
	for text, want := range cases {
		out, err := c.SuperviseJSON(bg, []byte(text))
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		var resp hvsup.Response
		readInto(t, out, &resp)
		if resp.OK || resp.Error != want {
			t.Errorf("%q: %+v, want error %q", text, resp, want)
		}
		var rerr *hvsup.ResponseError
		if !errors.As(resp.Err(), &rerr) || rerr.Message != want {
			t.Errorf("%q: Err() = %v", text, resp.Err())
		}
	}
}

func TestConsoleIsNotImplemented(t *testing.T) {
	c := newContext(t, hvsup.Options{})
	resp := supervise(t, c, fullRequest("console", t.TempDir(), "a"))
	if resp.OK || resp.Error != `windows-hyperv supervisor command "console" is experimental and not implemented yet` {
		t.Fatalf("console: %+v", resp)
	}
}

func TestValidationFailureNamesTheField(t *testing.T) {
	c := newContext(t, hvsup.Options{})
	req := fullRequest("prepare", t.TempDir(), "agent-1")
	req.Config.Disks = []hvsup.Disk{{Name: "rootfs", Path: "/d", Mountpoint: "/data", Mode: "rw"}}
	resp := supervise(t, c, req)
	if resp.OK || resp.Error != "disk name rootfs is reserved" {
		t.Fatalf("reserved disk: %+v", resp)
	}
	req.Config.Disks = nil
	req.Config.Network = &hvsup.NetworkConfig{Mode: "isolated", PortForwards: []hvsup.PortForward{{HostPort: 1, GuestPort: 2}}}
	resp = supervise(t, c, req)
	if resp.OK || resp.Error != "network.portForwards require user, nat, or bridged mode" {
		t.Fatalf("isolated forwards: %+v", resp)
	}
}

func TestIntegrityErrorInTheDocument(t *testing.T) {
	state := t.TempDir()
	c := newContext(t, hvsup.Options{})
	supervise(t, c, fullRequest("prepare", state, "agent-1"))
	if err := os.WriteFile(filepath.Join(state, "agent-1", "events.json"), []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	resp := supervise(t, c, stateRequest("stop", state, "agent-1"))
	if resp.OK || !strings.Contains(resp.Error, "events.json") {
		t.Fatalf("stop over a broken history: %+v", resp)
	}
}
