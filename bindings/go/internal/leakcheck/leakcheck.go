// SPDX-License-Identifier: MIT

//go:build cgo

// Package leakcheck measures the C heap for the binding tests: glibc's mallinfo2 counts the
// bytes malloc has handed out and not taken back, in every arena. Go's own heap is not malloc,
// so a binding that forgets hvsup_string_free or hvsup_error_free shows up as growth.
// Drop reproduces such a bug on purpose, so tests can show the check fails when it should.
package leakcheck

/*
#cgo pkg-config: hvsup
#include <malloc.h>
#include <stddef.h>
#include "hvsup/hvsup.h"

static size_t hvsup_heap_in_use(void) { struct mallinfo2 m = mallinfo2(); return m.uordblks + m.hblkhd; }

// Leaks one response string and one error object per round, as a careless binding would.
static int hvsup_drop(int rounds)
{
    hvsup_context* ctx = NULL;
    if (hvsup_context_create(&ctx, NULL, NULL) != HVSUP_OK) return -1;
    for (int i = 0; i < rounds; ++i) {
        char* out = NULL;
        hvsup_error* error = NULL;
        hvsup_context_supervise(&out, ctx, "{\"command\": \"host\"}", NULL);
        hvsup_context_supervise(&out, NULL, "{}", &error);
    }
    hvsup_context_free(ctx);
    return 0;
}
*/
import "C"

import (
	"os"
	"strconv"
	"strings"
)

// InUse returns the C heap bytes currently allocated.
func InUse() int64 { return int64(C.hvsup_heap_in_use()) }

// Drop makes `rounds` libhvsup calls pairs and drops what they return (the negative control).
func Drop(rounds int) bool { return C.hvsup_drop(C.int(rounds)) == 0 }

// Threads returns the process's thread count (/proc/self/status), or -1. A new thread makes
// glibc allocate thread-local bookkeeping, so a measurement is only valid when this did not
// change.
func Threads() int {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "Threads:") {
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "Threads:")))
			if err == nil {
				return n
			}
		}
	}
	return -1
}

// Growth runs fn and returns how much the C heap grew, repeating (up to `attempts` times)
// while the process gained threads during the measurement.
func Growth(attempts int, fn func()) (grown int64, valid bool) {
	for i := 0; i < attempts; i++ {
		threads, before := Threads(), InUse()
		fn()
		grown = InUse() - before
		if Threads() == threads && threads > 0 {
			return grown, true
		}
	}
	return grown, false
}
