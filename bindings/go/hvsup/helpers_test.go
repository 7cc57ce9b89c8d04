// SPDX-License-Identifier: MIT
package hvsup_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/hvsup/hvsup/bindings/go/hvsup"
)

var bg = context.Background()

func identity(runtime, request string) *hvsup.Identity {
	return &hvsup.Identity{RequestID: request, RuntimeID: runtime, Role: "workload", Backend: "windows-hyperv"}
}

func fullRequest(command, stateDir, runtime string) hvsup.Request {
	return hvsup.Request{
		Command:  command,
		Identity: identity(runtime, "req-"+command),
		Config: &hvsup.Config{
			KernelPath: "/kernels/Image",
			RootfsPath: "/workspaces/" + runtime + "/rootfs.vhd",
			StateDir:   stateDir,
		},
	}
}

func stateRequest(command, stateDir, runtime string) hvsup.Request {
	return hvsup.Request{Command: command, Identity: identity(runtime, "req-"+command),
		Config: &hvsup.Config{StateDir: stateDir}}
}

func newContext(t *testing.T, opts hvsup.Options) *hvsup.Context {
	t.Helper()
	c, err := hvsup.NewContext(opts)
	if err != nil {
		t.Fatalf("NewContext: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func supervise(t *testing.T, c *hvsup.Context, req hvsup.Request) hvsup.Response {
	t.Helper()
	resp, err := c.Supervise(bg, req)
	if err != nil {
		t.Fatalf("Supervise(%s): %v", req.Command, err)
	}
	return resp
}

func readJSON(t *testing.T, path string, into interface{}) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func repoRoot() string {
	root, _ := filepath.Abs(filepath.Join("..", "..", ".."))
	return root
}

func readInto(t *testing.T, data []byte, into interface{}) {
	t.Helper()
	if err := json.Unmarshal(data, into); err != nil {
		t.Fatalf("%v: %s", err, data)
	}
}
