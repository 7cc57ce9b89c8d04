// SPDX-License-Identifier: MIT
package hvsup

import (
	"encoding/json"
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

// ImageRequest is the request of hvsup_image_create (see include/hvsup/image.h).
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
	GuestInit        string    `json:"guestInit,omitempty"` // host file installed as /sbin/microagent-init
}
