// SPDX-License-Identifier: MIT

//go:build cgo

package hvsup_test

import (
	"os"
	"path/filepath"

	"github.com/hvsup/hvsup/bindings/go/hvsup"
)

// Helpers of the Example functions (which have no *testing.T): the simulated host of test/sim.

func exampleBuildDir() string {
	if dir := os.Getenv("HVSUP_BUILD_DIR"); dir != "" {
		return dir
	}
	return filepath.Join(repoRoot(), "build")
}

// The examples read the simulator's paths as a user has them after eval "$(hvsup-sim-env DIR)";
// without that (a developer's go test in the checkout) they are the build tree's.
func init() {
	defaults := map[string]string{
		"HVSUP_SIM_HCS_LIBRARY": filepath.Join(exampleBuildDir(), "test", "sim", "libhvsup-sim-computecore.so"),
		"HVSUP_SIM_HCN_LIBRARY": filepath.Join(exampleBuildDir(), "test", "sim", "hcn", "libhvsup-sim-hcn.so"),
	}
	for name, value := range defaults {
		if os.Getenv(name) == "" {
			os.Setenv(name, value)
		}
	}
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// exampleSilentRun prepares a simulated host (HCS and HCN simulators, a kernel file, a fixed
// VHD) whose guest boots but never delivers its result, and returns the context options and
// a `run` request with a result listener on the NAT network. cleanup kills the guests and
// removes everything.
func exampleSilentRun() (hvsup.Options, hvsup.Request, func()) {
	dir, err := os.MkdirTemp("", "hvsup-example-")
	must(err)
	simDir, hvsockDir := filepath.Join(dir, "sim"), filepath.Join(dir, "hvsock")
	must(os.MkdirAll(filepath.Join(simDir, "scripts"), 0o700))
	must(os.MkdirAll(hvsockDir, 0o700))
	must(os.WriteFile(filepath.Join(simDir, "scripts", "default.json"), []byte(`{"guest": {}}`), 0o600))
	kernel, rootfs, state := filepath.Join(dir, "Image"), filepath.Join(dir, "rootfs.vhd"), filepath.Join(dir, "state")
	must(os.WriteFile(kernel, []byte("kernel"), 0o600))
	must(os.WriteFile(rootfs, fixedVHDImage(65536), 0o600))
	os.Setenv("HVSUP_SIM_DIR", simDir)
	os.Setenv("HVSUP_HVSOCK_EMULATION_DIR", hvsockDir)
	opts := hvsup.Options{HCSLibrary: os.Getenv("HVSUP_SIM_HCS_LIBRARY"), HCNLibrary: os.Getenv("HVSUP_SIM_HCN_LIBRARY")}
	run := hvsup.Request{
		Command:  "run",
		Identity: &hvsup.Identity{RequestID: "req-1", RuntimeID: "agent-1", Role: "workload", Backend: "windows-hyperv"},
		Config: &hvsup.Config{KernelPath: kernel, RootfsPath: rootfs, StateDir: state,
			Network:        &hvsup.NetworkConfig{Mode: "nat"},
			VsockListeners: []hvsup.VsockListener{{Port: 1024, Target: filepath.Join(state, "agent-1", "result.json")}}},
	}
	cleanup := func() {
		(&simHost{simDir: simDir}).killGuests()
		os.Unsetenv("HVSUP_SIM_DIR")
		os.Unsetenv("HVSUP_HVSOCK_EMULATION_DIR")
		os.RemoveAll(dir)
	}
	return opts, run, cleanup
}
