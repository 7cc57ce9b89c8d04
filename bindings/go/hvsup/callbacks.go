package hvsup

/*
#include "hvsup/image.h"
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

// LogLevel mirrors hvsup_log_level.
type LogLevel int32

const (
	LogDebug   LogLevel = 0
	LogInfo    LogLevel = 1
	LogWarning LogLevel = 2
	LogError   LogLevel = 3
)

func (l LogLevel) String() string {
	switch l {
	case LogDebug:
		return "debug"
	case LogInfo:
		return "info"
	case LogWarning:
		return "warning"
	case LogError:
		return "error"
	}
	return "unknown"
}

// LogFunc receives library diagnostics. It runs on the thread (goroutine) that made the call
// and must not call back into the context.
type LogFunc func(level LogLevel, message string)

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

// ImageProgress receives an image build's progress (bytes of file data written, source
// entries seen) on the building goroutine; return false to cancel the build.
type ImageProgress func(bytesWritten, entries uint64) bool

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
