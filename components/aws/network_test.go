package aws

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/components/netplan"
	"github.com/digit-iac/digit/internal/mocktest"
)

var threeZones = []string{"ap-south-1a", "ap-south-1b", "ap-south-1c"}

func TestNetworkSubnetsFollowNetplanWithDiscoveryTags(t *testing.T) {
	var net *Network
	m := run(t, func(ctx *pulumi.Context) error {
		var err error
		net, err = NewNetwork(ctx, "digit", NetworkArgs{Zones: threeZones, ClusterName: "digit-eks",
			Tags: map[string]string{"env": "test"}})
		return err
	})
	plan, err := netplan.Compute(netip.MustParsePrefix("192.168.0.0/16"), 3)
	if err != nil {
		t.Fatal(err)
	}

	vpc := only(t, m, "aws:ec2/vpc:Vpc")
	if got := vpc.String("cidrBlock"); got != "192.168.0.0/16" {
		t.Errorf("VPC CIDR %s, want the default 192.168.0.0/16", got)
	}
	if !vpc.Bool("enableDnsHostnames") || !vpc.Bool("enableDnsSupport") {
		t.Error("VPC DNS hostnames and support must be on (EKS nodes register by DNS name)")
	}
	if len(m.ByType("aws:ec2/subnet:Subnet")) != 6 {
		t.Fatalf("%d subnets, want one public and one private per zone", len(m.ByType("aws:ec2/subnet:Subnet")))
	}
	for i, zone := range threeZones {
		for _, c := range []struct {
			kind, cidr, roleTag string
		}{
			{"public", plan.Public[i].String(), "kubernetes.io/role/elb"},
			{"private", plan.Private[i].String(), "kubernetes.io/role/internal-elb"},
		} {
			s := m.MustFind(t, "aws:ec2/subnet:Subnet", "digit-"+c.kind+"-"+zone)
			if s.String("availabilityZone") != zone {
				t.Errorf("%s: zone %q, want %q", s.Name, s.String("availabilityZone"), zone)
			}
			if s.String("cidrBlock") != c.cidr {
				t.Errorf("%s: CIDR %s, want netplan's %s", s.Name, s.String("cidrBlock"), c.cidr)
			}
			tags := s.Tags()
			if tags[c.roleTag] != "1" {
				t.Errorf("%s: missing %s=1 (load balancers would not find it)", s.Name, c.roleTag)
			}
			if tags["kubernetes.io/cluster/digit-eks"] != "shared" {
				t.Errorf("%s: missing kubernetes.io/cluster/digit-eks=shared", s.Name)
			}
			if tags["env"] != "test" {
				t.Errorf("%s: user tags not applied: %v", s.Name, tags)
			}
			if s.String("vpcId") != vpc.ID {
				t.Errorf("%s in VPC %q, want %s", s.Name, s.String("vpcId"), vpc.ID)
			}
			if s.Bool("mapPublicIpOnLaunch") {
				t.Errorf("%s maps public IPs on launch", s.Name)
			}
		}
	}

	if net.Zones == nil || !slices.Equal(net.Zones, threeZones) {
		t.Errorf("Zones output %v, want %v", net.Zones, threeZones)
	}
	priv := mocktest.AwaitStrings(t, net.PrivateSubnetIds)
	pub := mocktest.AwaitStrings(t, net.PublicSubnetIds)
	for i, zone := range threeZones {
		if want := m.MustFind(t, "aws:ec2/subnet:Subnet", "digit-private-"+zone).ID; priv[i] != want {
			t.Errorf("PrivateSubnetIds[%d] = %s, want %s (zone order)", i, priv[i], want)
		}
		if want := m.MustFind(t, "aws:ec2/subnet:Subnet", "digit-public-"+zone).ID; pub[i] != want {
			t.Errorf("PublicSubnetIds[%d] = %s, want %s (zone order)", i, pub[i], want)
		}
	}
	if len(net.PrivateSubnets) != 3 {
		t.Errorf("%d PrivateSubnets resources, want 3", len(net.PrivateSubnets))
	}
	if vpcID, _ := mocktest.AwaitString(t, net.VpcId); vpcID != vpc.ID {
		t.Errorf("VpcId %s, want %s", vpcID, vpc.ID)
	}
	assertAllParented(t, m, "digit:aws:Network")
}

func TestNetworkWithoutClusterNameHasNoClusterTag(t *testing.T) {
	m := run(t, func(ctx *pulumi.Context) error {
		_, err := NewNetwork(ctx, "digit", NetworkArgs{Zones: threeZones[:1]})
		return err
	})
	for _, s := range m.ByType("aws:ec2/subnet:Subnet") {
		for k := range s.Tags() {
			if len(k) > len("kubernetes.io/cluster/") && k[:len("kubernetes.io/cluster/")] == "kubernetes.io/cluster/" {
				t.Errorf("%s has cluster tag %s without a ClusterName", s.Name, k)
			}
		}
	}
}

