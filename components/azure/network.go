package azure

import (
	"fmt"
	"net/netip"

	network "github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// PostgresDelegation is the service a flexible server's subnet is delegated to.
const PostgresDelegation = "Microsoft.DBforPostgreSQL/flexibleServers"

// NetworkArgs configures the virtual network.
type NetworkArgs struct {
	// ResourceGroupName and Location of every resource. Required.
	ResourceGroupName pulumi.StringInput
	Location          string
	// AddressSpace is the VNet's CIDR, /16 to /20. Required. The nodes get its first half; the database the first
	// /24 of the second half (PlanSubnets).
	AddressSpace string
	// Tags of every resource.
	Tags map[string]string
}

// SubnetPlan is how the VNet's address space is split.
type SubnetPlan struct {
	Nodes    netip.Prefix
	Database netip.Prefix
}

// PlanSubnets splits a VNet: the first half for the nodes (with Azure CNI overlay pods take no VNet addresses, so
// a half is room for any node count AKS allows), a /24 at the start of the second half for the delegated database
// subnet (Azure asks at least a /28 of it; upstream's is a /21).
func PlanSubnets(cidr string) (SubnetPlan, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() {
		return SubnetPlan{}, fmt.Errorf("%q is not an IPv4 CIDR", cidr)
	}
	if p.Masked() != p {
		return SubnetPlan{}, fmt.Errorf("%q has host bits set (did you mean %s?)", cidr, p.Masked())
	}
	if p.Bits() < 8 || p.Bits() > 20 {
		return SubnetPlan{}, fmt.Errorf("%q must be /8 to /20", cidr)
	}
	nodes := netip.PrefixFrom(p.Addr(), p.Bits()+1)
	second := nextPrefix(nodes)
	return SubnetPlan{Nodes: nodes, Database: netip.PrefixFrom(second.Addr(), 24)}, nil
}

// nextPrefix is the prefix of the same size right after p.
func nextPrefix(p netip.Prefix) netip.Prefix {
	a := p.Addr().As4()
	n := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	n += 1 << (32 - p.Bits())
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), p.Bits())
}

// Network is a VNet with a node subnet behind a NAT gateway and a database subnet delegated to the flexible server,
// each with its network security group.
type Network struct {
	pulumi.ResourceState

	VnetId           pulumi.StringOutput
	NodeSubnetId     pulumi.StringOutput
	DatabaseSubnetId pulumi.StringOutput
	Plan             SubnetPlan
}

