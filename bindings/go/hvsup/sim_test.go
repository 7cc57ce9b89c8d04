// SPDX-License-Identifier: MIT

//go:build cgo

package hvsup_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hvsup/hvsup/bindings/go/hvsup"
)

func TestRunLifecycleOnTheSimulatedHost(t *testing.T) {
	h := newSimHost(t)
	h.script(t, map[string]interface{}{"guest": map[string]interface{}{
		"result": map[string]interface{}{"exit_code": 0, "stdout": "ok\n"}, "serial": "guest says hi\n"}})
	var mu sync.Mutex
	var messages []string
	c := newContext(t, hvsup.Options{HCSLibrary: simLibrary(t, "computecore"), Log: func(_ hvsup.LogLevel, m string) {
		mu.Lock()
		messages = append(messages, m)
		mu.Unlock()
	}})
	resultPath := filepath.Join(h.state, "agent-1", "result.json")
	req := h.request("run", "agent-1")
	req.Config.VsockListeners = []hvsup.VsockListener{{Port: 1024, Target: resultPath}}
	resp := supervise(t, c, req)
	if !resp.OK || resp.Event.State != "stopped" || resp.Event.Detail != "windows-hyperv result received" ||
		resp.Result == nil || resp.Result.Stdout != "ok\n" || resp.Result.ResultPath != resultPath {
		t.Fatalf("run: %+v", resp)
	}
	serial, _ := os.ReadFile(filepath.Join(h.state, "agent-1", "serial.log"))
	if !strings.Contains(string(serial), "guest says hi") {
		t.Fatalf("serial.log: %q", serial)
	}
	if resp := supervise(t, c, h.request("inspect", "agent-1")); !resp.Readiness.ResultReady.Ready || resp.Result.Stdout != "ok\n" {
		t.Fatalf("inspect: %+v", resp)
	}
	if resp := supervise(t, c, h.request("delete", "agent-1")); !resp.OK {
		t.Fatalf("delete: %+v", resp)
	}
	if s := h.systems(); len(s) != 0 {
		t.Fatalf("compute systems left: %v", s)
	}
	mu.Lock()
	defer mu.Unlock()
	if !containsPrefix(messages, "windows-hyperv result written to "+resultPath) {
		t.Fatalf("log messages: %q", messages)
	}
}

func TestHostThroughTheSimulator(t *testing.T) {
	newSimHost(t)
	c := newContext(t, hvsup.Options{HCSLibrary: simLibrary(t, "vmcompute")})
	resp := supervise(t, c, hvsup.Request{Command: "host"})
	if !resp.OK || !resp.Host.FrameworkAvailable || resp.Host.HCSAPI != "vmcompute.dll" {
		t.Fatalf("host: %+v %+v", resp, resp.Host)
	}
	c2 := newContext(t, hvsup.Options{HCSLibrary: simLibrary(t, "computecore"), HCSAPI: "hcs3"})
	if resp := supervise(t, c2, hvsup.Request{Command: "host"}); resp.OK || resp.Error != `unknown HCS API "hcs3": use computecore or vmcompute` {
		t.Fatalf("bad api: %+v", resp)
	}
}

func TestHCSWithoutAProviderFailsClosed(t *testing.T) {
	_, err := hvsup.OpenHCS(hvsup.HCSOptions{})
	var herr *hvsup.Error
	if !errors.Is(err, hvsup.ErrUnsupported) || !errors.As(err, &herr) ||
		herr.Message != "windows-hyperv supervisor is only supported on windows" {
		t.Fatalf("OpenHCS: %v", err)
	}
}