func TestNetworkRouting(t *testing.T) {
	for _, tc := range []struct {
		mode string
		nats int
	}{{"", 1}, {NatSingle, 1}, {NatPerZone, 3}} {
		t.Run("mode="+tc.mode, func(t *testing.T) {
			m := run(t, func(ctx *pulumi.Context) error {
				_, err := NewNetwork(ctx, "digit", NetworkArgs{Zones: threeZones, NatMode: tc.mode})
				return err
			})
			nats := m.ByType("aws:ec2/natGateway:NatGateway")
			if len(nats) != tc.nats || len(m.ByType("aws:ec2/eip:Eip")) != tc.nats {
				t.Fatalf("%d NAT gateways and %d EIPs, want %d of each", len(nats), len(m.ByType("aws:ec2/eip:Eip")), tc.nats)
			}
			publicSubnets := map[string]string{}
			for _, z := range threeZones {
				publicSubnets[m.MustFind(t, "aws:ec2/subnet:Subnet", "digit-public-"+z).ID] = z
			}
			natZone := map[string]string{}
			for _, n := range nats {
				z, ok := publicSubnets[n.String("subnetId")]
				if !ok {
					t.Errorf("NAT %s is not in a public subnet (subnet %s)", n.Name, n.String("subnetId"))
				}
				natZone[n.ID] = z
				if n.String("allocationId") == "" {
					t.Errorf("NAT %s has no EIP allocation", n.Name)
				}
			}
			for _, z := range threeZones {
				rt := m.MustFind(t, "aws:ec2/routeTable:RouteTable", "digit-private-"+z)
				nat := rt.String("routes[0].natGatewayId")
				if rt.String("routes[0].cidrBlock") != "0.0.0.0/0" || nat == "" {
					t.Fatalf("private route table of %s has no default route through a NAT: %v", z, rt.Get("routes"))
				}
				if tc.mode == NatPerZone && natZone[nat] != z {
					t.Errorf("zone %s routes through the NAT in %s; perZone must stay in-zone", z, natZone[nat])
				}
			}
			igw := only(t, m, "aws:ec2/internetGateway:InternetGateway")
			pubRT := m.MustFind(t, "aws:ec2/routeTable:RouteTable", "digit-public")
			if pubRT.String("routes[0].gatewayId") != igw.ID {
				t.Errorf("public route table does not route to the IGW: %v", pubRT.Get("routes"))
			}
			// Each subnet is associated with exactly one route table: public ones with the IGW table, private ones
			// with their zone's NAT table.
			assocs := m.ByType("aws:ec2/routeTableAssociation:RouteTableAssociation")
			if len(assocs) != 6 {
				t.Errorf("%d route table associations, want 6", len(assocs))
			}
			tableOf := map[string][]string{}
			for _, a := range assocs {
				tableOf[a.String("subnetId")] = append(tableOf[a.String("subnetId")], a.String("routeTableId"))
			}
			for _, z := range threeZones {
				for _, c := range [][2]string{{"digit-public-" + z, pubRT.ID},
					{"digit-private-" + z, m.MustFind(t, "aws:ec2/routeTable:RouteTable", "digit-private-"+z).ID}} {
					subnet := m.MustFind(t, "aws:ec2/subnet:Subnet", c[0])
					if got := tableOf[subnet.ID]; !slices.Equal(got, []string{c[1]}) {
						t.Errorf("subnet %s is associated with route tables %v, want only %s", c[0], got, c[1])
					}
				}
			}
			vpc := only(t, m, "aws:ec2/vpc:Vpc")
			for _, r := range append(m.ByType("aws:ec2/routeTable:RouteTable"), igw) {
				if r.String("vpcId") != vpc.ID {
					t.Errorf("%s %s in VPC %q, want %s", r.Type, r.Name, r.String("vpcId"), vpc.ID)
				}
			}
			eips := map[string]string{}
			for _, e := range m.ByType("aws:ec2/eip:Eip") {
				eips[e.Outputs["allocationId"].StringValue()] = e.Name
				if e.String("domain") != "vpc" {
					t.Errorf("EIP %s domain %q, want vpc", e.Name, e.String("domain"))
				}
			}
			for _, n := range nats {
				if eips[n.String("allocationId")] != n.Name {
					t.Errorf("NAT %s uses allocation %q, not its own EIP's", n.Name, n.String("allocationId"))
				}
				if !slices.Contains(n.DependsOn, igw.URN) {
					t.Errorf("NAT %s does not wait for the internet gateway", n.Name)
				}
			}
		})
	}
}

