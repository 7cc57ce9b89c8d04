// SPDX-License-Identifier: MIT

//go:build cgo

package hvsup

/*
#include <stdint.h>
#include "hvsup/hvsup.h"

extern void hvsupGoLog(hvsup_log_level level, char* message, void* user);
static hvsup_log_callback hvsup_go_log_callback(void) { return (hvsup_log_callback)hvsupGoLog; }
static void* hvsup_go_user(uintptr_t handle) { return (void*)handle; }
*/
import "C"

import (
	"context"
	"encoding/json"
	"errors"
	"runtime"
	"runtime/cgo"
	"sync"
	"time"
)

// cMillis converts an Options duration to the C field (0 = default).
func cMillis(name string, d time.Duration) (C.uint32_t, error) {
	ms := d.Milliseconds()
	if d < 0 || ms > 0xFFFFFFFF || (d > 0 && ms == 0) {
		return 0, &Error{Code: StatusInvalidArgument, Message: "hvsup: " + name + " must be 0 or 1 ms to 2^32-1 ms, got " + d.String()}
	}
	return C.uint32_t(ms), nil
}

// Context is a supervisor context. It may be used from several goroutines; Close waits for
// calls in flight. Calls after Close fail with ErrInvalidArgument (a NULL context).
type Context struct {
	mu     sync.RWMutex
	handle *C.hvsup_context
	log    cgo.Handle
}

// NewContext creates a context.
func NewContext(opts Options) (*Context, error) {
	var copts C.hvsup_context_options
	if st := C.hvsup_context_options_init(&copts, C.HVSUP_CONTEXT_OPTIONS_VERSION); st != C.HVSUP_OK {
		return nil, &Error{Code: Status(st), Message: "hvsup_context_options_init failed"}
	}
	grace, err := cMillis("StopGrace", opts.StopGrace)
	if err != nil {
		return nil, err
	}
	unregister, err := cMillis("UnregisterWait", opts.UnregisterWait)
	if err != nil {
		return nil, err
	}
	copts.flags, copts.stop_grace_ms, copts.unregister_wait_ms = C.uint32_t(opts.Flags), grace, unregister
	stateDir, hcs, hcn := cString(opts.StateDir), cString(opts.HCSLibrary), cString(opts.HCNLibrary)
	defer freeC(stateDir)
	defer freeC(hcs)
	defer freeC(hcn)
	copts.default_state_dir, copts.hcs_library, copts.hcn_library = stateDir, hcs, hcn
	api, boot, helper := cString(opts.HCSAPI), cString(opts.BootMode), cString(opts.ListenerHelper)
	defer freeC(api)
	defer freeC(boot)
	defer freeC(helper)
	copts.hcs_api, copts.boot_mode, copts.listener_helper = api, boot, helper
	c := &Context{}
	if opts.Log != nil {
		c.log = cgo.NewHandle(opts.Log)
		copts.log_callback = C.hvsup_go_log_callback()
		copts.log_user = C.hvsup_go_user(C.uintptr_t(c.log))
	}
	err = call(func(errp **C.hvsup_error) C.hvsup_status { return C.hvsup_context_create(&c.handle, &copts, errp) })
	if err != nil {
		if c.log != 0 {
			c.log.Delete()
		}
		return nil, err
	}
	runtime.SetFinalizer(c, (*Context).Close)
	return c, nil
}

// Close frees the context. Idempotent.
func (c *Context) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.handle == nil {
		return nil
	}
	C.hvsup_context_free(c.handle)
	c.handle = nil
	if c.log != 0 {
		c.log.Delete()
		c.log = 0
	}
	runtime.SetFinalizer(c, nil)
	return nil
}

// with runs fn with the context handle (nil after Close) held against Close.
func (c *Context) with(fn func(h *C.hvsup_context) error) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return fn(c.handle)
}

