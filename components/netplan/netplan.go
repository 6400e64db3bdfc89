// Package netplan computes the subnet layout of a multi-AZ VPC: one public and one private subnet per zone.
//
// It is pure (net/netip only) so that stack config validation can reject a CIDR that is too small before any
// resource is registered, using exactly the arithmetic the network component later applies.
package netplan

import (
	"fmt"
	"net/netip"
)

// MaxZones is the number of zones the layout reserves room for. Reserving a fixed number of slots keeps every
// existing subnet's CIDR stable when a zone is added later (adding a zone must not replace subnets).
const MaxZones = 4

// minPrivateBits is the smallest private subnet accepted (a /24 gives 251 usable addresses per zone: EKS pods take
// their IPs from the private subnets, so anything smaller starves the node group).
const minPrivateBits = 24

// Plan is the computed layout, index i belonging to zone i.
type Plan struct {
	VPC     netip.Prefix
	Public  []netip.Prefix
	Private []netip.Prefix
}

// Compute splits vpc into MaxZones private subnets (the first half of the VPC, each 1/8 of it) and MaxZones public
// subnets (each 1/32 of it, taken from the second half), and returns the first `zones` of each.
// Private subnets are large because pods get VPC addresses; public subnets only hold NAT gateways and load balancers.
func Compute(vpc netip.Prefix, zones int) (Plan, error) {
	if !vpc.IsValid() {
		return Plan{}, fmt.Errorf("invalid CIDR")
	}
	if !vpc.Addr().Is4() {
		return Plan{}, fmt.Errorf("%s is not an IPv4 CIDR", vpc)
	}
	if vpc.Masked() != vpc {
		return Plan{}, fmt.Errorf("%s has host bits set (did you mean %s?)", vpc, vpc.Masked())
	}
	if zones < 1 || zones > MaxZones {
		return Plan{}, fmt.Errorf("%d zones: between 1 and %d are supported", zones, MaxZones)
	}
	privBits := vpc.Bits() + 3 // a grid of 8; the first MaxZones slots fill the first half
	pubBits := vpc.Bits() + 5
	if privBits > minPrivateBits {
		return Plan{}, fmt.Errorf("%s is too small: private subnets would be /%d, need /%d or larger (use a /%d or larger VPC)",
			vpc, privBits, minPrivateBits, minPrivateBits-3)
	}
	p := Plan{VPC: vpc}
	for i := 0; i < zones; i++ {
		priv, err := nth(vpc, privBits, i)
		if err != nil {
			return Plan{}, err
		}
		// Public slots start at the second half of the VPC: index 16 of the /+5 grid.
		pub, err := nth(vpc, pubBits, 16+i)
		if err != nil {
			return Plan{}, err
		}
		p.Private = append(p.Private, priv)
		p.Public = append(p.Public, pub)
	}
	return p, nil
}

// nth returns the i-th subnet of size /bits inside parent.
func nth(parent netip.Prefix, bits, i int) (netip.Prefix, error) {
	base := parent.Addr().As4()
	v := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	v += uint32(i) << (32 - bits)
	a := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	sub := netip.PrefixFrom(a, bits)
	if !parent.Contains(a) {
		return netip.Prefix{}, fmt.Errorf("subnet %d of /%d falls outside %s", i, bits, parent)
	}
	return sub, nil
}
