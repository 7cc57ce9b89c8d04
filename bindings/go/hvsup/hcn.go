package hvsup

/*
#include <stdint.h>
#include "hvsup/hcn.h"
*/
import "C"

import (
	"encoding/json"
	"runtime"
	"sync"
)

// HCNOptions are hvsup_hcn_options.
type HCNOptions struct {
	// ProviderLibrary is an explicit computenetwork.dll-compatible library (e.g. the
	// simulator); "" = computenetwork.dll from System32 (ErrUnsupported off Windows).
	ProviderLibrary string
	Flags           uint32 // reserved, must be 0
}

// HCNEndpointFlags are hvsup_hcn_endpoint_flags.
type HCNEndpointFlags uint32

const (
	HCNEndpointNone HCNEndpointFlags = C.HVSUP_HCN_ENDPOINT_NONE
	// HCNEndpointReplaceStale deletes endpoints already carrying the name first (an endpoint
	// left behind by a crashed run).
	HCNEndpointReplaceStale HCNEndpointFlags = C.HVSUP_HCN_ENDPOINT_REPLACE_STALE
)

// HCNRoute is one route of an HCN subnet or endpoint.
type HCNRoute struct {
	NextHop           string `json:"NextHop,omitempty"`
	DestinationPrefix string `json:"DestinationPrefix,omitempty"`
}

// HCNSubnet is one subnet of an IPAM.
type HCNSubnet struct {
	IPAddressPrefix string     `json:"IpAddressPrefix"`
	Routes          []HCNRoute `json:"Routes,omitempty"`
}

// HCNIpam is one IPAM of a network ("Static" or "Dhcp").
type HCNIpam struct {
	Type    string      `json:"Type"`
	Subnets []HCNSubnet `json:"Subnets,omitempty"`
}

// HCNDNS is the DNS settings of a network or endpoint.
type HCNDNS struct {
	ServerList []string `json:"ServerList,omitempty"`
}

// HCNNetwork is the commonly used part of a network's HCN v2 properties; Raw is the whole
// document as HCN returned it.
type HCNNetwork struct {
	ID    string          `json:"ID"`
	Name  string          `json:"Name"`
	Type  string          `json:"Type"`
	Ipams []HCNIpam       `json:"Ipams,omitempty"`
	DNS   *HCNDNS         `json:"Dns,omitempty"`
	Raw   json.RawMessage `json:"-"`
}

// HCNIPConfiguration is one address of an endpoint.
type HCNIPConfiguration struct {
	IPAddress    string `json:"IpAddress"`
	PrefixLength int    `json:"PrefixLength"`
}

// HCNEndpoint is the commonly used part of an endpoint's HCN v2 properties; Raw is the whole
// document.
type HCNEndpoint struct {
	ID                 string               `json:"ID"`
	Name               string               `json:"Name"`
	HostComputeNetwork string               `json:"HostComputeNetwork"`
	IPConfigurations   []HCNIPConfiguration `json:"IpConfigurations,omitempty"`
	Routes             []HCNRoute           `json:"Routes,omitempty"`
	DNS                *HCNDNS              `json:"Dns,omitempty"`
	MacAddress         string               `json:"MacAddress,omitempty"`
	Raw                json.RawMessage      `json:"-"`
}

// HCN is a loaded HCN API (hvsup_hcn). It may be used from several goroutines.
type HCN struct {
	mu     sync.RWMutex
	handle *C.hvsup_hcn
}

// OpenHCN loads the HCN API.
func OpenHCN(opts HCNOptions) (*HCN, error) {
	var copts C.hvsup_hcn_options
	if st := C.hvsup_hcn_options_init(&copts, C.HVSUP_HCN_OPTIONS_VERSION); st != C.HVSUP_OK {
		return nil, &Error{Code: Status(st), Message: "hvsup_hcn_options_init failed"}
	}
	path := cString(opts.ProviderLibrary)
	defer freeC(path)
	copts.provider_library, copts.flags = path, C.uint32_t(opts.Flags)
	h := &HCN{}
	if err := call(func(errp **C.hvsup_error) C.hvsup_status { return C.hvsup_hcn_open(&h.handle, &copts, errp) }); err != nil {
		return nil, err
	}
	runtime.SetFinalizer(h, (*HCN).Close)
	return h, nil
}

