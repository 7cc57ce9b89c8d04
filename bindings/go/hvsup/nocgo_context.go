// SPDX-License-Identifier: MIT

//go:build !cgo

package hvsup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

// Without cgo a Context runs each call as one hvsup-cli process: the request JSON on stdin,
// the response JSON on stdout, the library's failure (if any) on stderr. The differences from
// the cgo build are listed in the package documentation (doc.go).

// Context is a supervisor context. It may be used from several goroutines.
type Context struct {
	mu      sync.Mutex
	opts    Options
	cli     string
	closed  bool
	running map[*exec.Cmd]*bool // calls in flight -> "killed by Cancel"
}

// NewContext checks the options and finds hvsup-cli; no process runs until the first call.
func NewContext(opts Options) (*Context, error) {
	if opts.Flags != 0 {
		return nil, &Error{Code: StatusInvalidArgument, Message: "hvsup: Flags is reserved and must be 0"}
	}
	if opts.UnregisterWait != 0 {
		return nil, &Error{Code: StatusUnsupported, Message: "hvsup: UnregisterWait has no hvsup-cli option (it needs the cgo build)"}
	}
	if ms := opts.StopGrace.Milliseconds(); opts.StopGrace < 0 || ms > 0xFFFFFFFF || (opts.StopGrace > 0 && ms == 0) {
		return nil, &Error{Code: StatusInvalidArgument, Message: "hvsup: StopGrace must be 0 or 1 ms to 2^32-1 ms, got " + opts.StopGrace.String()}
	}
	cli, err := findCLI(opts.CLIPath)
	if err != nil {
		return nil, err
	}
	return &Context{opts: opts, cli: cli, running: map[*exec.Cmd]*bool{}}, nil
}

// cliName is the executable's file name on this platform.
func cliName() string {
	if runtime.GOOS == "windows" {
		return "hvsup-cli.exe"
	}
	return "hvsup-cli"
}

// findCLI: explicit path, $HVSUP_CLI, beside this executable, then PATH. A named file that
// does not exist is ErrNotFound (and errors.Is(err, os.ErrNotExist)).
func findCLI(explicit string) (string, error) {
	if explicit == "" {
		explicit = os.Getenv("HVSUP_CLI")
	}
	if explicit != "" {
		if _, err := os.Stat(explicit); err != nil {
			return "", &Error{Code: StatusNotFound, Message: "hvsup-cli " + explicit + ": " + err.Error(), Cause: err}
		}
		return explicit, nil
	}
	if self, err := os.Executable(); err == nil {
		beside := filepath.Join(filepath.Dir(self), cliName())
		if _, err := os.Stat(beside); err == nil {
			return beside, nil
		}
	}
	path, err := exec.LookPath(cliName())
	if err != nil {
		return "", &Error{Code: StatusNotFound, Message: "hvsup-cli not found (set Options.CLIPath or HVSUP_CLI, or put it on PATH): " + err.Error(), Cause: err}
	}
	return path, nil
}

// args are the CLI options equivalent to the context options.
func (c *Context) args() []string {
	var a []string
	add := func(flag, value string) {
		if value != "" {
			a = append(a, flag, value)
		}
	}
	add("--state-dir", c.opts.StateDir)
	add("--hcs-library", c.opts.HCSLibrary)
	add("--hcn-library", c.opts.HCNLibrary)
	add("--hcs-api", c.opts.HCSAPI)
	add("--boot-mode", c.opts.BootMode)
	add("--listener-helper", c.opts.ListenerHelper)
	if c.opts.StopGrace > 0 {
		add("--stop-grace-ms", strconv.FormatInt(c.opts.StopGrace.Milliseconds(), 10))
	}
	if c.opts.Log != nil {
		a = append(a, "--verbose")
	}
	return a
}

// cliResult is one finished hvsup-cli run.
type cliResult struct {
	stdout, stderr []byte
	exit           int
}

// run executes hvsup-cli with the context's options, then extra, with stdin as input. A done
// ctx or Cancel kills it (ErrCancelled; the Cause is ctx.Err() for ctx).
func (c *Context) run(ctx context.Context, extra []string, stdin []byte) (cliResult, error) {
	if err := ctx.Err(); err != nil {
		return cliResult{}, err
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return cliResult{}, &Error{Code: StatusInvalidArgument, Message: "hvsup: the context is closed"}
	}
	var out, errOut bytes.Buffer
	cmd := exec.Command(c.cli, append(c.args(), extra...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(stdin), &out, &errOut
	killed := new(bool)
	if err := cmd.Start(); err != nil {
		c.mu.Unlock()
		return cliResult{}, &Error{Code: StatusIO, Message: "hvsup: run " + c.cli + ": " + err.Error(), Cause: err}
	}
	c.running[cmd] = killed
	c.mu.Unlock()

	done := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case <-ctx.Done():
			_ = cmd.Process.Kill()
		case <-done:
		}
	}()
	waitErr := cmd.Wait()
	close(done)
	<-watched
	c.mu.Lock()
	delete(c.running, cmd)
	byCancel := *killed
	c.mu.Unlock()
	c.forwardLog(errOut.Bytes())

	if ctx.Err() != nil {
		return cliResult{}, &Error{Code: StatusCancelled, Message: "hvsup: hvsup-cli was stopped: " + ctx.Err().Error(), Cause: ctx.Err()}
	}
	if byCancel {
		return cliResult{}, &Error{Code: StatusCancelled, Message: "hvsup: hvsup-cli was stopped by Cancel"}
	}
	var exitErr *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &exitErr) {
		return cliResult{}, &Error{Code: StatusIO, Message: "hvsup: run " + c.cli + ": " + waitErr.Error(), Cause: waitErr}
	}
	return cliResult{stdout: out.Bytes(), stderr: errOut.Bytes(), exit: cmd.ProcessState.ExitCode()}, nil
}

