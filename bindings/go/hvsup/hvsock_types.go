// SPDX-License-Identifier: MIT
package hvsup

// HvsockListenerSpec is the spec_json of hvsup_hvsock_listeners_create.
type HvsockListenerSpec struct {
	PortForwards   []HvsockPortForward `json:"portForwards,omitempty"`
	VsockListeners []VsockListener     `json:"vsockListeners,omitempty"`
	ResultPath     string              `json:"resultPath,omitempty"`
	SerialPipe     string              `json:"serialPipe,omitempty"`
	SerialLogPath  string              `json:"serialLogPath,omitempty"`
}

// HvsockPortForward publishes host:hostPort and bridges it to vsock port servicePort (0: hostPort).
type HvsockPortForward struct {
	Protocol    string `json:"protocol,omitempty"`
	Host        string `json:"host,omitempty"`
	HostPort    int    `json:"hostPort"`
	ServicePort uint32 `json:"servicePort,omitempty"`
}

// HvsockListenersOptions are hvsup_hvsock_listeners_options.
type HvsockListenersOptions struct {
	EmulationDir string  // use the loopback emulation rooted here
	Log          LogFunc // called from the listeners' I/O thread, never after Stop returns
}

// HvsockResultState mirrors hvsup_hvsock_result_state.
type HvsockResultState uint32

const (
	HvsockResultNoListener HvsockResultState = 0
	HvsockResultReceived   HvsockResultState = 1
	HvsockResultPending    HvsockResultState = 2
	HvsockResultStopped    HvsockResultState = 3
)
