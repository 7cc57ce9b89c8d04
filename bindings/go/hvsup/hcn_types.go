// SPDX-License-Identifier: MIT
package hvsup

import "encoding/json"

// HCNOptions are hvsup_hcn_options.
type HCNOptions struct {
	// ProviderLibrary is an explicit computenetwork.dll-compatible library (e.g. the
	// simulator); "" = computenetwork.dll from System32 (ErrUnsupported off Windows).
	ProviderLibrary string
	Flags           uint32 // reserved, must be 0
}

// HCNEndpointFlags are hvsup_hcn_endpoint_flags.
type HCNEndpointFlags uint32

const (
	HCNEndpointNone HCNEndpointFlags = 0 // HVSUP_HCN_ENDPOINT_NONE
	// HCNEndpointReplaceStale deletes endpoints already carrying the name first (an endpoint
	// left behind by a crashed run).
	HCNEndpointReplaceStale HCNEndpointFlags = 1 // HVSUP_HCN_ENDPOINT_REPLACE_STALE
)

// HCNRoute is one route of an HCN subnet or endpoint.
type HCNRoute struct {
	NextHop           string `json:"NextHop,omitempty"`
	DestinationPrefix string `json:"DestinationPrefix,omitempty"`
}

// HCNSubnet is one subnet of an IPAM.
type HCNSubnet struct {
	IPAddressPrefix string     `json:"IpAddressPrefix"`
	Routes          []HCNRoute `json:"Routes,omitempty"`
}

// HCNIpam is one IPAM of a network ("Static" or "Dhcp").
type HCNIpam struct {
	Type    string      `json:"Type"`
	Subnets []HCNSubnet `json:"Subnets,omitempty"`
}

// HCNDNS is the DNS settings of a network or endpoint.
type HCNDNS struct {
	ServerList []string `json:"ServerList,omitempty"`
}

// HCNNetwork is the commonly used part of a network's HCN v2 properties; Raw is the whole
// document as HCN returned it.
type HCNNetwork struct {
	ID    string          `json:"ID"`
	Name  string          `json:"Name"`
	Type  string          `json:"Type"`
	Ipams []HCNIpam       `json:"Ipams,omitempty"`
	DNS   *HCNDNS         `json:"Dns,omitempty"`
	Raw   json.RawMessage `json:"-"`
}

// HCNIPConfiguration is one address of an endpoint.
type HCNIPConfiguration struct {
	IPAddress    string `json:"IpAddress"`
	PrefixLength int    `json:"PrefixLength"`
}

// HCNEndpoint is the commonly used part of an endpoint's HCN v2 properties; Raw is the whole
// document.
type HCNEndpoint struct {
	ID                 string               `json:"ID"`
	Name               string               `json:"Name"`
	HostComputeNetwork string               `json:"HostComputeNetwork"`
	IPConfigurations   []HCNIPConfiguration `json:"IpConfigurations,omitempty"`
	Routes             []HCNRoute           `json:"Routes,omitempty"`
	DNS                *HCNDNS              `json:"Dns,omitempty"`
	MacAddress         string               `json:"MacAddress,omitempty"`
	Raw                json.RawMessage      `json:"-"`
}
