// SPDX-License-Identifier: MIT
package hvsup

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"
)

// Status mirrors hvsup_status. A Status is itself an error, so each code doubles as the
// sentinel that errors.Is matches: errors.Is(err, hvsup.ErrNotFound).
type Status int32

const (
	StatusOK              Status = 0
	StatusError           Status = -1
	StatusInvalidArgument Status = -2
	StatusUnsupported     Status = -3
	StatusNotFound        Status = -4
	StatusConflict        Status = -5
	StatusIO              Status = -6
	StatusHost            Status = -7
	StatusIntegrity       Status = -8
	StatusTooLarge        Status = -9
	StatusNoMemory        Status = -10
	StatusCancelled       Status = -11 // Context.Cancel or a done context.Context interrupted the call
)

// Sentinels, one per failure code.
var (
	ErrGeneric         error = StatusError
	ErrInvalidArgument error = StatusInvalidArgument
	ErrUnsupported     error = StatusUnsupported
	ErrNotFound        error = StatusNotFound
	ErrConflict        error = StatusConflict
	ErrIO              error = StatusIO
	ErrHost            error = StatusHost
	ErrIntegrity       error = StatusIntegrity
	ErrTooLarge        error = StatusTooLarge
	ErrNoMemory        error = StatusNoMemory
	ErrCancelled       error = StatusCancelled
)

var statusNames = map[Status]string{
	StatusOK: "OK", StatusError: "ERROR", StatusInvalidArgument: "INVALID_ARGUMENT",
	StatusUnsupported: "UNSUPPORTED", StatusNotFound: "NOT_FOUND", StatusConflict: "CONFLICT",
	StatusIO: "IO", StatusHost: "HOST", StatusIntegrity: "INTEGRITY", StatusTooLarge: "TOO_LARGE",
	StatusNoMemory: "NO_MEMORY", StatusCancelled: "CANCELLED",
}

// String is the code's name as in the header without the HVSUP_E_ prefix; UNKNOWN_<n> for
// codes newer than these bindings.
func (s Status) String() string {
	if name, ok := statusNames[s]; ok {
		return name
	}
	return fmt.Sprintf("UNKNOWN_%d", -int32(s))
}

func (s Status) Error() string { return "hvsup: " + s.String() }

// Error is a failed libhvsup call: the contents of its hvsup_error object.
type Error struct {
	Code       Status
	Message    string
	Operation  string // "" when none applies
	HResult    int32  // HCS/HCN HRESULT, or 0
	SystemCode int32  // errno / GetLastError(), or 0
	// Cause is the context.Context's error (context.Canceled or context.DeadlineExceeded)
	// when that context cancelled the call (Code is then StatusCancelled); errors.Is sees it.
	Cause error
}

func (e *Error) Error() string {
	text := "hvsup: " + e.Code.String()
	if e.Message != "" {
		text += ": " + e.Message
	}
	if e.Operation != "" {
		text += " (operation " + e.Operation + ")"
	}
	if e.HResult != 0 {
		text += fmt.Sprintf(" (HRESULT 0x%08X)", uint32(e.HResult))
	}
	if e.SystemCode != 0 {
		text += fmt.Sprintf(" (system error %d)", e.SystemCode)
	}
	return text
}

// Unwrap exposes the code, so errors.Is(err, hvsup.ErrNotFound) works.
func (e *Error) Unwrap() error { return e.Code }

// Is matches the Cause as well: errors.Is(err, context.DeadlineExceeded) holds for a call that
// a context deadline cancelled. It also speaks the standard library's file errors: a missing
// file or object (ErrNotFound, or the system error ENOENT / ERROR_FILE_NOT_FOUND) is
// fs.ErrNotExist (= os.ErrNotExist), and a system error matches what syscall.Errno matches
// (fs.ErrPermission, fs.ErrExist, ...).
func (e *Error) Is(target error) bool {
	if e.Cause != nil && errors.Is(e.Cause, target) {
		return true
	}
	if target == fs.ErrNotExist && e.Code == StatusNotFound {
		return true
	}
	return e.SystemCode > 0 && syscall.Errno(e.SystemCode).Is(target)
}

// ResponseError is Response.Err() for a document with "ok": false.
type ResponseError struct {
	Message string
}

func (e *ResponseError) Error() string {
	if e.Message == "" {
		return "hvsup: response not ok"
	}
	return "hvsup: " + e.Message
}
