// SPDX-License-Identifier: MIT

//go:build cgo

package hvsup

/*
#include "hvsup/image.h"
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

// hvsupGoLog is the C-callable trampoline; `user` is the cgo.Handle of the LogFunc.
// Callbacks for future primitives (e.g. an image build's progress) follow the same pattern:
// an //export trampoline here, its C declaration and cast in the preamble of the file that
// installs it (see context.go), a cgo.Handle as user.
//
//export hvsupGoLog
func hvsupGoLog(level C.hvsup_log_level, message *C.char, user unsafe.Pointer) {
	fn, ok := cgo.Handle(uintptr(user)).Value().(LogFunc)
	if !ok || fn == nil {
		return
	}
	fn(LogLevel(level), C.GoString(message))
}

// hvsupGoImageProgress is the C-callable trampoline of hvsup_image_progress_callback.
//
//export hvsupGoImageProgress
func hvsupGoImageProgress(bytesWritten C.uint64_t, entries C.uint64_t, user unsafe.Pointer) C.int32_t {
	fn, ok := cgo.Handle(uintptr(user)).Value().(ImageProgress)
	if !ok || fn == nil || fn(uint64(bytesWritten), uint64(entries)) {
		return 0
	}
	return 1
}
