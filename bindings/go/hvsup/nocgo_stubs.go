// SPDX-License-Identifier: MIT

//go:build !cgo

package hvsup

import (
	"context"
	"encoding/json"
	"time"
)

// Without cgo only the supervisor protocol is available (through hvsup-cli, nocgo_context.go):
// every primitive below keeps its signature and fails with ErrUnsupported, so code written
// against the cgo build compiles unchanged and finds out at run time, with a clear message.

// AbiVersion is the HVSUP_ABI_VERSION these bindings were written against.
const AbiVersion = 1

func needsCgo(what string) error {
	return &Error{Code: StatusUnsupported, Message: what + " needs the cgo build of github.com/hvsup/hvsup/bindings/go (this binary was built with CGO_ENABLED=0)"}
}

// HCS is a loaded HCS API; without cgo it cannot be opened.
type HCS struct{}

// OpenHCS fails with ErrUnsupported without cgo.
func OpenHCS(opts HCSOptions) (*HCS, error) { return nil, needsCgo("OpenHCS") }

// Close does nothing.
func (h *HCS) Close() error { return nil }

// DLL is "" without cgo.
func (h *HCS) DLL() string { return "" }

// ProbeAccess fails with ErrUnsupported without cgo.
func (h *HCS) ProbeAccess(ctx context.Context) error { return needsCgo("HCS.ProbeAccess") }

// SchemaVersion fails with ErrUnsupported without cgo.
func (h *HCS) SchemaVersion() (major, minor uint32, err error) {
	return 0, 0, needsCgo("HCS.SchemaVersion")
}

// GrantVMAccess fails with ErrUnsupported without cgo.
func (h *HCS) GrantVMAccess(ctx context.Context, vmID, path string) error {
	return needsCgo("HCS.GrantVMAccess")
}

// CreateSystem fails with ErrUnsupported without cgo.
func (h *HCS) CreateSystem(ctx context.Context, id string, document json.RawMessage) (*HCSSystem, error) {
	return nil, needsCgo("HCS.CreateSystem")
}

// OpenSystem fails with ErrUnsupported without cgo.
func (h *HCS) OpenSystem(ctx context.Context, id string) (*HCSSystem, error) {
	return nil, needsCgo("HCS.OpenSystem")
}

// BuildHCSDocument fails with ErrUnsupported without cgo (Context.Plan shows the document).
func BuildHCSDocument(req Request, opts HCSDocumentOptions) (json.RawMessage, error) {
	return nil, needsCgo("BuildHCSDocument")
}

// HCSSystem is an open compute system; without cgo there is none.
type HCSSystem struct{}

// Start fails with ErrUnsupported without cgo.
func (s *HCSSystem) Start(ctx context.Context) error { return needsCgo("HCSSystem.Start") }

// Shutdown fails with ErrUnsupported without cgo.
func (s *HCSSystem) Shutdown(ctx context.Context) error { return needsCgo("HCSSystem.Shutdown") }

// Terminate fails with ErrUnsupported without cgo.
func (s *HCSSystem) Terminate(ctx context.Context) error { return needsCgo("HCSSystem.Terminate") }

// Wait fails with ErrUnsupported without cgo.
func (s *HCSSystem) Wait(ctx context.Context) (exit HCSExit, exited bool, err error) {
	return HCSExit{}, false, needsCgo("HCSSystem.Wait")
}

// Properties fails with ErrUnsupported without cgo.
func (s *HCSSystem) Properties(ctx context.Context) (json.RawMessage, error) {
	return nil, needsCgo("HCSSystem.Properties")
}

// Close does nothing.
func (s *HCSSystem) Close() error { return nil }

// HCN is a loaded HCN API; without cgo it cannot be opened.
type HCN struct{}

// OpenHCN fails with ErrUnsupported without cgo.
func OpenHCN(opts HCNOptions) (*HCN, error) { return nil, needsCgo("OpenHCN") }

// Close does nothing.
func (h *HCN) Close() error { return nil }

// Probe fails with ErrUnsupported without cgo.
func (h *HCN) Probe(ctx context.Context) error { return needsCgo("HCN.Probe") }

// EnsureNATNetwork fails with ErrUnsupported without cgo.
func (h *HCN) EnsureNATNetwork(ctx context.Context) (HCNNetwork, error) {
	return HCNNetwork{}, needsCgo("HCN.EnsureNATNetwork")
}

// FindNetwork fails with ErrUnsupported without cgo.
func (h *HCN) FindNetwork(ctx context.Context, name string) (HCNNetwork, error) {
	return HCNNetwork{}, needsCgo("HCN.FindNetwork")
}

// CreateEndpoint fails with ErrUnsupported without cgo.
func (h *HCN) CreateEndpoint(ctx context.Context, networkID, name string, flags HCNEndpointFlags) (HCNEndpoint, error) {
	return HCNEndpoint{}, needsCgo("HCN.CreateEndpoint")
}

// DeleteEndpoint fails with ErrUnsupported without cgo.
func (h *HCN) DeleteEndpoint(ctx context.Context, id string) error {
	return needsCgo("HCN.DeleteEndpoint")
}

// EndpointProperties fails with ErrUnsupported without cgo.
func (h *HCN) EndpointProperties(ctx context.Context, id string) (HCNEndpoint, error) {
	return HCNEndpoint{}, needsCgo("HCN.EndpointProperties")
}

// HvsockServiceID fails with ErrUnsupported without cgo.
func HvsockServiceID(port uint32) (string, error) { return "", needsCgo("HvsockServiceID") }

// HvsockServicePort fails with ErrUnsupported without cgo.
func HvsockServicePort(serviceID string) (uint32, error) { return 0, needsCgo("HvsockServicePort") }

// HvsockListeners is a running set of host listeners; without cgo there is none.
type HvsockListeners struct{}

// StartHvsockListeners fails with ErrUnsupported without cgo.
func StartHvsockListeners(vmID string, spec HvsockListenerSpec, opts HvsockListenersOptions) (*HvsockListeners, error) {
	return nil, needsCgo("StartHvsockListeners")
}

// WaitResult fails with ErrUnsupported without cgo.
func (l *HvsockListeners) WaitResult(timeout time.Duration) (HvsockResultState, error) {
	return HvsockResultNoListener, needsCgo("HvsockListeners.WaitResult")
}

// Stop does nothing.
func (l *HvsockListeners) Stop() error { return nil }

// Close does nothing.
func (l *HvsockListeners) Close() error { return nil }

// BuildImage fails with ErrUnsupported without cgo (vhdbuild builds images from the command line).
func BuildImage(ctx context.Context, req ImageRequest, progress ImageProgress) (json.RawMessage, error) {
	return nil, needsCgo("BuildImage")
}

// InspectImage fails with ErrUnsupported without cgo.
func InspectImage(path string) (json.RawMessage, error) { return nil, needsCgo("InspectImage") }

// VerifyImageFooter fails with ErrUnsupported without cgo.
func VerifyImageFooter(path string) (json.RawMessage, error) {
	return nil, needsCgo("VerifyImageFooter")
}