// Close frees the API object (endpoints stay: delete them first). Idempotent; later calls
// fail with ErrInvalidArgument.
func (h *HCN) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.handle != nil {
		C.hvsup_hcn_free(h.handle)
		h.handle = nil
		runtime.SetFinalizer(h, nil)
	}
	return nil
}

func (h *HCN) with(fn func(*C.hvsup_hcn) error) error {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return fn(h.handle)
}

// document runs a call that returns a properties document and decodes it into into.
func (h *HCN) document(into interface{}, raw *json.RawMessage,
	fn func(p *C.hvsup_hcn, out **C.char, errp **C.hvsup_error) C.hvsup_status) error {
	var text string
	err := h.with(func(p *C.hvsup_hcn) error {
		var err error
		text, err = callForString(func(out **C.char, errp **C.hvsup_error) C.hvsup_status { return fn(p, out, errp) })
		return err
	})
	if err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(text), into); err != nil {
		return err
	}
	*raw = json.RawMessage(text)
	return nil
}

// Probe lists networks once (doctor's check); nil when HCN answered.
func (h *HCN) Probe() error {
	return h.with(func(p *C.hvsup_hcn) error {
		return call(func(errp **C.hvsup_error) C.hvsup_status { return C.hvsup_hcn_probe(p, errp) })
	})
}

// EnsureNATNetwork finds the managed NAT network "microagent-nat", creating it on the first
// free /24 when absent (ErrConflict when none is free). The library never deletes it.
func (h *HCN) EnsureNATNetwork() (HCNNetwork, error) {
	var n HCNNetwork
	err := h.document(&n, &n.Raw, func(p *C.hvsup_hcn, out **C.char, errp **C.hvsup_error) C.hvsup_status {
		return C.hvsup_hcn_nat_network_ensure(p, out, errp)
	})
	return n, err
}

// FindNetwork finds a network (or Hyper-V switch) by its HCN name; ErrNotFound when none has it.
func (h *HCN) FindNetwork(name string) (HCNNetwork, error) {
	cname := C.CString(name)
	defer freeC(cname)
	var n HCNNetwork
	err := h.document(&n, &n.Raw, func(p *C.hvsup_hcn, out **C.char, errp **C.hvsup_error) C.hvsup_status {
		return C.hvsup_hcn_network_find(p, cname, out, errp)
	})
	return n, err
}

// CreateEndpoint creates an endpoint on network networkID; HCN assigns its ID, address and
// MAC. The caller owns it and deletes it with DeleteEndpoint. On failure nothing is left.
func (h *HCN) CreateEndpoint(networkID, name string, flags HCNEndpointFlags) (HCNEndpoint, error) {
	cnet, cname := C.CString(networkID), C.CString(name)
	defer freeC(cnet)
	defer freeC(cname)
	var e HCNEndpoint
	err := h.document(&e, &e.Raw, func(p *C.hvsup_hcn, out **C.char, errp **C.hvsup_error) C.hvsup_status {
		return C.hvsup_hcn_endpoint_create(p, cnet, cname, C.uint32_t(flags), out, errp)
	})
	return e, err
}

// DeleteEndpoint deletes an endpoint; "" or an endpoint that no longer exists is success.
func (h *HCN) DeleteEndpoint(id string) error {
	cid := C.CString(id)
	defer freeC(cid)
	return h.with(func(p *C.hvsup_hcn) error {
		return call(func(errp **C.hvsup_error) C.hvsup_status { return C.hvsup_hcn_endpoint_delete(p, cid, errp) })
	})
}

// EndpointProperties reads an endpoint's properties: ErrNotFound when it does not exist,
// ErrInvalidArgument when id is not a GUID.
func (h *HCN) EndpointProperties(id string) (HCNEndpoint, error) {
	cid := C.CString(id)
	defer freeC(cid)
	var e HCNEndpoint
	err := h.document(&e, &e.Raw, func(p *C.hvsup_hcn, out **C.char, errp **C.hvsup_error) C.hvsup_status {
		return C.hvsup_hcn_endpoint_properties(p, cid, out, errp)
	})
	return e, err
}