// SuperviseJSON runs one request given as JSON text and returns the response JSON text.
//
// ctx is honoured during the call: when it is done, the call's waits (run's result and exit
// waits, stop's grace and unregister waits) end within about 100 ms and the error is an
// *Error with StatusCancelled whose Cause is ctx.Err(), so both errors.Is(err,
// context.Canceled) (or context.DeadlineExceeded) and errors.As(err, &*hvsup.Error) hold. A
// cancelled run is cleaned up and recorded as failed (docs/c-api.md, "Cancellation").
// Cancellation is per C context: it also cancels other calls in flight on this Context.
func (c *Context) SuperviseJSON(ctx context.Context, request []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	creq := C.CString(string(request))
	defer freeC(creq)
	var text string
	err := c.with(func(h *C.hvsup_context) error {
		stop := watchCancel(ctx, h)
		defer stop()
		var err error
		text, err = callForString(func(out **C.char, errp **C.hvsup_error) C.hvsup_status {
			return C.hvsup_context_supervise(out, h, creq, errp)
		})
		return err
	})
	if err != nil {
		var herr *Error
		if errors.As(err, &herr) && herr.Code == StatusCancelled && ctx.Err() != nil {
			herr.Cause = ctx.Err()
		}
		return nil, err
	}
	return []byte(text), nil
}

// watchCancel calls hvsup_context_cancel(h) once ctx is done, and again every 50 ms until stop
// is called (a cancel that lands before the C call has started would otherwise be lost: the C
// cancel only reaches calls already in flight). stop returns once the watcher has ended, so
// no cancel reaches h after the caller's call returned.
func watchCancel(ctx context.Context, h *C.hvsup_context) (stop func()) {
	if h == nil || ctx.Done() == nil {
		return func() {}
	}
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		select {
		case <-done:
			return
		case <-ctx.Done():
		}
		ticker := time.NewTicker(50 * time.Millisecond)
		defer ticker.Stop()
		for {
			C.hvsup_context_cancel(h)
			select {
			case <-done:
				return
			case <-ticker.C:
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// Cancel cancels the calls in flight on this context (hvsup_context_cancel): they return an
// *Error with StatusCancelled (errors.Is(err, ErrCancelled)). Calls that start later are not
// affected. Safe from any goroutine; a no-op after Close.
func (c *Context) Cancel() error {
	return c.with(func(h *C.hvsup_context) error {
		if h == nil {
			return nil
		}
		if st := C.hvsup_context_cancel(h); st != C.HVSUP_OK {
			return &Error{Code: Status(st), Message: "hvsup_context_cancel failed"}
		}
		return nil
	})
}

// Plan is a dry run (hvsup_context_plan): what a start/run request would create, touching nothing.
// A request that fails validation gives an *Error with ErrInvalidArgument.
func (c *Context) Plan(ctx context.Context, req Request) (json.RawMessage, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	creq := C.CString(string(body))
	defer freeC(creq)
	var text string
	err = c.with(func(h *C.hvsup_context) error {
		var err error
		text, err = callForString(func(out **C.char, errp **C.hvsup_error) C.hvsup_status {
			return C.hvsup_context_plan(out, h, creq, errp)
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return json.RawMessage(text), nil
}

// Doctor checks the host.
func (c *Context) Doctor(ctx context.Context, opts DoctorOptions) (DoctorReport, error) {
	if err := ctx.Err(); err != nil {
		return DoctorReport{}, err
	}
	var copts C.hvsup_doctor_options
	if st := C.hvsup_doctor_options_init(&copts, C.HVSUP_DOCTOR_OPTIONS_VERSION); st != C.HVSUP_OK {
		return DoctorReport{}, &Error{Code: Status(st), Message: "hvsup_doctor_options_init failed"}
	}
	kernel, guestInit := cString(opts.KernelPath), cString(opts.GuestInitPath)
	defer freeC(kernel)
	defer freeC(guestInit)
	copts.kernel_path, copts.guest_init_path = kernel, guestInit
	if opts.Text {
		copts.format = C.HVSUP_DOCTOR_FORMAT_TEXT
	}
	var ok C.int32_t
	var text string
	err := c.with(func(h *C.hvsup_context) error {
		var err error
		text, err = callForString(func(out **C.char, errp **C.hvsup_error) C.hvsup_status {
			return C.hvsup_context_doctor(out, &ok, h, &copts, errp)
		})
		return err
	})
	if err != nil {
		return DoctorReport{}, err
	}
	report := DoctorReport{Ready: ok == 1, Text: text}
	if !opts.Text {
		if err := json.Unmarshal([]byte(text), &report); err != nil {
			return DoctorReport{}, err
		}
	}
	return report, nil
}
