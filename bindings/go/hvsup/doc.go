// SPDX-License-Identifier: MIT

// Package hvsup is the Go binding of libhvsup, a Hyper-V supervisor for Linux micro-VMs: it
// starts, supervises, stops and inspects a VM from one JSON request (the supervisor protocol,
// docs/protocol.md), and exposes the primitives underneath (HCS compute systems, HCN
// endpoints, Hyper-V sockets, ext4 disk images) for callers with their own supervisor logic.
//
//	c, err := hvsup.NewContext(hvsup.Options{StateDir: dir})
//	if err != nil { ... }
//	defer c.Close()
//	resp, err := c.Supervise(ctx, hvsup.Request{Command: "run", Identity: id, Config: cfg})
//
// # Building
//
// With cgo (the default) the package links libhvsup through pkg-config: install libhvsup
// (meson install, or the Windows zip) and make hvsup.pc visible, e.g.
// PKG_CONFIG_PATH=<prefix>/lib/x86_64-linux-gnu/pkgconfig. The shared library must be found at
// run time: on Linux through the rpath, ld.so.conf or LD_LIBRARY_PATH; on Windows hvsup.dll must
// sit beside the executable or in a directory on PATH.
//
// Without cgo (CGO_ENABLED=0, e.g. a pure-Go microagent cross-compiled for Windows) the same
// API runs each Context call by executing hvsup-cli with the same protocol JSON on stdin
// (Options.CLIPath, else $HVSUP_CLI, else hvsup-cli on PATH; on Windows also beside the
// executable). Differences, all reported as errors rather than silently ignored:
//   - HCS, HCN, Hyper-V socket and image primitives return ErrUnsupported;
//   - Options.UnregisterWait and Options.Flags are not expressible on the command line
//     (ErrUnsupported when set);
//   - Log receives the CLI's diagnostics after the call ends, not while it runs;
//   - a done ctx or Cancel kills hvsup-cli: the call returns ErrCancelled (errors.Is(err,
//     ctx.Err()) holds), but a cancelled run is not cleaned up by the library as it is with
//     cgo; send stop or delete for the runtime afterwards;
//   - Plan failures are ErrInvalidArgument (the CLI reports only the message);
//   - LibraryAbiVersion and Version are what hvsup-cli --version reports (0 and "" when it
//     cannot be run).
//
// # Errors
//
// A failed call returns an *Error (code, message, operation, HRESULT, system error). Its code
// is an error itself, so errors.Is(err, hvsup.ErrNotFound) works; so does errors.Is(err,
// os.ErrNotExist) for a missing file or object, and errors.Is(err, context.Canceled) when a
// context ended the call. A response with "ok": false is not an error: see Response.Err.
//
// # Contexts
//
// Calls that wait take a context.Context. For Context.Supervise a done ctx cancels the call in
// flight (the library cleans up a cancelled run). For the HCS primitives ctx's deadline is the
// operation's timeout and HCSSystem.Wait returns when ctx is done; HCN calls check ctx before
// they start.
//
// See docs/bindings.md for the quick start, the simulator for off-Windows development, and
// where the DLL must live on Windows.
package hvsup
