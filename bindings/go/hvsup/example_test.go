// SPDX-License-Identifier: MIT

//go:build cgo

package hvsup_test

// The Example functions below are the `go` blocks of docs/bindings.md, verbatim
// (TestDocsMatchExamples keeps them in sync); go test runs them and checks their output.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hvsup/hvsup/bindings/go/hvsup"
)

func ExampleContext_Supervise() {
	state, _ := os.MkdirTemp("", "hvsup-example-")
	defer os.RemoveAll(state)
	c, err := hvsup.NewContext(hvsup.Options{StateDir: state})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	id := &hvsup.Identity{RequestID: "req-1", RuntimeID: "agent-1", Role: "workload", Backend: "windows-hyperv"}
	resp, err := c.Supervise(context.Background(), hvsup.Request{
		Command:  "prepare",
		Identity: id,
		Config:   &hvsup.Config{KernelPath: "/kernels/Image", RootfsPath: "/workspaces/agent-1/rootfs.vhd"},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.OK, resp.Event.State)
	resp, _ = c.Supervise(context.Background(), hvsup.Request{Command: "inspect", Identity: id})
	fmt.Println(resp.Event.State, resp.Readiness.ResultReady.Ready)
	resp, _ = c.Supervise(context.Background(), hvsup.Request{Command: "delete", Identity: id})
	fmt.Println(resp.Event.State)
	// Output:
	// true prepared
	// prepared false
	// stopped
}

func ExampleError() {
	c, _ := hvsup.NewContext(hvsup.Options{})
	c.Close()
	_, err := c.Supervise(context.Background(), hvsup.Request{Command: "host"})
	var herr *hvsup.Error
	fmt.Println(errors.Is(err, hvsup.ErrInvalidArgument), errors.As(err, &herr) && herr.Code == hvsup.StatusInvalidArgument)
	fmt.Println(herr.Message)
	// Output:
	// true true
	// hvsup_context_supervise: context is NULL
}

func ExampleContext_Doctor() {
	c, _ := hvsup.NewContext(hvsup.Options{})
	defer c.Close()
	host, _ := c.Supervise(context.Background(), hvsup.Request{Command: "host"})
	fmt.Println(host.OK, host.Err())
	report, _ := c.Doctor(context.Background(), hvsup.DoctorOptions{})
	fmt.Println(report.Ready, report.Checks[1].Name, report.Checks[1].OK)
	// Output:
	// false hvsup: windows-hyperv supervisor is only supported on windows
	// false hcs false
}

func ExampleBuildImage() {
	dir, _ := os.MkdirTemp("", "hvsup-image-")
	defer os.RemoveAll(dir)
	out := dir + "/data.vhd"
	_, err := hvsup.BuildImage(context.Background(), hvsup.ImageRequest{Empty: true, Output: out, Size: "8M"}, nil)
	st, _ := os.Stat(out)
	_, footerErr := hvsup.VerifyImageFooter(out)
	fmt.Println(err, st.Size(), footerErr)
	// Output:
	// <nil> 8389120 <nil>
}

func ExampleHvsockServiceID() {
	id, _ := hvsup.HvsockServiceID(1024)
	port, _ := hvsup.HvsockServicePort(strings.ToUpper(id))
	fmt.Println(id, port)
	_, err := hvsup.OpenHCS(hvsup.HCSOptions{})
	fmt.Println(errors.Is(err, hvsup.ErrUnsupported))
	// Output:
	// 00000400-facb-11e6-bd58-64006a7986d3 1024
	// true
}

func ExampleOpenHCN() {
	// The installed HCN simulator stands in for computenetwork.dll (eval "$(hvsup-sim-env DIR)"
	// sets HVSUP_SIM_HCN_LIBRARY; on Windows leave ProviderLibrary empty); it keeps its state
	// in $HVSUP_SIM_DIR.
	sim, _ := os.MkdirTemp("", "hvsup-hcn-")
	defer os.RemoveAll(sim)
	os.Setenv("HVSUP_SIM_DIR", sim)
	defer os.Unsetenv("HVSUP_SIM_DIR")
	n, err := hvsup.OpenHCN(hvsup.HCNOptions{ProviderLibrary: os.Getenv("HVSUP_SIM_HCN_LIBRARY")})
	if err != nil {
		panic(err)
	}
	defer n.Close()
	ctx := context.Background()
	nat, _ := n.EnsureNATNetwork(ctx) // "microagent-nat", created when absent
	ep, _ := n.CreateEndpoint(ctx, nat.ID, "microagent-agent-1", hvsup.HCNEndpointReplaceStale)
	fmt.Println(nat.Name, nat.Ipams[0].Subnets[0].IPAddressPrefix, ep.IPConfigurations[0].IPAddress)
	fmt.Println(n.DeleteEndpoint(ctx, ep.ID)) // the caller owns the endpoint
	_, err = n.FindNetwork(ctx, "no such network")
	fmt.Println(errors.Is(err, hvsup.ErrNotFound))
	// Output:
	// microagent-nat 192.168.127.0/24 192.168.127.2
	// <nil>
	// true
}

func ExampleContext_Supervise_cancel() {
	opts, run, cleanup := exampleSilentRun() // the simulated host; its guest never delivers a result
	defer cleanup()
	c, _ := hvsup.NewContext(opts)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := c.Supervise(ctx, run) // returns soon after the deadline, cleaned up
	var herr *hvsup.Error
	fmt.Println(errors.Is(err, context.DeadlineExceeded), errors.Is(err, hvsup.ErrCancelled), errors.As(err, &herr))
	fmt.Println(herr.Message)
	inspected, _ := c.Supervise(context.Background(), hvsup.Request{Command: "inspect", Identity: run.Identity, Config: run.Config})
	fmt.Println(inspected.Event.State)
	// Output:
	// true true true
	// run cancelled by the caller while waiting for the guest result
	// failed
}
