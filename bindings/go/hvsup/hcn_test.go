// SPDX-License-Identifier: MIT

//go:build cgo

package hvsup_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/hvsup/hvsup/bindings/go/hvsup"
)

const (
	hcnEEndpointAlreadyExists = 0x803b002f
	eAccessDenied             = 0x80070005
)

func openHCN(t *testing.T, h *simHost) *hvsup.HCN {
	t.Helper()
	n, err := hvsup.OpenHCN(hvsup.HCNOptions{ProviderLibrary: hcnLibrary(t)})
	if err != nil {
		t.Fatalf("OpenHCN: %v", err)
	}
	t.Cleanup(func() {
		n.Close()
		if left := h.endpoints(); len(left) != 0 {
			t.Errorf("endpoints leaked: %v", left)
		}
	})
	return n
}

func TestHCNWithoutAProviderIsUnsupported(t *testing.T) {
	_, err := hvsup.OpenHCN(hvsup.HCNOptions{})
	var herr *hvsup.Error
	if !errors.Is(err, hvsup.ErrUnsupported) || !errors.As(err, &herr) ||
		herr.Message != "load HCN API: HCN networking is only available on windows" {
		t.Fatalf("OpenHCN: %v", err)
	}
	if _, err := hvsup.OpenHCN(hvsup.HCNOptions{ProviderLibrary: hcnLibrary(t), Flags: 4}); !errors.Is(err, hvsup.ErrInvalidArgument) {
		t.Fatalf("unknown flags: %v", err)
	}
}

func TestHCNNetworks(t *testing.T) {
	h := newSimHost(t)
	n := openHCN(t, h)
	if err := n.Probe(bg); err != nil {
		t.Fatal(err)
	}
	nat, err := n.EnsureNATNetwork(bg)
	if err != nil {
		t.Fatal(err)
	}
	if nat.Name != "microagent-nat" || nat.Type != "NAT" || len(nat.Ipams) != 1 ||
		nat.Ipams[0].Subnets[0].IPAddressPrefix != "192.168.127.0/24" ||
		!reflect.DeepEqual(nat.Ipams[0].Subnets[0].Routes, []hvsup.HCNRoute{{NextHop: "192.168.127.1", DestinationPrefix: "0.0.0.0/0"}}) ||
		!strings.Contains(string(nat.Raw), `"microagent-nat"`) {
		t.Fatalf("NAT network: %+v", nat)
	}
	again, err := n.EnsureNATNetwork(bg)
	if err != nil || again.ID != nat.ID {
		t.Fatalf("second ensure: %v %+v", err, again)
	}
	found, err := n.FindNetwork(bg, "microagent-nat")
	if err != nil || found.ID != nat.ID {
		t.Fatalf("find: %v %+v", err, found)
	}
	ext := h.seedNetwork(t, "External", "Transparent")
	if found, err := n.FindNetwork(bg, "External"); err != nil || found.ID != ext || found.Ipams != nil {
		t.Fatalf("find seeded: %v %+v", err, found)
	}
	_, err = n.FindNetwork(bg, "Nope")
	var herr *hvsup.Error
	if !errors.Is(err, hvsup.ErrNotFound) || !errors.As(err, &herr) || herr.Message != `HNS network "Nope" not found` {
		t.Fatalf("missing network: %v", err)
	}
	h.injectFault(t, "HcnEnumerateNetworks", eAccessDenied, "access denied")
	err = n.Probe(bg)
	if !errors.As(err, &herr) || herr.Code != hvsup.StatusHost || uint32(herr.HResult) != eAccessDenied ||
		!strings.HasPrefix(herr.Message, "probe HCN/HNS access: ") {
		t.Fatalf("injected probe failure: %v", err)
	}
}

