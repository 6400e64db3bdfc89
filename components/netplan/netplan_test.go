package netplan

import (
	"net/netip"
	"strings"
	"testing"
)

func TestComputeLaysOutDisjointSubnetsInsideTheVPC(t *testing.T) {
	vpc := netip.MustParsePrefix("192.168.0.0/16")
	p, err := Compute(vpc, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"private0": "192.168.0.0/19", "private1": "192.168.32.0/19", "private2": "192.168.64.0/19",
		"public0": "192.168.128.0/21", "public1": "192.168.136.0/21", "public2": "192.168.144.0/21",
	}
	if len(p.Private) != 3 || len(p.Public) != 3 {
		t.Fatalf("3 zones gave %d private and %d public subnets, want 3 of each", len(p.Private), len(p.Public))
	}
	got := map[string]string{}
	for i := range 3 {
		got["private"+string(rune('0'+i))] = p.Private[i].String()
		got["public"+string(rune('0'+i))] = p.Public[i].String()
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %s, want %s", k, got[k], v)
		}
	}
	all := append(append([]netip.Prefix{}, p.Private...), p.Public...)
	for i, a := range all {
		if !vpc.Contains(a.Addr()) {
			t.Errorf("%s outside %s", a, vpc)
		}
		for _, b := range all[i+1:] {
			if a.Overlaps(b) {
				t.Errorf("%s overlaps %s", a, b)
			}
		}
	}
}

func TestAddingAZoneKeepsExistingSubnets(t *testing.T) {
	vpc := netip.MustParsePrefix("10.20.0.0/18")
	two, _ := Compute(vpc, 2)
	three, _ := Compute(vpc, 3)
	for i := range 2 {
		if two.Private[i] != three.Private[i] || two.Public[i] != three.Public[i] {
			t.Errorf("zone %d subnets moved when a zone was added", i)
		}
	}
}

func TestComputeRejects(t *testing.T) {
	for _, tc := range []struct {
		cidr  string
		zones int
		want  string
	}{
		{"10.0.0.0/22", 3, "10.0.0.0/22 is too small: private subnets would be /25, need /24 or larger (use a /21 or larger VPC)"},
		{"10.0.0.1/16", 3, "host bits"},
		{"fd00::/48", 3, "not an IPv4"},
		{"10.0.0.0/16", 0, "between 1 and 4"},
		{"10.0.0.0/16", 5, "between 1 and 4"},
	} {
		_, err := Compute(netip.MustParsePrefix(tc.cidr), tc.zones)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s x%d: got %v, want %q", tc.cidr, tc.zones, err, tc.want)
		}
	}
	if _, err := Compute(netip.MustParsePrefix("10.0.0.0/21"), 4); err != nil {
		t.Errorf("a /21 (the smallest documented) was rejected: %v", err)
	}
	// The bounds themselves are accepted: one zone, and MaxZones.
	for _, zones := range []int{1, MaxZones} {
		p, err := Compute(netip.MustParsePrefix("10.0.0.0/16"), zones)
		if err != nil || len(p.Private) != zones {
			t.Errorf("%d zones: got %d private subnets, err %v; want %d and no error", zones, len(p.Private), err, zones)
		}
	}
}
