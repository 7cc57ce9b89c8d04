// SPDX-License-Identifier: MIT

//go:build cgo

package hvsup_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/hvsup/hvsup/bindings/go/hvsup"
)

const (
	workers = 8
	rounds  = 15
)

func lifecycle(c *hvsup.Context, state, id string) error {
	steps := []struct {
		req   hvsup.Request
		state string
	}{
		{fullRequest("prepare", state, id), "prepared"},
		{stateRequest("inspect", state, id), "prepared"},
		{stateRequest("stop", state, id), "stopped"},
		{stateRequest("delete", state, id), "stopped"},
	}
	for _, s := range steps {
		resp, err := c.Supervise(bg, s.req)
		if err != nil {
			return err
		}
		if !resp.OK || resp.Event == nil || resp.Event.State != s.state || resp.Event.Identity.RuntimeID != id {
			return fmt.Errorf("%s %s: %+v", s.req.Command, id, resp)
		}
	}
	return nil
}

func runWorkers(t *testing.T, work func(i int) error) {
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := work(i); err != nil {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestIndependentContextsOnGoroutines(t *testing.T) {
	base := t.TempDir()
	runWorkers(t, func(i int) error {
		state := filepath.Join(base, fmt.Sprint(i))
		c, err := hvsup.NewContext(hvsup.Options{StateDir: state})
		if err != nil {
			return err
		}
		defer c.Close()
		for r := 0; r < rounds; r++ {
			if err := lifecycle(c, state, fmt.Sprintf("agent-%d", r)); err != nil {
				return err
			}
		}
		return nil
	})
}

func TestOneContextSharedByGoroutines(t *testing.T) {
	state := t.TempDir()
	c := newContext(t, hvsup.Options{})
	runWorkers(t, func(i int) error {
		for r := 0; r < rounds; r++ {
			if err := lifecycle(c, state, fmt.Sprintf("agent-%d-%d", i, r)); err != nil {
				return err
			}
		}
		return nil
	})
	if entries, _ := os.ReadDir(state); len(entries) != 0 {
		t.Fatalf("left behind: %v", entries)
	}
}

func TestCloseWaitsForCallsInFlight(t *testing.T) {
	state := t.TempDir()
	c, err := hvsup.NewContext(hvsup.Options{})
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	done := make(chan []error)
	go func() {
		var errs []error
		close(started)
		for r := 0; r < 50; r++ {
			resp, err := c.Supervise(bg, fullRequest("prepare", state, fmt.Sprintf("a%d", r)))
			if err != nil && !errors.Is(err, hvsup.ErrInvalidArgument) {
				errs = append(errs, err)
			} else if err == nil && !resp.OK {
				errs = append(errs, fmt.Errorf("%+v", resp))
			}
		}
		done <- errs
	}()
	<-started
	c.Close()
	if errs := <-done; len(errs) != 0 {
		t.Fatal(errs)
	}
}
