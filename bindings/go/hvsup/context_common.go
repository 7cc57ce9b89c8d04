// SPDX-License-Identifier: MIT
package hvsup

import (
	"context"
	"encoding/json"
	"time"
)

// Options configure a Context: one field per hvsup_context_options field (version is filled
// in; log_callback and log_user are Log).
type Options struct {
	Flags      uint32  // flags: reserved, must be 0 (anything else is ErrInvalidArgument)
	StateDir   string  // default_state_dir: used when a request has no config.stateDir
	HCSLibrary string  // hcs_library: explicit HCS provider library (e.g. a simulator)
	HCNLibrary string  // hcn_library: explicit HCN provider library
	Log        LogFunc // log_callback + log_user; optional; kept alive until Close
	// HCSAPI (hcs_api) forces "computecore" or "vmcompute"; BootMode (boot_mode) is
	// "auto" (default: per host, see doctor), "kernel-direct" or "uefi-vmbfs"; ListenerHelper is the
	// hvsock-listener path (default: beside the executable).
	HCSAPI, BootMode, ListenerHelper string
	// StopGrace (stop_grace_ms): how long stop/halt wait for the guest before terminating;
	// UnregisterWait (unregister_wait_ms): how long a terminated system gets to disappear.
	// 0 means the library defaults (15 s, 120 s); whole milliseconds, at most 2^32-1 ms.
	StopGrace, UnregisterWait time.Duration
	// CLIPath is the hvsup-cli that a build without cgo executes (default $HVSUP_CLI, then
	// hvsup-cli beside the executable or on PATH; see the package documentation). Ignored with cgo.
	CLIPath string
}

// DoctorOptions select the checks' inputs and the output format (hvsup_doctor_options).
type DoctorOptions struct {
	KernelPath    string // default ~/.microagent/kernels/windows-hyperv/<arch>/Image
	GuestInitPath string // default ~/.microagent/libexec/microagent-guestinit-<arch>
	Text          bool   // the text summary instead of JSON
}

// DoctorReport is what hvsup_context_doctor produced. For JSON, Response and Checks are decoded.
type DoctorReport struct {
	Response
	Checks []DoctorCheck `json:"checks"`
	// Ready is the C `ok` out-parameter: every required check passed.
	Ready bool `json:"-"`
	// Text is the raw report (JSON or text).
	Text string `json:"-"`
}

// Supervise runs one request. A document with "ok": false is returned with a nil error (see
// Response.Err); an error means no document was produced.
func (c *Context) Supervise(ctx context.Context, req Request) (Response, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return Response{}, err
	}
	text, err := c.SuperviseJSON(ctx, body)
	if err != nil {
		return Response{}, err
	}
	var resp Response
	if err := json.Unmarshal(text, &resp); err != nil {
		return Response{}, err
	}
	return resp, nil
}
