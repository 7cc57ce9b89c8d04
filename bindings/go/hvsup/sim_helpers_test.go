// SPDX-License-Identifier: MIT
package hvsup_test

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/hvsup/hvsup/bindings/go/hvsup"
)

// simHost is the simulated Hyper-V host of test/sim: the simulator reads HVSUP_SIM_DIR and the
// hvsock emulation reads HVSUP_HVSOCK_EMULATION_DIR at call time, so tests set them in-process.
type simHost struct {
	dir, simDir, hvsockDir, kernel, rootfs, state string
}

func buildDir() string {
	if dir := os.Getenv("HVSUP_BUILD_DIR"); dir != "" {
		return dir
	}
	return filepath.Join(repoRoot(), "build")
}

// simDir is where the simulator's libraries are: $HVSUP_SIM_LIBDIR (an installed simulator,
// <libdir>/hvsup-sim) or the build tree's test/sim.
func simDir() string {
	if dir := os.Getenv("HVSUP_SIM_LIBDIR"); dir != "" {
		return dir
	}
	return filepath.Join(buildDir(), "test", "sim")
}

func simLibrary(t *testing.T, api string) string {
	path := filepath.Join(simDir(), "libhvsup-sim-"+api+".so")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("simulator not built: %v", err)
	}
	return path
}

// fixedVHDImage is `size` zero bytes followed by a valid fixed-VHD footer: what the simulator
// requires of every attached disk.
func fixedVHDImage(size uint64) []byte {
	footer := make([]byte, 512)
	copy(footer, "conectix")
	binary.BigEndian.PutUint32(footer[8:], 2)
	binary.BigEndian.PutUint32(footer[12:], 0x00010000)
	binary.BigEndian.PutUint64(footer[16:], 0xFFFFFFFFFFFFFFFF)
	binary.BigEndian.PutUint64(footer[40:], size)
	binary.BigEndian.PutUint64(footer[48:], size)
	binary.BigEndian.PutUint32(footer[60:], 2)
	copy(footer[68:84], []byte("0123456789abcdef"))
	var sum uint32
	for _, b := range footer {
		sum += uint32(b)
	}
	binary.BigEndian.PutUint32(footer[64:], ^sum)
	return append(make([]byte, size), footer...)
}

func writeFixedVHD(t *testing.T, path string, size uint64) {
	if err := os.WriteFile(path, fixedVHDImage(size), 0o600); err != nil {
		t.Fatal(err)
	}
}

func newSimHost(t *testing.T) *simHost {
	dir := t.TempDir()
	h := &simHost{dir: dir, simDir: filepath.Join(dir, "sim"), hvsockDir: filepath.Join(dir, "hvsock"),
		kernel: filepath.Join(dir, "Image"), rootfs: filepath.Join(dir, "rootfs.vhd"), state: filepath.Join(dir, "state")}
	for _, d := range []string{filepath.Join(h.simDir, "scripts"), h.hvsockDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(h.kernel, []byte("kernel"), 0o600); err != nil {
		t.Fatal(err)
	}
	writeFixedVHD(t, h.rootfs, 65536)
	t.Setenv("HVSUP_SIM_DIR", h.simDir)
	t.Setenv("HVSUP_HVSOCK_EMULATION_DIR", h.hvsockDir)
	t.Cleanup(h.killGuests)
	return h
}

func (h *simHost) script(t *testing.T, script interface{}) {
	data, _ := json.Marshal(script)
	if err := os.WriteFile(filepath.Join(h.simDir, "scripts", "default.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func (h *simHost) systems() []string {
	matches, _ := filepath.Glob(filepath.Join(h.simDir, "systems", "*.json"))
	var ids []string
	for _, m := range matches {
		ids = append(ids, filepath.Base(m[:len(m)-len(".json")]))
	}
	return ids
}

func (h *simHost) killGuests() {
	matches, _ := filepath.Glob(filepath.Join(h.simDir, "systems", "*.json"))
	for _, m := range matches {
		var rec struct{ GuestPid int }
		if data, err := os.ReadFile(m); err == nil && json.Unmarshal(data, &rec) == nil && rec.GuestPid > 0 {
			syscall.Kill(rec.GuestPid, syscall.SIGKILL)
		}
	}
}

func (h *simHost) request(command, runtime string) hvsup.Request {
	return hvsup.Request{
		Command:  command,
		Identity: identity(runtime, "req-"+command),
		Config: &hvsup.Config{KernelPath: h.kernel, RootfsPath: h.rootfs, StateDir: h.state,
			Network: &hvsup.NetworkConfig{Mode: "isolated"}},
	}
}

// The HCN simulator (test/sim/hcn): state under HVSUP_SIM_DIR/hcn (README.md there).
func hcnLibrary(t *testing.T) string {
	dir := filepath.Join(simDir(), "hcn") // the build tree keeps it in a subdirectory
	if os.Getenv("HVSUP_SIM_LIBDIR") != "" {
		dir = simDir() // an installed simulator keeps all three together
	}
	path := filepath.Join(dir, "libhvsup-sim-hcn.so")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("HCN simulator not built: %v", err)
	}
	return path
}

// endpoints are the ids of the simulator's live endpoints.
func (h *simHost) endpoints() []string {
	matches, _ := filepath.Glob(filepath.Join(h.simDir, "hcn", "endpoints", "*.json"))
	var ids []string
	for _, m := range matches {
		ids = append(ids, filepath.Base(m[:len(m)-len(".json")]))
	}
	return ids
}

// injectFault makes the next call of an HCN entry point fail with hresult.
func (h *simHost) injectFault(t *testing.T, function string, hresult uint32, message string) {
	dir := filepath.Join(h.simDir, "hcn")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(map[string]interface{}{function: map[string]interface{}{
		"hresult": fmt.Sprintf("0x%08x", hresult), "message": message, "count": 1}})
	if err := os.WriteFile(filepath.Join(dir, "faults.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// seedNetwork adds an existing network without IPAM (an external switch) and returns its id.
func (h *simHost) seedNetwork(t *testing.T, name, typ string) string {
	dir := filepath.Join(h.simDir, "hcn", "networks")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	id := "5b0e8f3a-1c2d-4e5f-8a9b-" + fmt.Sprintf("%012x", len(name)*7919+len(typ))
	data, _ := json.Marshal(map[string]interface{}{"ID": id, "Name": name, "Type": typ,
		"SchemaVersion": map[string]int{"Major": 2, "Minor": 0}})
	if err := os.WriteFile(filepath.Join(dir, id+".json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	return id
}

// runtimeState reads <state>/<runtime>/runtime.json.
func (h *simHost) runtimeState(t *testing.T, runtime string) map[string]interface{} {
	var s map[string]interface{}
	readJSON(t, filepath.Join(h.state, runtime, "runtime.json"), &s)
	return s
}