var logLine = regexp.MustCompile(`^hvsup: (debug|info|warning|error): (.*)$`)

// forwardLog hands the library's diagnostics ("hvsup: <level>: <message>") to Options.Log.
func (c *Context) forwardLog(stderr []byte) {
	if c.opts.Log == nil {
		return
	}
	levels := map[string]LogLevel{"debug": LogDebug, "info": LogInfo, "warning": LogWarning, "error": LogError}
	for _, line := range strings.Split(strings.TrimRight(string(stderr), "\r\n"), "\n") {
		if m := logLine.FindStringSubmatch(strings.TrimRight(line, "\r")); m != nil {
			c.opts.Log(levels[m[1]], m[2])
		}
	}
}

var failureLine = regexp.MustCompile(`(?m)^hvsup-cli: [^:\n]+: (.*) \(status (-?\d+)\)\r?$`)

// failure is the *Error for a run that produced no document: the library's failure as the CLI
// printed it ("hvsup-cli: <what>: <message> (status <n>)"), else a usage error (exit 2) or a
// generic one with the CLI's stderr.
func failure(r cliResult) error {
	if m := failureLine.FindAllSubmatch(r.stderr, -1); len(m) > 0 {
		last := m[len(m)-1]
		code, _ := strconv.Atoi(string(last[2]))
		return &Error{Code: Status(code), Message: string(last[1])}
	}
	code := StatusError
	if r.exit == 2 {
		code = StatusInvalidArgument
	}
	return &Error{Code: code, Message: "hvsup-cli exited with status " + strconv.Itoa(r.exit) + ": " + strings.TrimSpace(string(r.stderr))}
}

// isDocument reports whether the CLI printed a JSON document.
func isDocument(stdout []byte) bool {
	return len(bytes.TrimSpace(stdout)) > 0 && json.Valid(stdout)
}

// Close marks the context closed; later calls fail with ErrInvalidArgument. Idempotent.
func (c *Context) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	return nil
}

// SuperviseJSON runs one request given as JSON text and returns the response JSON text.
// A done ctx kills hvsup-cli (ErrCancelled with Cause ctx.Err(); see the package doc).
func (c *Context) SuperviseJSON(ctx context.Context, request []byte) ([]byte, error) {
	r, err := c.run(ctx, nil, request)
	if err != nil {
		return nil, err
	}
	if (r.exit == 0 || r.exit == 1) && isDocument(r.stdout) {
		return r.stdout, nil
	}
	return nil, failure(r)
}

// Cancel stops the calls in flight on this context (their hvsup-cli processes are killed):
// they return ErrCancelled. Calls that start later are not affected.
func (c *Context) Cancel() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for cmd, killed := range c.running {
		*killed = true
		_ = cmd.Process.Kill()
	}
	return nil
}

// Plan is a dry run (hvsup-cli plan): what a start/run request would create, touching nothing.
// A request that fails validation gives an *Error with ErrInvalidArgument.
func (c *Context) Plan(ctx context.Context, req Request) (json.RawMessage, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	r, err := c.run(ctx, []string{"plan"}, body)
	if err != nil {
		return nil, err
	}
	if r.exit == 0 && isDocument(r.stdout) {
		return json.RawMessage(r.stdout), nil
	}
	var refused struct {
		Error string `json:"error"`
	}
	if r.exit == 1 && isDocument(r.stdout) && json.Unmarshal(r.stdout, &refused) == nil && refused.Error != "" {
		return nil, &Error{Code: StatusInvalidArgument, Message: refused.Error}
	}
	return nil, failure(r)
}

// Doctor checks the host (hvsup-cli doctor).
func (c *Context) Doctor(ctx context.Context, opts DoctorOptions) (DoctorReport, error) {
	args := []string{"doctor"}
	if !opts.Text {
		args = append(args, "--json")
	}
	if opts.KernelPath != "" {
		args = append(args, "--kernel", opts.KernelPath)
	}
	if opts.GuestInitPath != "" {
		args = append(args, "--guest-init", opts.GuestInitPath)
	}
	r, err := c.run(ctx, args, nil)
	if err != nil {
		return DoctorReport{}, err
	}
	if (r.exit != 0 && r.exit != 1) || len(bytes.TrimSpace(r.stdout)) == 0 {
		return DoctorReport{}, failure(r)
	}
	report := DoctorReport{Ready: r.exit == 0, Text: string(r.stdout)}
	if !opts.Text {
		if err := json.Unmarshal(r.stdout, &report); err != nil {
			return DoctorReport{}, err
		}
	}
	return report, nil
}

var versionLine = regexp.MustCompile(`^hvsup-cli (\S+) \(ABI (\d+)\)`)

// cliVersion is hvsup-cli --version: ("0.1.0", 1), or ("", 0) when it cannot be run.
func cliVersion() (string, uint32) {
	cli, err := findCLI("")
	if err != nil {
		return "", 0
	}
	out, err := exec.Command(cli, "--version").Output()
	m := versionLine.FindSubmatch(out)
	if err != nil || m == nil {
		return "", 0
	}
	abi, _ := strconv.ParseUint(string(m[2]), 10, 32)
	return string(m[1]), uint32(abi)
}

// LibraryAbiVersion is the ABI version hvsup-cli reports (0 when it cannot be run).
func LibraryAbiVersion() uint32 { _, abi := cliVersion(); return abi }

// Version is the release version hvsup-cli reports, e.g. "0.1.0" ("" when it cannot be run).
func Version() string { v, _ := cliVersion(); return v }
