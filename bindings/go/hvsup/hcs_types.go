// SPDX-License-Identifier: MIT
package hvsup

// HCSOptions are hvsup_hcs_options.
type HCSOptions struct {
	LibraryPath string // explicit provider library (e.g. the simulator); "" = System32
	API         string // "", "auto", "computecore" or "vmcompute"
}

// HCSDocumentOptions are hvsup_hcs_document_options.
type HCSDocumentOptions struct {
	EndpointID               string // HCN endpoint GUID; adds NetworkAdapters
	UEFIVmbFS                bool   // Chipset.Uefi boot instead of LinuxKernelDirect
	SchemaMajor, SchemaMinor uint32 // the host's highest schema version (0 = not capped)
}

// HCSExit is the exit document of Wait.
type HCSExit struct {
	Status   int32  `json:"Status"`
	ExitType string `json:"ExitType"`
}
