package hvsup

/*
#include <stdint.h>
#include "hvsup/hcs.h"
*/
import "C"

import (
	"encoding/json"
	"runtime"
	"sync"
	"time"
)

// HCSOptions are hvsup_hcs_options.
type HCSOptions struct {
	LibraryPath string // explicit provider library (e.g. the simulator); "" = System32
	API         string // "", "auto", "computecore" or "vmcompute"
}

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
func (h *HCS) ProbeAccess() error {
	return h.with(func(p *C.hvsup_hcs) error {
		return call(func(errp **C.hvsup_error) C.hvsup_status { return C.hvsup_hcs_probe_access(p, errp) })
	})
}

// SchemaVersion is the host's highest supported schema version.
func (h *HCS) SchemaVersion() (major, minor uint32, err error) {
	var cmaj, cmin C.uint32_t
	err = h.with(func(p *C.hvsup_hcs) error {
		return call(func(errp **C.hvsup_error) C.hvsup_status { return C.hvsup_hcs_schema_version(p, &cmaj, &cmin, errp) })
	})
	return uint32(cmaj), uint32(cmin), err
}

// GrantVMAccess lets VM vmID (its RuntimeId) open path.
func (h *HCS) GrantVMAccess(vmID, path string) error {
	cvm, cpath := C.CString(vmID), C.CString(path)
	defer freeC(cvm)
	defer freeC(cpath)
	return h.with(func(p *C.hvsup_hcs) error {
		return call(func(errp **C.hvsup_error) C.hvsup_status { return C.hvsup_hcs_grant_vm_access(p, cvm, cpath, errp) })
	})
}

func millis(d time.Duration) C.uint32_t {
	if d < 0 {
		return C.HVSUP_HCS_TIMEOUT_INFINITE
	}
	return C.uint32_t(d.Milliseconds())
}

// CreateSystem creates compute system id from document (ErrConflict when it exists).
// timeout 0 is the library default; negative is infinite.
func (h *HCS) CreateSystem(id string, document json.RawMessage, timeout time.Duration) (*HCSSystem, error) {
	cid, cdoc := C.CString(id), C.CString(string(document))
	defer freeC(cid)
	defer freeC(cdoc)
	s := &HCSSystem{}
	err := h.with(func(p *C.hvsup_hcs) error {
		return call(func(errp **C.hvsup_error) C.hvsup_status {
			return C.hvsup_hcs_system_create(p, cid, cdoc, millis(timeout), &s.handle, errp)
		})
	})
	if err != nil {
		return nil, err
	}
	runtime.SetFinalizer(s, (*HCSSystem).Close)
	return s, nil
}

// OpenSystem opens compute system id (ErrNotFound when it does not exist).
func (h *HCS) OpenSystem(id string) (*HCSSystem, error) {
	cid := C.CString(id)
	defer freeC(cid)
	s := &HCSSystem{}
	err := h.with(func(p *C.hvsup_hcs) error {
		return call(func(errp **C.hvsup_error) C.hvsup_status { return C.hvsup_hcs_system_open(p, cid, &s.handle, errp) })
	})
	if err != nil {
		return nil, err
	}
	runtime.SetFinalizer(s, (*HCSSystem).Close)
	return s, nil
}

// HCSDocumentOptions are hvsup_hcs_document_options.
type HCSDocumentOptions struct {
	EndpointID               string // HCN endpoint GUID; adds NetworkAdapters
	UEFIVmbFS                bool   // Chipset.Uefi boot instead of LinuxKernelDirect
	SchemaMajor, SchemaMinor uint32 // the host's highest schema version (0 = not capped)
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
		return C.hvsup_hcs_document_build(creq, &copts, out, errp)
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

// Start starts the system.
func (s *HCSSystem) Start(timeout time.Duration) error {
	return s.with(func(p *C.hvsup_hcs_system) error {
		return call(func(errp **C.hvsup_error) C.hvsup_status { return C.hvsup_hcs_system_start(p, millis(timeout), errp) })
	})
}

// Shutdown asks the guest to shut down; it does not wait for the exit.
func (s *HCSSystem) Shutdown(timeout time.Duration) error {
	return s.with(func(p *C.hvsup_hcs_system) error {
		return call(func(errp **C.hvsup_error) C.hvsup_status {
			return C.hvsup_hcs_system_shutdown(p, millis(timeout), errp)
		})
	})
}

// Terminate terminates the system; a stopped or vanished system is success.
func (s *HCSSystem) Terminate(timeout time.Duration) error {
	return s.with(func(p *C.hvsup_hcs_system) error {
		return call(func(errp **C.hvsup_error) C.hvsup_status {
			return C.hvsup_hcs_system_terminate(p, millis(timeout), errp)
		})
	})
}

// HCSExit is the exit document of Wait.
type HCSExit struct {
	Status   int32  `json:"Status"`
	ExitType string `json:"ExitType"`
}

// Wait waits for the system to exit: exited is false when the timeout passed first. timeout
// 0 (the library default) and negative values wait without limit.
func (s *HCSSystem) Wait(timeout time.Duration) (exit HCSExit, exited bool, err error) {
	var cexited C.int32_t
	var text string
	err = s.with(func(p *C.hvsup_hcs_system) error {
		var err error
		text, err = callForString(func(out **C.char, errp **C.hvsup_error) C.hvsup_status {
			return C.hvsup_hcs_system_wait(p, millis(timeout), &cexited, out, errp)
		})
		return err
	})
	if err != nil || cexited == 0 {
		return HCSExit{}, false, err
	}
	if text != "" {
		if err := json.Unmarshal([]byte(text), &exit); err != nil {
			return HCSExit{}, true, err
		}
	}
	return exit, true, nil
}

// Properties returns the properties document as HCS reports it (Id, State, RuntimeId, ...).
func (s *HCSSystem) Properties() (json.RawMessage, error) {
	var text string
	err := s.with(func(p *C.hvsup_hcs_system) error {
		var err error
		text, err = callForString(func(out **C.char, errp **C.hvsup_error) C.hvsup_status {
			return C.hvsup_hcs_system_properties(p, out, errp)
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
