// SPDX-License-Identifier: MIT

// Command microagent is an example consumer of github.com/hvsup/hvsup/bindings/go, built as a
// module of its own: it starts a runtime, inspects it, stops and deletes it, and prints one
// line per step. Built with cgo it links libhvsup (pkg-config hvsup); built with
// CGO_ENABLED=0 it executes hvsup-cli. Off Windows, point it at the installed simulator:
//
//	eval "$(hvsup-sim-env /tmp/sim)"
//	go run . -kernel /tmp/sim/Image -rootfs /tmp/sim/rootfs.vhd -state /tmp/sim/state \
//	    -hcs-library "$HVSUP_SIM_HCS_LIBRARY" -hcn-library "$HVSUP_SIM_HCN_LIBRARY"
//
// On Windows leave -hcs-library and -hcn-library empty (System32's HCS and HCN).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/hvsup/hvsup/bindings/go/hvsup"
)

func main() {
	kernel := flag.String("kernel", "", "kernel image (required)")
	rootfs := flag.String("rootfs", "", "root file system, a fixed VHD (required)")
	state := flag.String("state", "", "state directory (required)")
	hcsLibrary := flag.String("hcs-library", "", "HCS provider library (a simulator); empty: System32")
	hcnLibrary := flag.String("hcn-library", "", "HCN provider library (a simulator); empty: System32")
	runtimeID := flag.String("runtime", "agent-1", "runtime id")
	flag.Parse()
	if *kernel == "" || *rootfs == "" || *state == "" {
		fmt.Fprintln(os.Stderr, "microagent: -kernel, -rootfs and -state are required")
		os.Exit(2)
	}
	if err := lifecycle(*kernel, *rootfs, *state, *hcsLibrary, *hcnLibrary, *runtimeID); err != nil {
		fmt.Fprintln(os.Stderr, "microagent:", err)
		os.Exit(1)
	}
}

func lifecycle(kernel, rootfs, state, hcsLibrary, hcnLibrary, runtimeID string) error {
	c, err := hvsup.NewContext(hvsup.Options{HCSLibrary: hcsLibrary, HCNLibrary: hcnLibrary})
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	fmt.Printf("hvsup %s (ABI %d)\n", hvsup.Version(), hvsup.LibraryAbiVersion())

	// The library would answer a missing kernel with an "ok": false document; checking first
	// gives the user the plain file error.
	if _, err := os.Stat(kernel); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("kernel %s: %w", kernel, err)
	}
	for _, command := range []string{"start", "inspect", "stop", "delete"} {
		resp, err := c.Supervise(ctx, hvsup.Request{
			Command:  command,
			Identity: &hvsup.Identity{RequestID: "req-" + command, RuntimeID: runtimeID, Role: "workload", Backend: "windows-hyperv"},
			Config:   &hvsup.Config{KernelPath: kernel, RootfsPath: rootfs, StateDir: state},
		})
		if err != nil {
			return fmt.Errorf("%s: %w", command, err)
		}
		if err := resp.Err(); err != nil {
			return fmt.Errorf("%s: %w", command, err)
		}
		fmt.Printf("%s: %s\n", command, resp.Event.State)
	}
	return nil
}
