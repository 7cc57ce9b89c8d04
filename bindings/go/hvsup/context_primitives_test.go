// SPDX-License-Identifier: MIT

//go:build cgo

package hvsup_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hvsup/hvsup/bindings/go/hvsup"
)

// The HCS and HCN primitives take a context.Context: a done ctx calls nothing, and Wait ends
// when ctx does (the system keeps running).
func TestPrimitivesHonourTheContext(t *testing.T) {
	h := newSimHost(t)
	h.script(t, map[string]interface{}{"guest": map[string]interface{}{}}) // boots, never exits
	hcs, err := hvsup.OpenHCS(hvsup.HCSOptions{LibraryPath: simLibrary(t, "computecore")})
	if err != nil {
		t.Fatal(err)
	}
	defer hcs.Close()
	doc, err := hvsup.BuildHCSDocument(h.request("run", "vm-ctx"), hvsup.HCSDocumentOptions{})
	if err != nil {
		t.Fatal(err)
	}

	done, cancel := context.WithCancel(bg)
	cancel()
	if _, err := hcs.CreateSystem(done, "vm-ctx", doc); !errors.Is(err, context.Canceled) {
		t.Fatalf("create with a done ctx: %v", err)
	}
	if s := h.systems(); len(s) != 0 {
		t.Fatalf("a done ctx still created %v", s)
	}

	sys, err := hcs.CreateSystem(bg, "vm-ctx", doc)
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close()
	defer sys.Terminate(bg) //nolint:errcheck // cleanup
	var props struct{ RuntimeId string }
	if raw, err := sys.Properties(bg); err != nil || json.Unmarshal(raw, &props) != nil {
		t.Fatalf("properties %s: %v", raw, err)
	}
	for _, path := range []string{h.rootfs, h.kernel} { // the VM worker reads both
		if err := hcs.GrantVMAccess(bg, props.RuntimeId, path); err != nil {
			t.Fatal(err)
		}
	}
	deadline, cancelStart := context.WithTimeout(bg, 30*time.Second)
	defer cancelStart()
	if err := sys.Start(deadline); err != nil {
		t.Fatal(err)
	}
	short, cancelShort := context.WithTimeout(bg, 300*time.Millisecond)
	defer cancelShort()
	began := time.Now()
	_, exited, err := sys.Wait(short)
	if exited || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("wait past the deadline: exited %v, %v", exited, err)
	}
	if took := time.Since(began); took > 2*time.Second {
		t.Fatalf("Wait ended %v after its 300 ms deadline", took)
	}
	if err := sys.Terminate(done); !errors.Is(err, context.Canceled) {
		t.Fatalf("terminate with a done ctx: %v", err)
	}
	if _, err := sys.Properties(bg); err != nil { // still there: nothing was terminated
		t.Fatal(err)
	}

	n, err := hvsup.OpenHCN(hvsup.HCNOptions{ProviderLibrary: hcnLibrary(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if _, err := n.EnsureNATNetwork(done); !errors.Is(err, context.Canceled) {
		t.Fatalf("HCN with a done ctx: %v", err)
	}
	if eps := h.endpoints(); len(eps) != 0 {
		t.Fatalf("endpoints: %v", eps)
	}
}

// A missing file is os.ErrNotExist as well as ErrNotFound, whichever primitive reports it.
func TestMissingFileIsErrNotExist(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "absent.vhd")
	_, inspectErr := hvsup.InspectImage(missing)
	_, verifyErr := hvsup.VerifyImageFooter(missing)
	_, buildErr := hvsup.BuildImage(bg, hvsup.ImageRequest{FromDir: filepath.Join(t.TempDir(), "absent"),
		Output: filepath.Join(t.TempDir(), "out.vhd"), Size: "8M"}, nil)
	for name, err := range map[string]error{"InspectImage": inspectErr, "VerifyImageFooter": verifyErr, "BuildImage": buildErr} {
		if !errors.Is(err, os.ErrNotExist) || !errors.Is(err, hvsup.ErrNotFound) {
			t.Errorf("%s: %#v is not os.ErrNotExist", name, err)
		}
	}
}
