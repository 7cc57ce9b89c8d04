// SPDX-License-Identifier: MIT
package hvsup

import "time"

// The supervisor protocol's documents (docs/protocol.md), with the reference JSON keys.

// Request is one supervisor request.
type Request struct {
	Command  string    `json:"command"`
	Identity *Identity `json:"identity,omitempty"`
	Config   *Config   `json:"config,omitempty"`
}

// Identity names the caller and the workspace.
type Identity struct {
	RequestID string `json:"requestID"`
	RuntimeID string `json:"runtimeID"`
	Role      string `json:"role"`
	Backend   string `json:"backend"`
	HomeHash  string `json:"homeHash,omitempty"`
}

// Config is the VM configuration; state-dir-only commands need only StateDir (or the
// context's default state dir).
type Config struct {
	KernelPath     string          `json:"kernelPath"`
	RootfsPath     string          `json:"rootfsPath"`
	StateDir       string          `json:"stateDir,omitempty"`
	MemoryMiB      int64           `json:"memoryMiB,omitempty"`
	CPUCount       int64           `json:"cpuCount,omitempty"`
	Disks          []Disk          `json:"disks,omitempty"`
	VsockListeners []VsockListener `json:"vsockListeners,omitempty"`
	Mediation      *Mediation      `json:"mediation,omitempty"`
	Network        *NetworkConfig  `json:"network,omitempty"`
	ShellPort      uint16          `json:"shellPort,omitempty"`
	ExecPort       uint16          `json:"execPort,omitempty"`
	GuestShellPort uint16          `json:"guestShellPort,omitempty"`
	GuestExecPort  uint16          `json:"guestExecPort,omitempty"`
	SerialInput    bool            `json:"serialInput,omitempty"`
	TimeoutSeconds int64           `json:"timeoutSeconds,omitempty"`
}

// Disk is a data disk attached after the rootfs.
type Disk struct {
	Name       string `json:"name"`
	Path       string `json:"path"`
	Mountpoint string `json:"mountpoint"`
	Mode       string `json:"mode"`
}

// VsockListener is a guest-to-host service.
type VsockListener struct {
	Port   uint32 `json:"port"`
	Target string `json:"target"`
}

// Mediation configures the mediation port.
type Mediation struct {
	Enabled    bool   `json:"enabled"`
	Required   bool   `json:"required"`
	Port       uint32 `json:"port,omitempty"`
	Target     string `json:"target,omitempty"`
	FailClosed bool   `json:"failClosed"`
}

// NetworkConfig is the network of a VM; the runtime fields are filled by the backend.
type NetworkConfig struct {
	Mode         string        `json:"mode,omitempty"`
	Interface    string        `json:"interface,omitempty"`
	PortForwards []PortForward `json:"portForwards,omitempty"`
	DNS          []string      `json:"dns,omitempty"`
	Routes       []string      `json:"routes,omitempty"`
	IP           string        `json:"ip,omitempty"`
	Subnet       string        `json:"subnet,omitempty"`
	Gateway      string        `json:"gateway,omitempty"`
}

// PortForward publishes a guest port on the host.
type PortForward struct {
	Protocol  string `json:"protocol,omitempty"`
	Host      string `json:"host,omitempty"`
	HostPort  int    `json:"hostPort"`
	GuestPort int    `json:"guestPort"`
}

// Response is the answer to a request. OK false comes with Error.
type Response struct {
	OK        bool              `json:"ok"`
	Backend   string            `json:"backend,omitempty"`
	Event     *Event            `json:"event,omitempty"`
	Host      *HostSupport      `json:"host,omitempty"`
	Kernel    *KernelSupport    `json:"kernel,omitempty"`
	Readiness *RuntimeReadiness `json:"readiness,omitempty"`
	Result    *RuntimeResult    `json:"result,omitempty"`
	Error     string            `json:"error,omitempty"`
}

// Err is nil for an ok response, else a *ResponseError carrying the response's error text.
func (r Response) Err() error {
	if r.OK {
		return nil
	}
	return &ResponseError{Message: r.Error}
}

// Event is a lifecycle transition.
type Event struct {
	Identity   Identity  `json:"identity"`
	State      string    `json:"state"`
	Detail     string    `json:"detail,omitempty"`
	ObservedAt time.Time `json:"observedAt"`
}

// ReadinessSignal is one readiness observation; unobserved signals are {"ready": false}.
type ReadinessSignal struct {
	Ready      bool       `json:"ready"`
	ObservedAt *time.Time `json:"observedAt,omitempty"`
	Detail     string     `json:"detail,omitempty"`
	Error      string     `json:"error,omitempty"`
}

// RuntimeReadiness always carries all four signals.
type RuntimeReadiness struct {
	GuestReady     ReadinessSignal `json:"guestReady"`
	ShellReady     ReadinessSignal `json:"shellReady"`
	ResultReady    ReadinessSignal `json:"resultReady"`
	MediationReady ReadinessSignal `json:"mediationReady"`
}

// RuntimeResult is what the guest reported (result.json).
type RuntimeResult struct {
	Identity    Identity   `json:"identity"`
	Backend     string     `json:"backend,omitempty"`
	ResultPath  string     `json:"resultPath,omitempty"`
	StartedAt   *time.Time `json:"startedAt,omitempty"`
	CompletedAt *time.Time `json:"completedAt,omitempty"`
	ExitCode    int        `json:"exitCode"`
	Stdout      string     `json:"stdout,omitempty"`
	Stderr      string     `json:"stderr,omitempty"`
	Error       string     `json:"error,omitempty"`
}

// HostSupport describes what the host offers.
type HostSupport struct {
	Backend                 string `json:"backend,omitempty"`
	Architecture            string `json:"architecture,omitempty"`
	FrameworkAvailable      bool   `json:"frameworkAvailable"`
	VirtualizationSupported bool   `json:"virtualizationSupported"`
	SupervisorPath          string `json:"supervisorPath,omitempty"`
	SupervisorAvailable     bool   `json:"supervisorAvailable,omitempty"`
	GuestInitPath           string `json:"guestInitPath,omitempty"`
	GuestInitAvailable      bool   `json:"guestInitAvailable,omitempty"`
	BinaryPath              string `json:"binaryPath,omitempty"`
	BinaryVersion           string `json:"binaryVersion,omitempty"`
	VsockAvailable          bool   `json:"vsockAvailable,omitempty"`
	ConsoleAvailable        bool   `json:"consoleAvailable"`
	ConsoleMode             string `json:"consoleMode,omitempty"`
	UserNetworkingAvailable bool   `json:"userNetworkingAvailable,omitempty"`
	HCSAPI                  string `json:"hcsApi,omitempty"`
}

// KernelSupport describes the guest kernel.
type KernelSupport struct {
	Backend      string `json:"backend,omitempty"`
	Architecture string `json:"architecture,omitempty"`
	Path         string `json:"path,omitempty"`
	Status       string `json:"status,omitempty"`
	SHA256       string `json:"sha256,omitempty"`
	Error        string `json:"error,omitempty"`
}

// DoctorCheck is one line of the doctor report.
type DoctorCheck struct {
	Name     string `json:"name"`
	OK       bool   `json:"ok"`
	Required bool   `json:"required"`
	Detail   string `json:"detail"`
}
