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
	"runtime/cgo"
	"strconv"
)

// ImageSize is a size in bytes ("67108864") or with a unit ("512M"); digits-only values are
// sent as JSON numbers.
type ImageSize string

func (s ImageSize) MarshalJSON() ([]byte, error) {
	if n, err := strconv.ParseUint(string(s), 10, 64); err == nil {
		return []byte(strconv.FormatUint(n, 10)), nil
	}
	return json.Marshal(string(s))
}

// ImageRequest is the request of hvsup_image_build (see include/hvsup/image.h).
type ImageRequest struct {
	FromDir          string    `json:"fromDir,omitempty"`
	FromTar          string    `json:"fromTar,omitempty"`
	FromOci          string    `json:"fromOci,omitempty"`
	Empty            bool      `json:"empty,omitempty"`
	Output           string    `json:"output"`
	Size             ImageSize `json:"size,omitempty"`
	Free             ImageSize `json:"free,omitempty"`
	Label            string    `json:"label,omitempty"`
	UUID             string    `json:"uuid,omitempty"`
	Timestamp        int64     `json:"timestamp,omitempty"`
	Raw              bool      `json:"raw,omitempty"`
	MetadataCsum     bool      `json:"metadataCsum,omitempty"`
	Bit64            bool      `json:"bit64,omitempty"`
	Journal          *bool     `json:"journal,omitempty"`
	Overlay          bool      `json:"overlay,omitempty"`
	Platform         string    `json:"platform,omitempty"` // OCI manifest: "os/arch[/variant]"
	Ref              string    `json:"ref,omitempty"`      // OCI manifest: ref name
	ConvertBackslash bool      `json:"convertBackslash,omitempty"`
}

// BuildImage builds an image and returns the library's summary document. progress (optional)
// runs on the calling goroutine; returning false cancels, and so does ctx being done (the
// error is then ctx.Err()). A cancelled or failed build leaves nothing behind.
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
	cancelled := false
	handle := cgo.NewHandle(ImageProgress(func(written, entries uint64) bool {
		proceed := progress == nil || progress(written, entries)
		if ctx.Err() != nil {
			cancelled = true
			return false
		}
		return proceed
	}))
	defer handle.Delete()
	copts.progress = C.hvsup_go_image_progress()
	copts.progress_user = C.hvsup_go_image_user(C.uintptr_t(handle))
	creq := C.CString(string(body))
	defer freeC(creq)
	text, err := callForString(func(out **C.char, errp **C.hvsup_error) C.hvsup_status {
		return C.hvsup_image_build(creq, &copts, out, errp)
	})
	if err != nil {
		if cancelled {
			return nil, ctx.Err()
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
		return C.hvsup_image_inspect(cpath, out, errp)
	})
	return json.RawMessage(text), err
}

// VerifyImageFooter verifies the fixed-VHD footer of path; ErrIntegrity with the reason when
// it is not valid.
func VerifyImageFooter(path string) (json.RawMessage, error) {
	cpath := C.CString(path)
	defer freeC(cpath)
	text, err := callForString(func(out **C.char, errp **C.hvsup_error) C.hvsup_status {
		return C.hvsup_image_footer_verify(cpath, out, errp)
	})
	return json.RawMessage(text), err
}
