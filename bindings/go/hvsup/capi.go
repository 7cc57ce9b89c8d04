// SPDX-License-Identifier: MIT

//go:build cgo

// This file is the ONE place that declares the C side: the headers the package includes and
// the C ABI types, plus the two paths every call goes through:
//   - call: runs a C function that takes a trailing hvsup_error** and maps a failure status to
//     an *Error (freeing the error object);
//   - callForString: the same for functions returning a library string through char** out;
//     the string is always copied into Go memory and freed with hvsup_string_free.
//
// The compiler and linker flags come from pkg-config (hvsup.pc of an installed libhvsup; see
// doc.go). Adding a primitive from a new header: add its #include below (e.g. "hvsup/image.h"), then
// write a thin Go method that calls it through call/callForString; options structs are filled
// from Go values with cString (freed with free) right before the call.

package hvsup

/*
#cgo pkg-config: hvsup
#include <stdlib.h>
#include <stdint.h>
#include "hvsup/hvsup.h"

*/
import "C"

import "unsafe"

// AbiVersion is the HVSUP_ABI_VERSION these bindings were written against.
const AbiVersion = 1

// LibraryAbiVersion returns hvsup_abi_version() of the linked library.
func LibraryAbiVersion() uint32 { return uint32(C.hvsup_abi_version()) }

// Version returns hvsup_version_string(), e.g. "0.1.0".
func Version() string { return C.GoString(C.hvsup_version_string()) }

// call runs fn with an error out-parameter and turns a failure status into an *Error.
func call(fn func(errp **C.hvsup_error) C.hvsup_status) error {
	var cerr *C.hvsup_error
	status := fn(&cerr)
	if status < 0 {
		return takeError(status, cerr)
	}
	if cerr != nil { // not expected on success; never leak it
		C.hvsup_error_free(cerr)
	}
	return nil
}

// callForString is call for functions that hand out a library string through `out`.
func callForString(fn func(out **C.char, errp **C.hvsup_error) C.hvsup_status) (string, error) {
	var out *C.char
	err := call(func(errp **C.hvsup_error) C.hvsup_status { return fn(&out, errp) })
	text := takeString(out) // freed even when the call failed after setting it
	return text, err
}

// takeString copies a library string into Go memory and frees it. NULL gives "".
func takeString(s *C.char) string {
	if s == nil {
		return ""
	}
	defer C.hvsup_string_free(s)
	return C.GoString(s)
}

// takeError reads and frees an error object (which may be NULL).
func takeError(status C.hvsup_status, cerr *C.hvsup_error) error {
	if cerr == nil {
		return &Error{Code: Status(status), Message: "libhvsup call failed with " + Status(status).String()}
	}
	defer C.hvsup_error_free(cerr)
	return &Error{
		Code:       Status(C.hvsup_error_code(cerr)),
		Message:    C.GoString(C.hvsup_error_message(cerr)),
		Operation:  C.GoString(C.hvsup_error_operation(cerr)),
		HResult:    int32(C.hvsup_error_hresult(cerr)),
		SystemCode: int32(C.hvsup_error_system_code(cerr)),
	}
}

// cString is C.CString for optional fields: "" becomes NULL. Free the result with freeC.
func cString(s string) *C.char {
	if s == "" {
		return nil
	}
	return C.CString(s)
}

func freeC(s *C.char) {
	if s != nil {
		C.free(unsafe.Pointer(s))
	}
}