// NewNetwork creates the network.
func NewNetwork(ctx *pulumi.Context, name string, args NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	e := &argErrors{component: "digit:azure:Network"}
	plan, err := PlanSubnets(args.AddressSpace)
	if err != nil {
		e.add("AddressSpace", "%v", err)
	}
	if args.ResourceGroupName == nil {
		e.add("ResourceGroupName", "is required")
	}
	if args.Location == "" {
		e.add("Location", "is required")
	}
	if err := e.err(); err != nil {
		return nil, err
	}
	comp := &Network{Plan: plan}
	if err := ctx.RegisterComponentResource("digit:azure:Network", name, comp, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(comp)
	rg, loc, tags := args.ResourceGroupName, pulumi.String(args.Location), TagsInput(args.Tags)

	vnet, err := network.NewVirtualNetwork(ctx, name, &network.VirtualNetworkArgs{
		ResourceGroupName: rg, Location: loc, Tags: tags,
		AddressSpace: &network.AddressSpaceArgs{AddressPrefixes: pulumi.StringArray{pulumi.String(args.AddressSpace)}},
	}, parent, pulumi.IgnoreChanges([]string{"subnets"})) // subnets are their own resources
	if err != nil {
		return nil, err
	}
	ip, err := network.NewPublicIPAddress(ctx, name+"-nat", &network.PublicIPAddressArgs{
		ResourceGroupName: rg, Location: loc, Tags: tags,
		Sku:                      &network.PublicIPAddressSkuArgs{Name: pulumi.String("Standard")},
		PublicIPAllocationMethod: pulumi.String("Static"),
	}, parent)
	if err != nil {
		return nil, err
	}
	nat, err := network.NewNatGateway(ctx, name, &network.NatGatewayArgs{
		ResourceGroupName: rg, Location: loc, Tags: tags,
		Sku:                  &network.NatGatewaySkuArgs{Name: pulumi.String("Standard")},
		PublicIpAddresses:    network.SubResourceArray{&network.SubResourceArgs{Id: ip.ID()}},
		IdleTimeoutInMinutes: pulumi.Int(4),
	}, parent)
	if err != nil {
		return nil, err
	}
	// A subnet NSG is evaluated besides the one AKS keeps on the nodes' NICs, so the ingress load balancer's
	// ports are opened here too; everything else from the internet stays denied by Azure's default rules.
	nodesNSG, err := network.NewNetworkSecurityGroup(ctx, name+"-nodes", &network.NetworkSecurityGroupArgs{
		ResourceGroupName: rg, Location: loc, Tags: tags,
		SecurityRules: network.SecurityRuleTypeArray{
			&network.SecurityRuleTypeArgs{
				Name: pulumi.String("http-https-from-internet"), Priority: pulumi.Int(100), Direction: pulumi.String("Inbound"),
				Access: pulumi.String("Allow"), Protocol: pulumi.String("Tcp"),
				SourceAddressPrefix: pulumi.String("Internet"), SourcePortRange: pulumi.String("*"),
				DestinationAddressPrefix: pulumi.String(plan.Nodes.String()),
				DestinationPortRanges:    pulumi.StringArray{pulumi.String("80"), pulumi.String("443")},
			},
		},
	}, parent)
	if err != nil {
		return nil, err
	}
	// The database subnet takes Postgres from the node subnet and, for the HA standby's replication, from itself;
	// Azure's default rules would let the whole VNet in.
	dbNSG, err := network.NewNetworkSecurityGroup(ctx, name+"-db", &network.NetworkSecurityGroupArgs{
		ResourceGroupName: rg, Location: loc, Tags: tags,
		SecurityRules: network.SecurityRuleTypeArray{
			&network.SecurityRuleTypeArgs{
				Name: pulumi.String("postgres-from-nodes"), Priority: pulumi.Int(100), Direction: pulumi.String("Inbound"),
				Access: pulumi.String("Allow"), Protocol: pulumi.String("Tcp"),
				SourceAddressPrefix: pulumi.String(plan.Nodes.String()), SourcePortRange: pulumi.String("*"),
				DestinationAddressPrefix: pulumi.String(plan.Database.String()), DestinationPortRange: pulumi.String("5432"),
			},
			&network.SecurityRuleTypeArgs{
				Name: pulumi.String("within-database-subnet"), Priority: pulumi.Int(110), Direction: pulumi.String("Inbound"),
				Access: pulumi.String("Allow"), Protocol: pulumi.String("*"),
				SourceAddressPrefix: pulumi.String(plan.Database.String()), SourcePortRange: pulumi.String("*"),
				DestinationAddressPrefix: pulumi.String(plan.Database.String()), DestinationPortRange: pulumi.String("*"),
			},
			&network.SecurityRuleTypeArgs{
				Name: pulumi.String("deny-vnet-inbound"), Priority: pulumi.Int(4000), Direction: pulumi.String("Inbound"),
				Access: pulumi.String("Deny"), Protocol: pulumi.String("*"),
				SourceAddressPrefix: pulumi.String("VirtualNetwork"), SourcePortRange: pulumi.String("*"),
				DestinationAddressPrefix: pulumi.String("*"), DestinationPortRange: pulumi.String("*"),
			},
		},
	}, parent)
	if err != nil {
		return nil, err
	}
	nodes, err := network.NewSubnet(ctx, name+"-nodes", &network.SubnetArgs{
		ResourceGroupName: rg, VirtualNetworkName: vnet.Name,
		AddressPrefix:        pulumi.String(plan.Nodes.String()),
		NatGateway:           &network.SubResourceArgs{Id: nat.ID()},
		NetworkSecurityGroup: &network.NetworkSecurityGroupTypeArgs{Id: nodesNSG.ID()},
	}, parent)
	if err != nil {
		return nil, err
	}
	db, err := network.NewSubnet(ctx, name+"-db", &network.SubnetArgs{
		ResourceGroupName: rg, VirtualNetworkName: vnet.Name,
		AddressPrefix:        pulumi.String(plan.Database.String()),
		NetworkSecurityGroup: &network.NetworkSecurityGroupTypeArgs{Id: dbNSG.ID()},
		Delegations: network.DelegationArray{&network.DelegationArgs{
			Name: pulumi.String("postgres"), ServiceName: pulumi.String(PostgresDelegation),
		}},
	}, parent, pulumi.DependsOn([]pulumi.Resource{nodes})) // Azure updates one subnet of a VNet at a time
	if err != nil {
		return nil, err
	}
	comp.VnetId, comp.NodeSubnetId, comp.DatabaseSubnetId = vnet.ID().ToStringOutput(), nodes.ID().ToStringOutput(), db.ID().ToStringOutput()
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"vnetId": comp.VnetId, "nodeSubnetId": comp.NodeSubnetId, "databaseSubnetId": comp.DatabaseSubnetId,
	})
}
