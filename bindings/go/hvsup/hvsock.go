// SPDX-License-Identifier: MIT

//go:build cgo

package hvsup

/*
#include <stdint.h>
#include "hvsup/hvsock.h"

extern void hvsupGoLog(hvsup_log_level level, char* message, void* user);
static hvsup_log_callback hvsup_go_hvsock_log_callback(void) { return (hvsup_log_callback)hvsupGoLog; }
static void* hvsup_go_hvsock_user(uintptr_t handle) { return (void*)handle; }
*/
import "C"

import (
	"encoding/json"
	"runtime"
	"runtime/cgo"
	"sync"
	"time"
)

// HvsockServiceID returns the Hyper-V service id of vsock port `port`
// ("%08x-facb-11e6-bd58-64006a7986d3").
func HvsockServiceID(port uint32) (string, error) {
	return callForString(func(out **C.char, errp **C.hvsup_error) C.hvsup_status {
		return C.hvsup_hvsock_port_to_service_id(out, C.uint32_t(port), errp)
	})
}

// HvsockServicePort returns the vsock port a service id stands for (ErrInvalidArgument for
// other GUIDs).
func HvsockServicePort(serviceID string) (uint32, error) {
	cid := C.CString(serviceID)
	defer freeC(cid)
	var port C.uint32_t
	err := call(func(errp **C.hvsup_error) C.hvsup_status { return C.hvsup_hvsock_service_id_to_port(&port, cid, errp) })
	return uint32(port), err
}

// HvsockListeners is a running set of host listeners for one VM.
type HvsockListeners struct {
	mu     sync.RWMutex
	handle *C.hvsup_hvsock_listeners
	log    cgo.Handle
}

// StartHvsockListeners binds every listener of spec for VM vmID and starts serving them.
func StartHvsockListeners(vmID string, spec HvsockListenerSpec, opts HvsockListenersOptions) (*HvsockListeners, error) {
	body, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	var copts C.hvsup_hvsock_listeners_options
	if st := C.hvsup_hvsock_listeners_options_init(&copts, C.HVSUP_HVSOCK_LISTENERS_OPTIONS_VERSION); st != C.HVSUP_OK {
		return nil, &Error{Code: Status(st), Message: "hvsup_hvsock_listeners_options_init failed"}
	}
	dir := cString(opts.EmulationDir)
	defer freeC(dir)
	copts.emulation_dir = dir
	l := &HvsockListeners{}
	if opts.Log != nil {
		l.log = cgo.NewHandle(opts.Log)
		copts.log_callback = C.hvsup_go_hvsock_log_callback()
		copts.log_user = C.hvsup_go_hvsock_user(C.uintptr_t(l.log))
	}
	cvm, cspec := C.CString(vmID), C.CString(string(body))
	defer freeC(cvm)
	defer freeC(cspec)
	err = call(func(errp **C.hvsup_error) C.hvsup_status {
		return C.hvsup_hvsock_listeners_create(&l.handle, cvm, cspec, &copts, errp)
	})
	if err != nil {
		if l.log != 0 {
			l.log.Delete()
		}
		return nil, err
	}
	runtime.SetFinalizer(l, (*HvsockListeners).Close)
	return l, nil
}

// WaitResult waits up to timeout (0 polls; rounded down to milliseconds) for the result sink.
func (l *HvsockListeners) WaitResult(timeout time.Duration) (HvsockResultState, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	var state C.uint32_t
	err := call(func(errp **C.hvsup_error) C.hvsup_status {
		return C.hvsup_hvsock_listeners_await_result(&state, l.handle, C.uint32_t(timeout.Milliseconds()), errp)
	})
	return HvsockResultState(state), err
}

// Stop stops every listener; idempotent. The log function is not called after it returns.
func (l *HvsockListeners) Stop() error {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return call(func(errp **C.hvsup_error) C.hvsup_status { return C.hvsup_hvsock_listeners_stop(l.handle, errp) })
}

// Close stops and frees the set. Idempotent.
func (l *HvsockListeners) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.handle == nil {
		return nil
	}
	C.hvsup_hvsock_listeners_free(l.handle)
	l.handle = nil
	if l.log != 0 {
		l.log.Delete()
		l.log = 0
	}
	runtime.SetFinalizer(l, nil)
	return nil
}
