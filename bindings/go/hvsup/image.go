// SPDX-License-Identifier: MIT

//go:build cgo

package hvsup

/*
#include <stdint.h>
#include "hvsup/image.h"

extern int32_t hvsupGoImageProgress(uint64_t bytes_written, uint64_t entries, void* user);
static hvsup_image_progress_callback hvsup_go_image_progress(void) { return (hvsup_image_progress_callback)hvsupGoImageProgress; }
static void* hvsup_go_image_user(uintptr_t handle) { return (void*)handle; }
*/
import "C"

import (
	"context"
	"encoding/json"
	"errors"
	"runtime/cgo"
)

// BuildImage builds an image and returns the library's summary document. progress (optional)
// runs on the calling goroutine; returning false cancels (an *Error with ErrCancelled), and so
// does ctx being done (the error is then ctx.Err()). A cancelled or failed build leaves nothing behind.
func BuildImage(ctx context.Context, req ImageRequest, progress ImageProgress) (json.RawMessage, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	var copts C.hvsup_image_build_options
	if st := C.hvsup_image_build_options_init(&copts, C.HVSUP_IMAGE_BUILD_OPTIONS_VERSION); st != C.HVSUP_OK {
		return nil, &Error{Code: Status(st), Message: "hvsup_image_build_options_init failed"}
	}
	cancelled, declined := false, false
	handle := cgo.NewHandle(ImageProgress(func(written, entries uint64) bool {
		proceed := progress == nil || progress(written, entries)
		if ctx.Err() != nil {
			cancelled = true
			return false
		}
		declined = !proceed
		return proceed
	}))
	defer handle.Delete()
	copts.progress = C.hvsup_go_image_progress()
	copts.progress_user = C.hvsup_go_image_user(C.uintptr_t(handle))
	creq := C.CString(string(body))
	defer freeC(creq)
	text, err := callForString(func(out **C.char, errp **C.hvsup_error) C.hvsup_status {
		return C.hvsup_image_create(out, creq, &copts, errp)
	})
	if err != nil {
		if cancelled {
			return nil, ctx.Err()
		}
		// The library reports a progress cancellation as HVSUP_E_ERROR (image.h); the caller
		// asked for it, so it is ErrCancelled, the code callers test for a cancellation.
		var herr *Error
		if declined && errors.As(err, &herr) && herr.Code == StatusError {
			herr.Code = StatusCancelled
		}
		return nil, err
	}
	return json.RawMessage(text), nil
}

// InspectImage reads the footer and ext4 superblock of an image (fixed VHD or raw).
func InspectImage(path string) (json.RawMessage, error) {
	cpath := C.CString(path)
	defer freeC(cpath)
	text, err := callForString(func(out **C.char, errp **C.hvsup_error) C.hvsup_status {
		return C.hvsup_image_describe(out, cpath, errp)
	})
	return json.RawMessage(text), err
}

// VerifyImageFooter verifies the fixed-VHD footer of path; ErrIntegrity with the reason when
// it is not valid.
func VerifyImageFooter(path string) (json.RawMessage, error) {
	cpath := C.CString(path)
	defer freeC(cpath)
	text, err := callForString(func(out **C.char, errp **C.hvsup_error) C.hvsup_status {
		return C.hvsup_image_check_footer(out, cpath, errp)
	})
	return json.RawMessage(text), err
}