func TestHCNEndpoints(t *testing.T) {
	h := newSimHost(t)
	n := openHCN(t, h)
	nat, err := n.EnsureNATNetwork(bg)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := n.CreateEndpoint(bg, nat.ID, "microagent-agent-1", hvsup.HCNEndpointNone)
	if err != nil {
		t.Fatal(err)
	}
	if ep.HostComputeNetwork != nat.ID || ep.Name != "microagent-agent-1" || ep.MacAddress == "" ||
		!reflect.DeepEqual(ep.IPConfigurations, []hvsup.HCNIPConfiguration{{IPAddress: "192.168.127.2", PrefixLength: 24}}) {
		t.Fatalf("endpoint: %+v", ep)
	}
	if got := h.endpoints(); !reflect.DeepEqual(got, []string{ep.ID}) {
		t.Fatalf("simulator endpoints %v, want [%s]", got, ep.ID)
	}
	props, err := n.EndpointProperties(bg, ep.ID)
	if err != nil || props.MacAddress != ep.MacAddress {
		t.Fatalf("properties: %v %+v", err, props)
	}
	replaced, err := n.CreateEndpoint(bg, nat.ID, "microagent-agent-1", hvsup.HCNEndpointReplaceStale)
	if err != nil {
		t.Fatal(err)
	}
	if got := h.endpoints(); !reflect.DeepEqual(got, []string{replaced.ID}) {
		t.Fatalf("after replace: %v, want [%s]", got, replaced.ID)
	}
	if _, err := n.CreateEndpoint(bg, nat.ID, "x", 0x80); !errors.Is(err, hvsup.ErrInvalidArgument) {
		t.Fatalf("unknown flag: %v", err)
	}
	if err := n.DeleteEndpoint(bg, replaced.ID); err != nil {
		t.Fatal(err)
	}
	if err := n.DeleteEndpoint(bg, replaced.ID); err != nil { // already gone: success
		t.Fatal(err)
	}
	if err := n.DeleteEndpoint(bg, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := n.EndpointProperties(bg, replaced.ID); !errors.Is(err, hvsup.ErrNotFound) {
		t.Fatalf("properties of a deleted endpoint: %v", err)
	}
	if _, err := n.EndpointProperties(bg, "not-a-guid"); !errors.Is(err, hvsup.ErrInvalidArgument) {
		t.Fatalf("properties of a bad id: %v", err)
	}
}

func TestHCNFailuresLeaveNoEndpoint(t *testing.T) {
	h := newSimHost(t)
	n := openHCN(t, h)
	nat, err := n.EnsureNATNetwork(bg)
	if err != nil {
		t.Fatal(err)
	}
	h.injectFault(t, "HcnCreateEndpoint", hcnEEndpointAlreadyExists, "boom")
	_, err = n.CreateEndpoint(bg, nat.ID, "microagent-agent-1", hvsup.HCNEndpointNone)
	var herr *hvsup.Error
	if !errors.As(err, &herr) || uint32(herr.HResult) != hcnEEndpointAlreadyExists ||
		!strings.HasPrefix(herr.Message, `create HNS endpoint "microagent-agent-1": `) ||
		(herr.Code != hvsup.StatusHost && herr.Code != hvsup.StatusConflict) {
		t.Fatalf("injected create failure: %v", err)
	}
	_, err = n.CreateEndpoint(bg, "0b9f2d7e-3c41-4a5b-9c8d-7e6f5a4b3c2d", "microagent-agent-1", hvsup.HCNEndpointNone)
	if !errors.As(err, &herr) || !strings.HasPrefix(herr.Message, `create HNS endpoint "microagent-agent-1": `) ||
		(herr.Code != hvsup.StatusNotFound && herr.Code != hvsup.StatusHost) {
		t.Fatalf("endpoint on a missing network: %v", err)
	}
	if left := h.endpoints(); len(left) != 0 {
		t.Fatalf("a failed create left %v", left)
	}
	n.Close()
	if err := n.Probe(bg); !errors.Is(err, hvsup.ErrInvalidArgument) {
		t.Fatalf("closed: %v", err)
	}
	if _, err := n.EnsureNATNetwork(bg); !errors.Is(err, hvsup.ErrInvalidArgument) {
		t.Fatalf("closed: %v", err)
	}
}
