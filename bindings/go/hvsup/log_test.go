// SPDX-License-Identifier: MIT

//go:build cgo

package hvsup_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/hvsup/hvsup/bindings/go/hvsup"
)

// The one library diagnostic reachable on a host without HCS: `delete` of a workspace whose
// recorded compute system the host reports as gone ("... compute system ... does not exist") is
// tolerated and logged at info level. Without a provider, the host's failure text quotes the
// configured HCS library path, so a path containing those words stands in for the missing VM.
const goneProvider = "/nonexistent/compute system does not exist"

func recordComputeSystem(t *testing.T, state, runtimeID string) {
	t.Helper()
	path := filepath.Join(state, runtimeID, "runtime.json")
	var doc map[string]interface{}
	readJSON(t, path, &doc)
	// A runtime's compute system is always named after it; any other recorded id is refused as
	// foreign (docs/security.md), which would log a warning instead.
	doc["computeSystemID"] = runtimeID
	data, _ := json.Marshal(doc)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

type logRecord struct {
	level   hvsup.LogLevel
	message string
}

func TestLogCallbackReceivesMessages(t *testing.T) {
	state := t.TempDir()
	var mu sync.Mutex
	var records []logRecord
	c := newContext(t, hvsup.Options{HCSLibrary: goneProvider, Log: func(level hvsup.LogLevel, message string) {
		mu.Lock()
		defer mu.Unlock()
		records = append(records, logRecord{level, message})
	}})
	for i := 0; i < 10; i++ {
		id := "agent-" + string(rune('a'+i))
		if resp := supervise(t, c, fullRequest("prepare", state, id)); !resp.OK {
			t.Fatalf("prepare: %+v", resp)
		}
		recordComputeSystem(t, state, id)
		runtime.GC() // the callback must stay reachable through the context alone
		if resp := supervise(t, c, stateRequest("delete", state, id)); !resp.OK {
			t.Fatalf("delete: %+v", resp)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(records) != 10 {
		t.Fatalf("%d log records: %+v", len(records), records)
	}
	for i, r := range records {
		prefix := "delete agent-" + string(rune('a'+i)) + ": compute system already gone: "
		if r.level != hvsup.LogInfo || !strings.HasPrefix(r.message, prefix) || !strings.Contains(r.message, goneProvider) {
			t.Fatalf("record %d: %+v", i, r)
		}
	}
}

func TestNoLogForAPlainDelete(t *testing.T) {
	state := t.TempDir()
	count := 0
	c := newContext(t, hvsup.Options{Log: func(hvsup.LogLevel, string) { count++ }})
	supervise(t, c, fullRequest("prepare", state, "agent-1"))
	supervise(t, c, stateRequest("delete", state, "agent-1"))
	if count != 0 {
		t.Fatalf("%d log calls", count)
	}
}
