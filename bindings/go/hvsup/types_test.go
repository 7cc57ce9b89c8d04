// SPDX-License-Identifier: MIT

//go:build cgo

package hvsup_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hvsup/hvsup/bindings/go/hvsup"
)

// The Go structs carry exactly the reference keys: every golden response decodes without an
// unknown field and encodes back to the same document.
func TestGoldenResponsesRoundTrip(t *testing.T) {
	golden := filepath.Join(repoRoot(), "test", "fixtures", "golden")
	for _, name := range []string{"prepare.json", "delete.json", "inspect-prepared.json", "inspect-with-result.json",
		"host-without-hcs.json"} {
		data, err := os.ReadFile(filepath.Join(golden, name))
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(data), "<TIME>", "2026-05-02T00:00:00.123456789Z")
		text = strings.ReplaceAll(text, "<STATE>", "/state")
		dec := json.NewDecoder(strings.NewReader(text))
		dec.DisallowUnknownFields()
		var resp hvsup.Response
		if err := dec.Decode(&resp); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		again, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		var want, got interface{}
		readInto(t, []byte(text), &want)
		readInto(t, again, &got)
		if !reflect.DeepEqual(want, got) {
			t.Errorf("%s:\nwant %v\n got %v", name, want, got)
		}
	}
}

func TestRequestUsesReferenceKeys(t *testing.T) {
	req := hvsup.Request{
		Command:  "prepare",
		Identity: &hvsup.Identity{RequestID: "r", RuntimeID: "a", Role: "workload", Backend: "windows-hyperv", HomeHash: "h"},
		Config: &hvsup.Config{
			KernelPath: "k", RootfsPath: "r", StateDir: "s", MemoryMiB: 512, CPUCount: 2,
			Disks:          []hvsup.Disk{{Name: "data", Path: "p", Mountpoint: "/data", Mode: "rw"}},
			VsockListeners: []hvsup.VsockListener{{Port: 1024, Target: "127.0.0.1:9"}},
			Mediation:      &hvsup.Mediation{Enabled: true, Required: true, Port: 2048, Target: "127.0.0.1:9900", FailClosed: true},
			Network: &hvsup.NetworkConfig{Mode: "nat", Interface: "i", DNS: []string{"d"}, Routes: []string{"r"}, IP: "ip",
				Subnet: "s", Gateway: "g", PortForwards: []hvsup.PortForward{{Protocol: "tcp", Host: "127.0.0.1", HostPort: 8080, GuestPort: 80}}},
			ShellPort: 1, ExecPort: 2, GuestShellPort: 3, GuestExecPort: 4, SerialInput: true, TimeoutSeconds: 300,
		},
	}
	data, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"command":"prepare","identity":{"requestID":"r","runtimeID":"a","role":"workload","backend":"windows-hyperv","homeHash":"h"},` +
		`"config":{"kernelPath":"k","rootfsPath":"r","stateDir":"s","memoryMiB":512,"cpuCount":2,` +
		`"disks":[{"name":"data","path":"p","mountpoint":"/data","mode":"rw"}],"vsockListeners":[{"port":1024,"target":"127.0.0.1:9"}],` +
		`"mediation":{"enabled":true,"required":true,"port":2048,"target":"127.0.0.1:9900","failClosed":true},` +
		`"network":{"mode":"nat","interface":"i","portForwards":[{"protocol":"tcp","host":"127.0.0.1","hostPort":8080,"guestPort":80}],` +
		`"dns":["d"],"routes":["r"],"ip":"ip","subnet":"s","gateway":"g"},` +
		`"shellPort":1,"execPort":2,"guestShellPort":3,"guestExecPort":4,"serialInput":true,"timeoutSeconds":300}}`
	if !bytes.Equal(data, []byte(want)) {
		t.Fatalf("request JSON:\n got %s\nwant %s", data, want)
	}
	minimal, _ := json.Marshal(hvsup.Request{Command: "host"})
	if string(minimal) != `{"command":"host"}` {
		t.Fatalf("host request: %s", minimal)
	}
}

// The library accepts everything the Go structs send: a full request passes validation and
// lands in runtime.json with the same values.
func TestFullRequestIsAccepted(t *testing.T) {
	state := t.TempDir()
	c := newContext(t, hvsup.Options{})
	req := fullRequest("prepare", state, "agent-1")
	req.Config.Disks = []hvsup.Disk{{Name: "data", Path: "/d.vhd", Mountpoint: "/data", Mode: "ro"}}
	req.Config.VsockListeners = []hvsup.VsockListener{{Port: 1024, Target: filepath.Join(state, "agent-1", "result.json")}}
	req.Config.Network = &hvsup.NetworkConfig{Mode: "nat", PortForwards: []hvsup.PortForward{{HostPort: 18080, GuestPort: 8080}}}
	req.Config.Mediation = &hvsup.Mediation{Enabled: true, Required: true, Port: 2048, Target: "127.0.0.1:9900", FailClosed: true}
	req.Config.ShellPort = 41584
	if resp := supervise(t, c, req); !resp.OK {
		t.Fatalf("prepare: %+v", resp)
	}
	var runtime struct {
		Config hvsup.Config `json:"config"`
	}
	readJSON(t, filepath.Join(state, "agent-1", "runtime.json"), &runtime)
	req.Config.MemoryMiB, req.Config.CPUCount = 512, 2 // normalised defaults
	if !reflect.DeepEqual(runtime.Config, *req.Config) {
		t.Fatalf("runtime.json config:\n got %+v\nwant %+v", runtime.Config, *req.Config)
	}
}
