// SPDX-License-Identifier: MIT

//go:build cgo

package hvsup

/*
#include <stdint.h>
#include "hvsup/hcs.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"errors"
	"runtime"
	"sync"
	"time"
)

// HCS is a loaded HCS API (hvsup_hcs). It may be used from several goroutines.
type HCS struct {
	mu     sync.RWMutex
	handle *C.hvsup_hcs
}

var hcsAPIs = map[string]C.uint32_t{"": C.HVSUP_HCS_API_AUTO, "auto": C.HVSUP_HCS_API_AUTO,
	"computecore": C.HVSUP_HCS_API_COMPUTECORE, "vmcompute": C.HVSUP_HCS_API_VMCOMPUTE}

// OpenHCS loads the HCS API.
func OpenHCS(opts HCSOptions) (*HCS, error) {
	var copts C.hvsup_hcs_options
	if st := C.hvsup_hcs_options_init(&copts, C.HVSUP_HCS_OPTIONS_VERSION); st != C.HVSUP_OK {
		return nil, &Error{Code: Status(st), Message: "hvsup_hcs_options_init failed"}
	}
	api, ok := hcsAPIs[opts.API]
	if !ok {
		return nil, &Error{Code: StatusInvalidArgument, Message: "unknown HCS API " + opts.API}
	}
	copts.api = api
	path := cString(opts.LibraryPath)
	defer freeC(path)
	copts.library_path = path
	h := &HCS{}
	if err := call(func(errp **C.hvsup_error) C.hvsup_status { return C.hvsup_hcs_open(&h.handle, &copts, errp) }); err != nil {
		return nil, err
	}
	runtime.SetFinalizer(h, (*HCS).Close)
	return h, nil
}

// Close frees the API object (close its systems first). Idempotent.
func (h *HCS) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.handle != nil {
		C.hvsup_hcs_free(h.handle)
		h.handle = nil
		runtime.SetFinalizer(h, nil)
	}
	return nil
}

func (h *HCS) with(fn func(*C.hvsup_hcs) error) error {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return fn(h.handle)
}

// DLL is "computecore.dll" or "vmcompute.dll".
func (h *HCS) DLL() string {
	var dll string
	h.with(func(p *C.hvsup_hcs) error { dll = C.GoString(C.hvsup_hcs_dll(p)); return nil })
	return dll
}

// ProbeAccess returns nil when the current user may use HCS.
func (h *HCS) ProbeAccess(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return h.with(func(p *C.hvsup_hcs) error {
		return call(func(errp **C.hvsup_error) C.hvsup_status { return C.hvsup_hcs_probe_access(p, errp) })
	})
}

// SchemaVersion is the host's highest supported schema version.
func (h *HCS) SchemaVersion() (major, minor uint32, err error) {
	var cmaj, cmin C.uint32_t
	err = h.with(func(p *C.hvsup_hcs) error {
		return call(func(errp **C.hvsup_error) C.hvsup_status {
			return C.hvsup_hcs_query_schema_version(&cmaj, &cmin, p, errp)
		})
	})
	return uint32(cmaj), uint32(cmin), err
}

// GrantVMAccess lets VM vmID (its RuntimeId) open path.
func (h *HCS) GrantVMAccess(ctx context.Context, vmID, path string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	cvm, cpath := C.CString(vmID), C.CString(path)
	defer freeC(cvm)
	defer freeC(cpath)
	return h.with(func(p *C.hvsup_hcs) error {
		return call(func(errp **C.hvsup_error) C.hvsup_status { return C.hvsup_hcs_grant_vm_access(p, cvm, cpath, errp) })
	})
}

// timeout is the C timeout for a call under ctx: the time left until ctx's deadline (at least
// 1 ms), or the library default (HVSUP_HCS_TIMEOUT_DEFAULT) when ctx has no deadline.
func timeout(ctx context.Context) C.uint32_t {
	deadline, ok := ctx.Deadline()
	if !ok {
		return C.HVSUP_HCS_TIMEOUT_DEFAULT
	}
	left := time.Until(deadline).Milliseconds()
	switch {
	case left < 1:
		return 1
	case left >= int64(C.HVSUP_HCS_TIMEOUT_INFINITE):
		return C.HVSUP_HCS_TIMEOUT_INFINITE - 1
	}
	return C.uint32_t(left)
}

// withCause records ctx's error on a failed call's *Error once ctx is done (its deadline
// was the call's timeout), so errors.Is(err, context.DeadlineExceeded) holds.
func withCause(ctx context.Context, err error) error {
	var herr *Error
	if err != nil && ctx.Err() != nil && errors.As(err, &herr) && herr.Cause == nil {
		herr.Cause = ctx.Err()
	}
	return err
}

// CreateSystem creates compute system id from document (ErrConflict when it exists).
// ctx's deadline is the operation's timeout (none: the library default).
func (h *HCS) CreateSystem(ctx context.Context, id string, document json.RawMessage) (*HCSSystem, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cid, cdoc := C.CString(id), C.CString(string(document))
	defer freeC(cid)
	defer freeC(cdoc)
	s := &HCSSystem{}
	err := h.with(func(p *C.hvsup_hcs) error {
		return call(func(errp **C.hvsup_error) C.hvsup_status {
			return C.hvsup_hcs_create_system(&s.handle, p, cid, cdoc, timeout(ctx), errp)
		})
	})
	if err != nil {
		return nil, withCause(ctx, err)
	}
	runtime.SetFinalizer(s, (*HCSSystem).Close)
	return s, nil
}

// OpenSystem opens compute system id (ErrNotFound when it does not exist).
func (h *HCS) OpenSystem(ctx context.Context, id string) (*HCSSystem, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cid := C.CString(id)
	defer freeC(cid)
	s := &HCSSystem{}
	err := h.with(func(p *C.hvsup_hcs) error {
		return call(func(errp **C.hvsup_error) C.hvsup_status { return C.hvsup_hcs_open_system(&s.handle, p, cid, errp) })
	})
	if err != nil {
		return nil, err
	}
	runtime.SetFinalizer(s, (*HCSSystem).Close)
	return s, nil
}

// BuildHCSDocument returns the compute-system document for a supervisor request. Pure.
func BuildHCSDocument(req Request, opts HCSDocumentOptions) (json.RawMessage, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	var copts C.hvsup_hcs_document_options
	if st := C.hvsup_hcs_document_options_init(&copts, C.HVSUP_HCS_DOCUMENT_OPTIONS_VERSION); st != C.HVSUP_OK {
		return nil, &Error{Code: Status(st), Message: "hvsup_hcs_document_options_init failed"}
	}
	endpoint := cString(opts.EndpointID)
	defer freeC(endpoint)
	copts.endpoint_id = endpoint
	if opts.UEFIVmbFS {
		copts.boot = C.HVSUP_HCS_BOOT_UEFI_VMBFS
	}
	copts.schema_major, copts.schema_minor = C.uint32_t(opts.SchemaMajor), C.uint32_t(opts.SchemaMinor)
	creq := C.CString(string(body))
	defer freeC(creq)
	text, err := callForString(func(out **C.char, errp **C.hvsup_error) C.hvsup_status {
		return C.hvsup_hcs_build_document(out, creq, &copts, errp)
	})
	if err != nil {
		return nil, err
	}
	return json.RawMessage(text), nil
}

// HCSSystem is an open compute system; Close keeps the system itself. One goroutine at a
// time, except that Wait may block while another goroutine calls Shutdown or Terminate.
type HCSSystem struct {
	mu     sync.RWMutex
	handle *C.hvsup_hcs_system
}

func (s *HCSSystem) with(fn func(*C.hvsup_hcs_system) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return fn(s.handle)
}

// Start starts the system. ctx's deadline is the timeout.
func (s *HCSSystem) Start(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return withCause(ctx, s.with(func(p *C.hvsup_hcs_system) error {
		return call(func(errp **C.hvsup_error) C.hvsup_status { return C.hvsup_hcs_system_start(p, timeout(ctx), errp) })
	}))
}

// Shutdown asks the guest to shut down; it does not wait for the exit. ctx's deadline is the timeout.
func (s *HCSSystem) Shutdown(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return withCause(ctx, s.with(func(p *C.hvsup_hcs_system) error {
		return call(func(errp **C.hvsup_error) C.hvsup_status {
			return C.hvsup_hcs_system_shutdown(p, timeout(ctx), errp)
		})
	}))
}

// Terminate terminates the system; a stopped or vanished system is success. ctx's deadline is the timeout.
func (s *HCSSystem) Terminate(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return withCause(ctx, s.with(func(p *C.hvsup_hcs_system) error {
		return call(func(errp **C.hvsup_error) C.hvsup_status {
			return C.hvsup_hcs_system_terminate(p, timeout(ctx), errp)
		})
	}))
}

// waitSlice bounds one C wait, so a done ctx ends Wait within about this long.
const waitSlice = 100 * time.Millisecond

// Wait waits for the system to exit, until ctx is done: then exited is false and err is
// ctx.Err() (a context without deadline or cancel waits without limit).
func (s *HCSSystem) Wait(ctx context.Context) (exit HCSExit, exited bool, err error) {
	var cexited C.int32_t
	var text string
	for cexited == 0 {
		if err := ctx.Err(); err != nil {
			return HCSExit{}, false, err
		}
		slice := C.uint32_t(waitSlice.Milliseconds())
		if left := timeout(ctx); left != C.HVSUP_HCS_TIMEOUT_DEFAULT && left < slice {
			slice = left
		}
		err = s.with(func(p *C.hvsup_hcs_system) error {
			var err error
			text, err = callForString(func(out **C.char, errp **C.hvsup_error) C.hvsup_status {
				return C.hvsup_hcs_system_await_exit(&cexited, out, p, slice, errp)
			})
			return err
		})
		if err != nil {
			return HCSExit{}, false, err
		}
	}
	if text != "" {
		if err := json.Unmarshal([]byte(text), &exit); err != nil {
			return HCSExit{}, true, err
		}
	}
	return exit, true, nil
}

// Properties returns the properties document as HCS reports it (Id, State, RuntimeId, ...).
func (s *HCSSystem) Properties(ctx context.Context) (json.RawMessage, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var text string
	err := s.with(func(p *C.hvsup_hcs_system) error {
		var err error
		text, err = callForString(func(out **C.char, errp **C.hvsup_error) C.hvsup_status {
			return C.hvsup_hcs_system_query_properties(out, p, errp)
		})
		return err
	})
	return json.RawMessage(text), err
}

// Close closes the handle; the compute system itself stays. Idempotent.
func (s *HCSSystem) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.handle != nil {
		C.hvsup_hcs_system_close(s.handle)
		s.handle = nil
		runtime.SetFinalizer(s, nil)
	}
	return nil
}