func TestHCSPrimitives(t *testing.T) {
	h := newSimHost(t)
	for _, api := range []string{"computecore", "vmcompute"} {
		hcs, err := hvsup.OpenHCS(hvsup.HCSOptions{LibraryPath: simLibrary(t, api)})
		if err != nil {
			t.Fatal(err)
		}
		if hcs.DLL() != api+".dll" {
			t.Fatalf("dll %q", hcs.DLL())
		}
		if err := hcs.ProbeAccess(bg); err != nil {
			t.Fatal(err)
		}
		if major, _, err := hcs.SchemaVersion(); err != nil || major < 2 {
			t.Fatalf("schema %d: %v", major, err)
		}
		hcs.Close()
	}

	doc, err := hvsup.BuildHCSDocument(h.request("run", "vm-1"), hvsup.HCSDocumentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var parsed struct{ Owner string }
	if json.Unmarshal(doc, &parsed) != nil || parsed.Owner != "microagent" {
		t.Fatalf("document: %s", doc)
	}
	bad := h.request("run", "vm-1")
	bad.Config.KernelPath = ""
	if _, err := hvsup.BuildHCSDocument(bad, hvsup.HCSDocumentOptions{}); !errors.Is(err, hvsup.ErrInvalidArgument) ||
		!strings.Contains(err.Error(), "config.kernelPath is required") {
		t.Fatalf("bad document: %v", err)
	}

	hcs, err := hvsup.OpenHCS(hvsup.HCSOptions{LibraryPath: simLibrary(t, "computecore"), API: "computecore"})
	if err != nil {
		t.Fatal(err)
	}
	defer hcs.Close()
	sys, err := hcs.CreateSystem(bg, "vm-1", doc)
	if err != nil {
		t.Fatal(err)
	}
	var props struct{ Id, State, RuntimeId string }
	raw, err := sys.Properties(bg)
	if err != nil || json.Unmarshal(raw, &props) != nil || props.Id != "vm-1" {
		t.Fatalf("properties %s: %v", raw, err)
	}
	// The VM worker reads the kernel as well as the VHD: both are granted before start.
	for _, path := range []string{h.rootfs, h.kernel} {
		if err := hcs.GrantVMAccess(bg, props.RuntimeId, path); err != nil {
			t.Fatal(err)
		}
	}
	if err := sys.Start(bg); err != nil {
		t.Fatal(err)
	}
	if _, err := hcs.CreateSystem(bg, "vm-1", doc); !errors.Is(err, hvsup.ErrConflict) {
		t.Fatalf("duplicate create: %v", err)
	}
	sys.Close()
	if s := h.systems(); len(s) != 1 {
		t.Fatalf("systems after close: %v", s)
	}
	again, err := hcs.OpenSystem(bg, "vm-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := again.Terminate(bg); err != nil {
		t.Fatal(err)
	}
	waitCtx, cancelWait := context.WithTimeout(bg, 10*time.Second)
	defer cancelWait()
	exit, exited, err := again.Wait(waitCtx)
	if err != nil || !exited || exit.ExitType != "ForcedExit" {
		t.Fatalf("wait: %+v %v %v", exit, exited, err)
	}
	again.Close()
	_, err = hcs.OpenSystem(bg, "vm-1")
	var herr *hvsup.Error
	if !errors.Is(err, hvsup.ErrNotFound) || !errors.As(err, &herr) || herr.Operation != "open" ||
		(uint32(herr.HResult) != 0x8037010E && uint32(herr.HResult) != 0xC037010E) {
		t.Fatalf("open after terminate: %#v", err)
	}
}

func TestHvsockServiceIDs(t *testing.T) {
	for port, want := range map[uint32]string{0: "00000000-facb-11e6-bd58-64006a7986d3",
		1024: "00000400-facb-11e6-bd58-64006a7986d3", 0xFFFFFFFF: "ffffffff-facb-11e6-bd58-64006a7986d3"} {
		got, err := hvsup.HvsockServiceID(port)
		if err != nil || got != want {
			t.Fatalf("%d: %q %v", port, got, err)
		}
		back, err := hvsup.HvsockServicePort("{" + strings.ToUpper(want) + "}")
		if err != nil || back != port {
			t.Fatalf("%q: %d %v", want, back, err)
		}
	}
	if _, err := hvsup.HvsockServicePort("00000400-0000-11e6-bd58-64006a7986d3"); !errors.Is(err, hvsup.ErrInvalidArgument) {
		t.Fatalf("foreign GUID: %v", err)
	}
}

func TestHvsockResultSink(t *testing.T) {
	dir := t.TempDir()
	emulation := filepath.Join(dir, "hvsock")
	result := filepath.Join(dir, "result.json")
	vm := "6f1f4a33-0000-4000-8000-000000000001"
	var mu sync.Mutex
	var messages []string
	l, err := hvsup.StartHvsockListeners(vm, hvsup.HvsockListenerSpec{
		VsockListeners: []hvsup.VsockListener{{Port: 1024, Target: result}}, ResultPath: result,
	}, hvsup.HvsockListenersOptions{EmulationDir: emulation, Log: func(_ hvsup.LogLevel, m string) {
		mu.Lock()
		messages = append(messages, m)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if state, err := l.WaitResult(0); err != nil || state != hvsup.HvsockResultPending {
		t.Fatalf("before: %v %v", state, err)
	}
	svc, _ := hvsup.HvsockServiceID(1024)
	portText, err := os.ReadFile(filepath.Join(emulation, vm, "host", svc+".port"))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strings.TrimSpace(string(portText))))
	if err != nil {
		t.Fatal(err)
	}
	conn.Write([]byte(`{"exit_code": 0, "stdout": "hi\n"}`))
	conn.(*net.TCPConn).CloseWrite()
	if state, err := l.WaitResult(10 * time.Second); err != nil || state != hvsup.HvsockResultReceived {
		t.Fatalf("after: %v %v", state, err)
	}
	conn.Close()
	data, _ := os.ReadFile(result)
	if !strings.Contains(string(data), `"hi\n"`) {
		t.Fatalf("result: %s", data)
	}
	if err := l.Stop(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !containsPrefix(messages, "windows-hyperv result written to "+result) {
		t.Fatalf("log: %q", messages)
	}
}

func containsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

func TestHvsockBadTarget(t *testing.T) {
	dir := t.TempDir()
	_, err := hvsup.StartHvsockListeners("6f1f4a33-0000-4000-8000-000000000002", hvsup.HvsockListenerSpec{
		VsockListeners: []hvsup.VsockListener{{Port: 2048, Target: "/not/a/target"}}, ResultPath: filepath.Join(dir, "r.json"),
	}, hvsup.HvsockListenersOptions{EmulationDir: dir})
	var herr *hvsup.Error
	if !errors.As(err, &herr) || herr.Code != hvsup.StatusInvalidArgument ||
		herr.Message != "windows-hyperv vsock listener 2048 target must be host:port or the workspace result path" {
		t.Fatalf("bad target: %v", err)
	}
}
