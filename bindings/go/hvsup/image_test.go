// SPDX-License-Identifier: MIT

//go:build cgo

package hvsup_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hvsup/hvsup/bindings/go/hvsup"
)

const imageUUID = "2b1f1b9e-7c0a-4d7e-9a59-3f1c2d4e5f60"

func e2fsprogs(t *testing.T, name string) string {
	for _, p := range []string{"/sbin/" + name, "/usr/sbin/" + name} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	t.Fatalf("%s is required (Debian e2fsprogs)", name)
	return ""
}

func imageTree(t *testing.T) string {
	src := filepath.Join(t.TempDir(), "src")
	if err := os.MkdirAll(filepath.Join(src, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(src, "etc", "hostname"), []byte("guest\n"), 0o644)
	os.WriteFile(filepath.Join(src, "big.bin"), bytes.Repeat([]byte{1, 2, 3, 4}, 1<<18), 0o644)
	os.Symlink("etc/hostname", filepath.Join(src, "link"))
	return src
}

func TestBuildImagePassesE2fsck(t *testing.T) {
	src := imageTree(t)
	out := filepath.Join(t.TempDir(), "rootfs.vhd")
	var calls [][2]uint64
	summary, err := hvsup.BuildImage(bg, hvsup.ImageRequest{FromDir: src, Output: out, UUID: imageUUID, Timestamp: 1700000000,
		Label: "rootfs"}, func(written, entries uint64) bool {
		calls = append(calls, [2]uint64{written, entries})
		return true
	})
	if err != nil || len(summary) == 0 {
		t.Fatalf("build: %v", err)
	}
	if len(calls) == 0 || calls[len(calls)-1][0] < 1<<20 || calls[len(calls)-1][1] < 4 {
		t.Fatalf("progress: %v", calls)
	}
	for i := 1; i < len(calls); i++ {
		if calls[i][0] < calls[i-1][0] || calls[i][1] < calls[i-1][1] {
			t.Fatalf("progress went backwards: %v", calls)
		}
	}
	if o, err := exec.Command(e2fsprogs(t, "e2fsck"), "-fn", out).CombinedOutput(); err != nil {
		t.Fatalf("e2fsck: %v\n%s", err, o)
	}
	cat, _ := exec.Command(e2fsprogs(t, "debugfs"), "-R", "cat /etc/hostname", out).Output()
	if string(cat) != "guest\n" {
		t.Fatalf("debugfs cat: %q", cat)
	}
	if _, err := hvsup.VerifyImageFooter(out); err != nil {
		t.Fatal(err)
	}
	doc, err := hvsup.InspectImage(out)
	if err != nil || !strings.Contains(string(doc), imageUUID) {
		t.Fatalf("inspect: %s %v", doc, err)
	}
}

// Same request, uuid and timestamp give byte-identical output (an empty volume: a source
// tree's ctimes cannot be pinned).
func TestBuildImageIsDeterministic(t *testing.T) {
	dir := t.TempDir()
	var images [][]byte
	for _, name := range []string{"a.img", "b.img"} {
		out := filepath.Join(dir, name)
		if _, err := hvsup.BuildImage(bg, hvsup.ImageRequest{Empty: true, Size: "8M", Output: out, UUID: imageUUID, Timestamp: 1, Raw: true}, nil); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(out)
		images = append(images, data)
	}
	if !bytes.Equal(images[0], images[1]) {
		t.Fatal("same request, different bytes")
	}
	if _, err := hvsup.VerifyImageFooter(filepath.Join(dir, "a.img")); !errors.Is(err, hvsup.ErrIntegrity) {
		t.Fatalf("raw image footer: %v", err)
	}
}

func TestBuildEmptyVolume(t *testing.T) {
	out := filepath.Join(t.TempDir(), "data.vhd")
	if _, err := hvsup.BuildImage(bg, hvsup.ImageRequest{Empty: true, Output: out, Size: "8M"}, nil); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(out); st.Size() != 8<<20+512 {
		t.Fatalf("size %d", st.Size())
	}
	if o, err := exec.Command(e2fsprogs(t, "e2fsck"), "-fn", out).CombinedOutput(); err != nil {
		t.Fatalf("e2fsck: %v\n%s", err, o)
	}
}

func TestBuildImageCancellation(t *testing.T) {
	src := imageTree(t)
	dir := t.TempDir()
	_, err := hvsup.BuildImage(bg, hvsup.ImageRequest{FromDir: src, Output: filepath.Join(dir, "c.vhd")},
		func(uint64, uint64) bool { return false })
	var herr *hvsup.Error
	if !errors.Is(err, hvsup.ErrCancelled) || !errors.As(err, &herr) || herr.Message == "" {
		t.Fatalf("cancel by progress: %#v", err)
	}
	ctx, cancel := context.WithCancel(bg)
	_, err = hvsup.BuildImage(ctx, hvsup.ImageRequest{FromDir: src, Output: filepath.Join(dir, "d.vhd")},
		func(uint64, uint64) bool { cancel(); return true })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancel by context: %v", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
}

func TestBuildImageErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := hvsup.BuildImage(bg, hvsup.ImageRequest{FromDir: dir}, nil); !errors.Is(err, hvsup.ErrInvalidArgument) {
		t.Fatalf("no output: %v", err)
	}
	big := filepath.Join(dir, "big")
	os.MkdirAll(big, 0o755)
	os.WriteFile(filepath.Join(big, "f"), bytes.Repeat([]byte("x"), 4<<20), 0o644)
	if _, err := hvsup.BuildImage(bg, hvsup.ImageRequest{FromDir: big, Output: filepath.Join(dir, "s.vhd"), Size: "2M"}, nil); !errors.Is(err, hvsup.ErrTooLarge) {
		t.Fatalf("too large: %v", err)
	}
	if _, err := hvsup.InspectImage(filepath.Join(dir, "missing.vhd")); !errors.Is(err, hvsup.ErrNotFound) && !errors.Is(err, hvsup.ErrIO) {
		t.Fatalf("missing: %v", err)
	}
}

func TestPlanIsADryRun(t *testing.T) {
	dir := t.TempDir()
	c := newContext(t, hvsup.Options{})
	req := fullRequest("run", filepath.Join(dir, "state"), "agent-1")
	req.Config.Network = &hvsup.NetworkConfig{Mode: "isolated"}
	plan, err := c.Plan(bg, req)
	if err != nil || !strings.Contains(string(plan), req.Config.RootfsPath) {
		t.Fatalf("plan: %s %v", plan, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "state")); !os.IsNotExist(err) {
		t.Fatal("plan wrote state")
	}
	req.Config.MemoryMiB = -1
	_, err = c.Plan(bg, req)
	var herr *hvsup.Error
	if !errors.As(err, &herr) || herr.Code != hvsup.StatusInvalidArgument || herr.Message != "config.memoryMiB must be positive" {
		t.Fatalf("invalid plan: %v", err)
	}
}