func TestNetworkFlowLogs(t *testing.T) {
	m := run(t, func(ctx *pulumi.Context) error {
		_, err := NewNetwork(ctx, "digit", NetworkArgs{Zones: threeZones, FlowLogRetentionDays: 90})
		return err
	})
	fl := only(t, m, "aws:ec2/flowLog:FlowLog")
	group := only(t, m, "aws:cloudwatch/logGroup:LogGroup")
	role := m.MustFind(t, "aws:iam/role:Role", "digit-flow-logs")
	if fl.String("trafficType") != "ALL" || fl.String("vpcId") != only(t, m, "aws:ec2/vpc:Vpc").ID {
		t.Errorf("flow log must capture ALL traffic of the VPC: %v", fl.Inputs)
	}
	groupArn := group.Outputs["arn"].StringValue()
	if fl.String("logDestination") != groupArn || fl.String("iamRoleArn") != role.Outputs["arn"].StringValue() ||
		fl.String("logDestinationType") != "cloud-watch-logs" {
		t.Errorf("flow log does not deliver to the log group through its role: %v", fl.Inputs)
	}
	rp := m.MustFind(t, "aws:iam/rolePolicy:RolePolicy", "digit-flow-logs")
	if rp.String("role") != role.ID {
		t.Errorf("flow log policy on role %q, want %s", rp.String("role"), role.ID)
	}
	if !slices.Contains(fl.DependsOn, rp.URN) {
		t.Error("the flow log must wait for its role's policy, or delivery fails until it exists")
	}
	stmts := rp.JSON(t, "policy").(map[string]any)["Statement"].([]any)
	if len(stmts) != 1 {
		t.Fatalf("flow log policy %v, want one statement", stmts)
	}
	st := stmts[0].(map[string]any)
	if res := st["Resource"]; !slices.Equal(toStrings(res), []string{groupArn, groupArn + ":*"}) || st["Effect"] != "Allow" {
		t.Errorf("flow log policy reaches %v, want only the log group %s and its streams", res, groupArn)
	}
	if !slices.Contains(toStrings(st["Action"]), "logs:PutLogEvents") {
		t.Errorf("flow log policy actions %v", st["Action"])
	}
	if got := group.String("namePrefix"); got != "/digit/vpc-flow-logs/digit-" {
		t.Errorf("log group prefix %q", got)
	}
	assertLogsKey(t, m.MustFind(t, "aws:kms/key:Key", "digit-flow-logs"), group)
	if group.Int("retentionInDays") != 90 {
		t.Errorf("retention %d, want 90", group.Int("retentionInDays"))
	}
	trust := role.JSON(t, "assumeRolePolicy").(map[string]any)
	principal := trust["Statement"].([]any)[0].(map[string]any)["Principal"].(map[string]any)["Service"]
	if principal != "vpc-flow-logs.amazonaws.com" {
		t.Errorf("flow log role is assumable by %v", principal)
	}
}

func TestNetworkDefaultRetention(t *testing.T) {
	m := run(t, func(ctx *pulumi.Context) error {
		_, err := NewNetwork(ctx, "digit", NetworkArgs{Zones: threeZones})
		return err
	})
	if got := only(t, m, "aws:cloudwatch/logGroup:LogGroup").Int("retentionInDays"); got != 30 {
		t.Errorf("default retention %d, want 30", got)
	}
}

func TestNetworkArgErrors(t *testing.T) {
	for _, tc := range []struct {
		field string
		args  NetworkArgs
	}{
		{"Zones", NetworkArgs{}},
		{"Zones", NetworkArgs{Zones: []string{"a-1a", "b-1b", "c-1c", "d-1d", "e-1e"}}},
		{"Zones", NetworkArgs{Zones: []string{"ap-south-1a", "ap-south-1a"}}},
		{"Zones", NetworkArgs{Zones: []string{"ap-south-1"}}},
		{"NatMode", NetworkArgs{Zones: threeZones, NatMode: "none"}},
		{"VpcCidr", NetworkArgs{Zones: threeZones, VpcCidr: "10.0.0.0/24"}},
		{"VpcCidr", NetworkArgs{Zones: threeZones, VpcCidr: "10.0.0.1/16"}},
		{"VpcCidr", NetworkArgs{Zones: threeZones, VpcCidr: "not-a-cidr"}},
		{"ClusterName", NetworkArgs{Zones: threeZones, ClusterName: "bad name!"}},
		{"FlowLogRetentionDays", NetworkArgs{Zones: threeZones, FlowLogRetentionDays: 42}},
		{"Region", NetworkArgs{Zones: threeZones, Endpoints: true}},
		{"Region", NetworkArgs{Zones: threeZones, Endpoints: true, Region: "mumbai"}},
	} {
		t.Run(tc.field, func(t *testing.T) {
			expectArgError(t, tc.field, func(ctx *pulumi.Context) error {
				_, err := NewNetwork(ctx, "digit", tc.args)
				return err
			})
		})
	}
}
