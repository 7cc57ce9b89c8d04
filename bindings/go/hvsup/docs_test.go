// SPDX-License-Identifier: MIT

//go:build cgo

package hvsup_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestDocsMatchExamples(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(repoRoot(), "docs", "bindings.md"))
	if err != nil {
		t.Fatal(err)
	}
	examples, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?ms)^```go\n(.*?)^```").FindAllSubmatch(doc, -1)
	if len(blocks) < 3 {
		t.Fatalf("docs/bindings.md has %d go blocks", len(blocks))
	}
	for _, b := range blocks {
		block := string(b[1])
		if !strings.HasPrefix(block, "func Example") {
			t.Errorf("go block is not an Example function:\n%s", block)
		}
		if !strings.Contains(string(examples), block) {
			t.Errorf("go block not in example_test.go (update one of them):\n%s", block)
		}
	}
}
