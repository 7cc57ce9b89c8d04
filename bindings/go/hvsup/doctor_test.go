// SPDX-License-Identifier: MIT

//go:build cgo

package hvsup_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hvsup/hvsup/bindings/go/hvsup"
)

func TestHostWithoutHCS(t *testing.T) {
	c := newContext(t, hvsup.Options{})
	resp := supervise(t, c, hvsup.Request{Command: "host"})
	if resp.OK || resp.Error != "windows-hyperv supervisor is only supported on windows" {
		t.Fatalf("host: %+v", resp)
	}
	if resp.Host == nil || resp.Host.FrameworkAvailable || resp.Host.VirtualizationSupported ||
		resp.Kernel == nil || resp.Kernel.Backend != "windows-hyperv" {
		t.Fatalf("host support: %+v %+v", resp.Host, resp.Kernel)
	}
}

func TestDoctorJSON(t *testing.T) {
	dir := t.TempDir()
	kernel := filepath.Join(dir, "Image")
	if err := os.WriteFile(kernel, []byte("kernel"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing-init")
	c := newContext(t, hvsup.Options{})
	report, err := c.Doctor(bg, hvsup.DoctorOptions{KernelPath: kernel, GuestInitPath: missing})
	if err != nil {
		t.Fatal(err)
	}
	if report.Ready || report.OK {
		t.Fatalf("doctor ready on a host without HCS: %+v", report)
	}
	checks := map[string]hvsup.DoctorCheck{}
	for _, ch := range report.Checks {
		checks[ch.Name] = ch
	}
	if ch := checks["hcs"]; ch.OK || !ch.Required {
		t.Fatalf("hcs check: %+v", ch)
	}
	if !checks["kernel"].OK || report.Kernel.Status != "present" || report.Kernel.Path != kernel {
		t.Fatalf("kernel: %+v %+v", checks["kernel"], report.Kernel)
	}
	if ch := checks["guest init"]; ch.OK || !strings.Contains(ch.Detail, missing) || report.Host.GuestInitPath != missing {
		t.Fatalf("guest init: %+v", ch)
	}
	if !strings.HasPrefix(report.Text, "{\n") {
		t.Fatalf("raw text: %q", report.Text)
	}
}

func TestDoctorText(t *testing.T) {
	dir := t.TempDir()
	c := newContext(t, hvsup.Options{})
	report, err := c.Doctor(bg, hvsup.DoctorOptions{KernelPath: filepath.Join(dir, "none"), Text: true})
	if err != nil {
		t.Fatal(err)
	}
	if report.Ready || report.Checks != nil {
		t.Fatalf("text report: %+v", report)
	}
	if !strings.HasPrefix(report.Text, "Backend:    windows-hyperv\nStatus:     not ready\n") ||
		!strings.Contains(report.Text, "Kernel:     unavailable ("+filepath.Join(dir, "none")+")") {
		t.Fatalf("text: %q", report.Text)
	}
}
