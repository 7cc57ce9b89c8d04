// SPDX-License-Identifier: MIT

//go:build cgo

package hvsup_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hvsup/hvsup/bindings/go/hvsup"
)

// Every Options field reaches the C context options: bad values give the C library's errors,
// good ones change what happens on the simulated host.

func TestOptionsFlagsAndDurationsAreChecked(t *testing.T) {
	_, err := hvsup.NewContext(hvsup.Options{Flags: 1})
	var herr *hvsup.Error
	if !errors.As(err, &herr) || herr.Code != hvsup.StatusInvalidArgument || herr.Message != "hvsup_context_create: unknown flags" {
		t.Fatalf("Flags: %v", err)
	}
	for _, opts := range []hvsup.Options{{StopGrace: -time.Second}, {UnregisterWait: time.Microsecond},
		{StopGrace: 50 * 24 * time.Hour}} {
		if _, err := hvsup.NewContext(opts); !errors.Is(err, hvsup.ErrInvalidArgument) {
			t.Fatalf("%+v: %v", opts, err)
		}
	}
	c := newContext(t, hvsup.Options{StopGrace: 2 * time.Second, UnregisterWait: 3 * time.Second})
	if _, err := c.Supervise(bg, hvsup.Request{Command: "host"}); err != nil {
		t.Fatal(err)
	}
}

func TestOptionsBootModeReachesTheDocument(t *testing.T) {
	h := newSimHost(t)
	bad := newContext(t, hvsup.Options{HCSLibrary: simLibrary(t, "computecore"), BootMode: "bios"})
	if resp := supervise(t, bad, hvsup.Request{Command: "host"}); resp.OK ||
		!strings.HasPrefix(resp.Error, "unknown boot mode ") || !strings.Contains(resp.Error, "bios") {
		t.Fatalf("bad boot mode: %+v", resp)
	}
	for _, mode := range []string{"kernel-direct", "uefi-vmbfs"} {
		runtime := "agent-" + map[string]string{"kernel-direct": "direct", "uefi-vmbfs": "uefi"}[mode]
		c := newContext(t, hvsup.Options{HCSLibrary: simLibrary(t, "computecore"), BootMode: mode})
		if resp := supervise(t, c, h.request("start", runtime)); !resp.OK {
			t.Fatalf("start (%q): %+v", mode, resp)
		}
		var rec struct {
			Document struct {
				VirtualMachine struct {
					Chipset map[string]interface{}
				}
			}
		}
		readJSON(t, filepath.Join(h.simDir, "systems", runtime+".json"), &rec)
		_, uefi := rec.Document.VirtualMachine.Chipset["Uefi"]
		_, direct := rec.Document.VirtualMachine.Chipset["LinuxKernelDirect"]
		if uefi != (mode == "uefi-vmbfs") || direct == (mode == "uefi-vmbfs") {
			t.Fatalf("boot mode %q: chipset %v", mode, rec.Document.VirtualMachine.Chipset)
		}
		if resp := supervise(t, c, h.request("kill", runtime)); !resp.OK {
			t.Fatalf("kill: %+v", resp)
		}
	}
}

func TestOptionsStopGraceBoundsTheShutdownWait(t *testing.T) {
	h := newSimHost(t)
	h.script(t, map[string]interface{}{"guest": map[string]interface{}{"ignoreShutdown": true}})
	var mu sync.Mutex
	var messages []string
	c := newContext(t, hvsup.Options{HCSLibrary: simLibrary(t, "computecore"), StopGrace: 300 * time.Millisecond,
		UnregisterWait: 30 * time.Second, Log: func(_ hvsup.LogLevel, m string) {
			mu.Lock()
			messages = append(messages, m)
			mu.Unlock()
		}})
	if resp := supervise(t, c, h.request("start", "agent-1")); !resp.OK {
		t.Fatalf("start: %+v", resp)
	}
	if resp := supervise(t, c, h.request("stop", "agent-1")); !resp.OK || resp.Event.State != "stopped" {
		t.Fatalf("stop: %+v", resp)
	}
	mu.Lock()
	defer mu.Unlock()
	if !containsPrefix(messages, "compute system agent-1 ignored shutdown for 300 ms; terminating") {
		t.Fatalf("log: %q", messages)
	}
	if s := h.systems(); len(s) != 0 {
		t.Fatalf("systems left: %v", s)
	}
}

func TestOptionsListenerHelperIsTheOneLaunched(t *testing.T) {
	h := newSimHost(t)
	missing := filepath.Join(h.dir, "no-such-hvsock-listener")
	req := h.request("start", "agent-1")
	req.Config.Network = &hvsup.NetworkConfig{Mode: "nat", PortForwards: []hvsup.PortForward{{HostPort: 18089, GuestPort: 8080}}}
	c := newContext(t, hvsup.Options{HCSLibrary: simLibrary(t, "computecore"), HCNLibrary: hcnLibrary(t), ListenerHelper: missing})
	resp := supervise(t, c, req)
	if resp.OK || !strings.Contains(resp.Error, missing) || resp.Event == nil ||
		resp.Event.Detail != "listener helper failed: "+resp.Error {
		t.Fatalf("start with a missing helper: %+v", resp)
	}
	if s := h.systems(); len(s) != 0 {
		t.Fatalf("systems left: %v", s)
	}
	if e := h.endpoints(); len(e) != 0 {
		t.Fatalf("endpoints left: %v", e)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Fatal(err)
	}
}
