// SPDX-License-Identifier: MIT

//go:build cgo

package hvsup

/*
#include <stdint.h>
#include "hvsup/hcn.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"runtime"
	"sync"
)

// HCN calls are short host queries without a timeout of their own: ctx is checked before each
// call (a done ctx returns ctx.Err() and calls nothing); a call in flight is not interrupted.
//
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
func (h *HCN) Probe(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return h.with(func(p *C.hvsup_hcn) error {
		return call(func(errp **C.hvsup_error) C.hvsup_status { return C.hvsup_hcn_probe(p, errp) })
	})
}

// EnsureNATNetwork finds the managed NAT network "microagent-nat", creating it on the first
// free /24 when absent (ErrConflict when none is free). The library never deletes it.
func (h *HCN) EnsureNATNetwork(ctx context.Context) (HCNNetwork, error) {
	if err := ctx.Err(); err != nil {
		return HCNNetwork{}, err
	}
	var n HCNNetwork
	err := h.document(&n, &n.Raw, func(p *C.hvsup_hcn, out **C.char, errp **C.hvsup_error) C.hvsup_status {
		return C.hvsup_hcn_ensure_nat_network(out, p, errp)
	})
	return n, err
}

// FindNetwork finds a network (or Hyper-V switch) by its HCN name; ErrNotFound when none has it.
func (h *HCN) FindNetwork(ctx context.Context, name string) (HCNNetwork, error) {
	if err := ctx.Err(); err != nil {
		return HCNNetwork{}, err
	}
	cname := C.CString(name)
	defer freeC(cname)
	var n HCNNetwork
	err := h.document(&n, &n.Raw, func(p *C.hvsup_hcn, out **C.char, errp **C.hvsup_error) C.hvsup_status {
		return C.hvsup_hcn_find_network(out, p, cname, errp)
	})
	return n, err
}

// CreateEndpoint creates an endpoint on network networkID; HCN assigns its ID, address and
// MAC. The caller owns it and deletes it with DeleteEndpoint. On failure nothing is left.
func (h *HCN) CreateEndpoint(ctx context.Context, networkID, name string, flags HCNEndpointFlags) (HCNEndpoint, error) {
	if err := ctx.Err(); err != nil {
		return HCNEndpoint{}, err
	}
	cnet, cname := C.CString(networkID), C.CString(name)
	defer freeC(cnet)
	defer freeC(cname)
	var e HCNEndpoint
	err := h.document(&e, &e.Raw, func(p *C.hvsup_hcn, out **C.char, errp **C.hvsup_error) C.hvsup_status {
		return C.hvsup_hcn_create_endpoint(out, p, cnet, cname, C.uint32_t(flags), errp)
	})
	return e, err
}

// DeleteEndpoint deletes an endpoint; "" or an endpoint that no longer exists is success.
func (h *HCN) DeleteEndpoint(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	cid := C.CString(id)
	defer freeC(cid)
	return h.with(func(p *C.hvsup_hcn) error {
		return call(func(errp **C.hvsup_error) C.hvsup_status { return C.hvsup_hcn_delete_endpoint(p, cid, errp) })
	})
}

// EndpointProperties reads an endpoint's properties: ErrNotFound when it does not exist,
// ErrInvalidArgument when id is not a GUID.
func (h *HCN) EndpointProperties(ctx context.Context, id string) (HCNEndpoint, error) {
	if err := ctx.Err(); err != nil {
		return HCNEndpoint{}, err
	}
	cid := C.CString(id)
	defer freeC(cid)
	var e HCNEndpoint
	err := h.document(&e, &e.Raw, func(p *C.hvsup_hcn, out **C.char, errp **C.hvsup_error) C.hvsup_status {
		return C.hvsup_hcn_query_endpoint(out, p, cid, errp)
	})
	return e, err
}
