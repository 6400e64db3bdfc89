package aws

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/components/netplan"
)

// NAT modes of NetworkArgs.NatMode.
const (
	// NatSingle routes every zone through one NAT gateway: cheapest, but losing that zone cuts egress everywhere.
	NatSingle = "single"
	// NatPerZone gives each zone its own NAT gateway, so a zone outage only affects that zone.
	NatPerZone = "perZone"
)

// NetworkArgs configures a Network.
type NetworkArgs struct {
	// VpcCidr is the IPv4 CIDR of the VPC. Default "192.168.0.0/16". Must be a /21 or larger (see netplan).
	VpcCidr string
	// Zones are the availability zones, in order; subnet i belongs to zone i. Required, 1 to 4 zones.
	Zones []string
	// NatMode is NatSingle or NatPerZone. Default NatSingle.
	NatMode string
	// ClusterName, when set, tags every subnet kubernetes.io/cluster/<name>=shared so the EKS cluster of that name
	// discovers them for load balancers. Must be the EKS cluster's actual name. Default: no cluster tag.
	ClusterName string
	// Tags are added to every taggable child. Default none.
	Tags map[string]string
	// FlowLogRetentionDays is how long VPC flow logs are kept in CloudWatch; one of the retention periods
	// CloudWatch accepts (1, 3, 5, 7, 14, 30, 60, 90, ...). Default 30.
	FlowLogRetentionDays int
	// Endpoints adds VPC endpoints, so that image pulls, logs and IRSA token exchange stay inside the VPC instead of
	// going through the NAT: an S3 gateway endpoint (ECR layers, the filestore) and interface endpoints for
	// VpcEndpointServices. Default false (interface endpoints cost per zone and hour).
	Endpoints bool
	// Region of the VPC, for the endpoints' service names. Required with Endpoints.
	Region string
	// Protect protects the flow logs' KMS key from deletion by Pulumi: without it the logs kept cannot be read.
	// Default false.
	Protect bool
}

// VpcEndpointServices are the interface endpoints Endpoints creates: ECR's API and registry, STS (IRSA) and
// CloudWatch Logs.
var VpcEndpointServices = []string{"ecr.api", "ecr.dkr", "sts", "logs"}

// Network is a VPC with a public and a private subnet per zone, NAT egress and flow logs.
type Network struct {
	pulumi.ResourceState

	VpcId            pulumi.StringOutput
	PublicSubnetIds  pulumi.StringArrayOutput // zone order
	PrivateSubnetIds pulumi.StringArrayOutput // zone order
	Zones            []string

	// PublicSubnets and PrivateSubnets (zone order) let callers DependsOn the subnets themselves.
	PublicSubnets  []*ec2.Subnet
	PrivateSubnets []*ec2.Subnet
}

// Retention periods CloudWatch Logs accepts (other values fail at apply time).
var logRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
	2922, 3288, 3653}

// zonePattern accepts region zones (ap-south-1a) and local zones (us-west-2-lax-1a).
var zonePattern = regexp.MustCompile(`^[a-z]{2}(-[a-z0-9]+)+[a-z]$`)

// regionPattern is the AWS region name syntax (ap-south-1, us-gov-west-1).
var regionPattern = regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-\d$`)

// eksNamePattern is the EKS cluster name syntax.
var eksNamePattern = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$`)

func (a *NetworkArgs) validate(name string) (netplan.Plan, error) {
	fail := func(field, f string, v ...any) (netplan.Plan, error) {
		return netplan.Plan{}, argError("Network", name, field, f, v...)
	}
	if a.VpcCidr == "" {
		a.VpcCidr = "192.168.0.0/16"
	}
	if a.NatMode == "" {
		a.NatMode = NatSingle
	}
	if a.FlowLogRetentionDays == 0 {
		a.FlowLogRetentionDays = 30
	}
	if len(a.Zones) < 1 || len(a.Zones) > netplan.MaxZones {
		return fail("Zones", "%d zones given, need 1 to %d", len(a.Zones), netplan.MaxZones)
	}
	for i, z := range a.Zones {
		if !zonePattern.MatchString(z) {
			return fail("Zones", "zone %d %q is not an availability zone name (e.g. ap-south-1a)", i, z)
		}
		if slices.Index(a.Zones, z) != i {
			return fail("Zones", "zone %q is listed twice", z)
		}
	}
	if a.NatMode != NatSingle && a.NatMode != NatPerZone {
		return fail("NatMode", "%q is not %q or %q", a.NatMode, NatSingle, NatPerZone)
	}
	if a.ClusterName != "" && !eksNamePattern.MatchString(a.ClusterName) {
		return fail("ClusterName", "%q is not a valid EKS cluster name", a.ClusterName)
	}
	if !slices.Contains(logRetentionDays, a.FlowLogRetentionDays) {
		return fail("FlowLogRetentionDays", "%d is not a CloudWatch retention period (one of %v)",
			a.FlowLogRetentionDays, logRetentionDays)
	}
	if a.Endpoints && !regionPattern.MatchString(a.Region) {
		return fail("Region", "%q is not an AWS region (required with Endpoints)", a.Region)
	}
	prefix, err := netip.ParsePrefix(a.VpcCidr)
	if err != nil {
		return fail("VpcCidr", "%v", err)
	}
	plan, err := netplan.Compute(prefix, len(a.Zones))
	if err != nil {
		return fail("VpcCidr", "%v", err)
	}
	return plan, nil
}

// NewNetwork builds the VPC.
func NewNetwork(ctx *pulumi.Context, name string, args NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	plan, err := args.validate(name)
	if err != nil {
		return nil, err
	}
	comp := &Network{Zones: slices.Clone(args.Zones)}
	err = ctx.RegisterComponentResourceV2("digit:aws:Network", name, pulumi.Map{
		"vpcCidr": pulumi.String(args.VpcCidr), "zones": pulumi.ToStringArray(args.Zones),
		"natMode": pulumi.String(args.NatMode),
	}, comp, opts...)
	if err != nil {
		return nil, err
	}
	parent := pulumi.Parent(comp)
	tags := func(extra map[string]string) pulumi.StringMap { return mergeTags(args.Tags, extra) }
	subnetTags := func(n, role string) pulumi.StringMap {
		t := map[string]string{"Name": n, role: "1"}
		if args.ClusterName != "" {
			t["kubernetes.io/cluster/"+args.ClusterName] = "shared"
		}
		return tags(t)
	}

	vpc, err := ec2.NewVpc(ctx, name, &ec2.VpcArgs{
		CidrBlock:          pulumi.String(plan.VPC.String()),
		EnableDnsHostnames: pulumi.Bool(true), // EKS nodes and private endpoints need DNS names
		EnableDnsSupport:   pulumi.Bool(true),
		Tags:               tags(map[string]string{"Name": name}),
	}, parent)
	if err != nil {
		return nil, err
	}
	igw, err := ec2.NewInternetGateway(ctx, name, &ec2.InternetGatewayArgs{
		VpcId: vpc.ID(),
		Tags:  tags(map[string]string{"Name": name}),
	}, parent)
	if err != nil {
		return nil, err
	}
	publicRT, err := ec2.NewRouteTable(ctx, name+"-public", &ec2.RouteTableArgs{
		VpcId:  vpc.ID(),
		Routes: ec2.RouteTableRouteArray{ec2.RouteTableRouteArgs{CidrBlock: pulumi.String("0.0.0.0/0"), GatewayId: igw.ID()}},
		Tags:   tags(map[string]string{"Name": name + "-public"}),
	}, parent)
	if err != nil {
		return nil, err
	}

	var publicIDs, privateIDs, privateRTs pulumi.StringArray
	var nats []*ec2.NatGateway
	for i, zone := range args.Zones {
		// Children are named by zone, not index, so their names stay meaningful in previews.
		pubName := fmt.Sprintf("%s-public-%s", name, zone)
		pub, err := ec2.NewSubnet(ctx, pubName, &ec2.SubnetArgs{
			VpcId:            vpc.ID(),
			AvailabilityZone: pulumi.String(zone),
			CidrBlock:        pulumi.String(plan.Public[i].String()),
			// Only NAT gateways (with EIPs) and load balancers live here; nothing should get a public IP by accident.
			MapPublicIpOnLaunch: pulumi.Bool(false),
			Tags:                subnetTags(pubName, "kubernetes.io/role/elb"),
		}, parent)
		if err != nil {
			return nil, err
		}
		if _, err := ec2.NewRouteTableAssociation(ctx, pubName, &ec2.RouteTableAssociationArgs{
			SubnetId: pub.ID(), RouteTableId: publicRT.ID(),
		}, parent); err != nil {
			return nil, err
		}
		comp.PublicSubnets = append(comp.PublicSubnets, pub)
		publicIDs = append(publicIDs, pub.ID())

		if i == 0 || args.NatMode == NatPerZone {
			natName := fmt.Sprintf("%s-nat-%s", name, zone)
			eip, err := ec2.NewEip(ctx, natName, &ec2.EipArgs{
				Domain: pulumi.String("vpc"),
				Tags:   tags(map[string]string{"Name": natName}),
			}, parent)
			if err != nil {
				return nil, err
			}
			nat, err := ec2.NewNatGateway(ctx, natName, &ec2.NatGatewayArgs{
				AllocationId: eip.AllocationId,
				SubnetId:     pub.ID(),
				Tags:         tags(map[string]string{"Name": natName}),
			}, parent, pulumi.DependsOn([]pulumi.Resource{igw})) // a NAT without a route to an IGW fails to start
			if err != nil {
				return nil, err
			}
			nats = append(nats, nat)
		}
	}
	for i, zone := range args.Zones {
		privName := fmt.Sprintf("%s-private-%s", name, zone)
		priv, err := ec2.NewSubnet(ctx, privName, &ec2.SubnetArgs{
			VpcId:            vpc.ID(),
			AvailabilityZone: pulumi.String(zone),
			CidrBlock:        pulumi.String(plan.Private[i].String()),
			Tags:             subnetTags(privName, "kubernetes.io/role/internal-elb"),
		}, parent)
		if err != nil {
			return nil, err
		}
		nat := nats[0]
		if args.NatMode == NatPerZone {
			nat = nats[i]
		}
		rt, err := ec2.NewRouteTable(ctx, privName, &ec2.RouteTableArgs{
			VpcId:  vpc.ID(),
			Routes: ec2.RouteTableRouteArray{ec2.RouteTableRouteArgs{CidrBlock: pulumi.String("0.0.0.0/0"), NatGatewayId: nat.ID()}},
			Tags:   tags(map[string]string{"Name": privName}),
		}, parent)
		if err != nil {
			return nil, err
		}
		if _, err := ec2.NewRouteTableAssociation(ctx, privName, &ec2.RouteTableAssociationArgs{
			SubnetId: priv.ID(), RouteTableId: rt.ID(),
		}, parent); err != nil {
			return nil, err
		}
		privateRTs = append(privateRTs, rt.ID())
		comp.PrivateSubnets = append(comp.PrivateSubnets, priv)
		privateIDs = append(privateIDs, priv.ID())
	}

	if err := newFlowLogs(ctx, name, vpc, args.FlowLogRetentionDays, args.Protect, tags, parent); err != nil {
		return nil, err
	}
	// AWS gives every VPC a default security group that lets its members talk to each other and out. Nothing here
	// uses it; managing it with no rules leaves nothing a forgotten ENI could inherit (CIS AWS 5.4, CKV2_AWS_12).
	if _, err := ec2.NewDefaultSecurityGroup(ctx, name+"-default", &ec2.DefaultSecurityGroupArgs{
		VpcId: vpc.ID(),
		Tags:  tags(map[string]string{"Name": name + "-default-unused"}),
	}, parent); err != nil {
		return nil, err
	}
	if args.Endpoints {
		if err := newEndpoints(ctx, name, args, vpc, privateIDs, privateRTs, tags, parent); err != nil {
			return nil, err
		}
	}

	comp.VpcId = vpc.ID().ToStringOutput()
	comp.PublicSubnetIds = publicIDs.ToStringArrayOutput()
	comp.PrivateSubnetIds = privateIDs.ToStringArrayOutput()
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"vpcId":            comp.VpcId,
		"publicSubnetIds":  comp.PublicSubnetIds,
		"privateSubnetIds": comp.PrivateSubnetIds,
		"zones":            pulumi.ToStringArray(comp.Zones),
	})
}

// newEndpoints creates the S3 gateway endpoint on the private route tables and an interface endpoint with private
// DNS per VpcEndpointServices entry in the private subnets, reachable on 443 from the VPC only.
func newEndpoints(ctx *pulumi.Context, name string, args NetworkArgs, vpc *ec2.Vpc, subnets, routeTables pulumi.StringArray,
	tags func(map[string]string) pulumi.StringMap, parent pulumi.ResourceOption,
) error {
	service := func(s string) pulumi.String { return pulumi.String("com.amazonaws." + args.Region + "." + s) }
	if _, err := ec2.NewVpcEndpoint(ctx, name+"-s3", &ec2.VpcEndpointArgs{
		VpcId: vpc.ID(), ServiceName: service("s3"), VpcEndpointType: pulumi.String("Gateway"),
		RouteTableIds: routeTables, Tags: tags(map[string]string{"Name": name + "-s3"}),
	}, parent); err != nil {
		return err
	}
	sg, err := ec2.NewSecurityGroup(ctx, name+"-endpoints", &ec2.SecurityGroupArgs{
		VpcId:       vpc.ID(),
		Description: pulumi.String("VPC interface endpoints of " + name + ": 443 from the VPC"),
		Ingress: ec2.SecurityGroupIngressArray{ec2.SecurityGroupIngressArgs{
			Description: pulumi.String("HTTPS from the VPC"), Protocol: pulumi.String("tcp"),
			FromPort: pulumi.Int(443), ToPort: pulumi.Int(443), CidrBlocks: pulumi.StringArray{vpc.CidrBlock},
		}},
		Egress: ec2.SecurityGroupEgressArray{},
		Tags:   tags(map[string]string{"Name": name + "-endpoints"}),
	}, parent)
	if err != nil {
		return err
	}
	for _, s := range VpcEndpointServices {
		n := name + "-" + strings.ReplaceAll(s, ".", "-")
		if _, err := ec2.NewVpcEndpoint(ctx, n, &ec2.VpcEndpointArgs{
			VpcId: vpc.ID(), ServiceName: service(s), VpcEndpointType: pulumi.String("Interface"),
			SubnetIds: subnets, SecurityGroupIds: pulumi.StringArray{sg.ID()}, PrivateDnsEnabled: pulumi.Bool(true),
			Tags: tags(map[string]string{"Name": n}),
		}, parent); err != nil {
			return err
		}
	}
	return nil
}

// newFlowLogs sends the VPC's flow logs (accepted and rejected) to a CloudWatch log group, through a role only the
// flow-logs service can assume and that may only write to that group.
func newFlowLogs(ctx *pulumi.Context, name string, vpc *ec2.Vpc, retention int, protect bool,
	tags func(map[string]string) pulumi.StringMap, parent pulumi.ResourceOrInvokeOption,
) error {
	prefix := "/digit/vpc-flow-logs/" + name + "-"
	key, err := newLogsKey(ctx, name+"-flow-logs", "VPC flow logs of "+name, prefix+"*", tags(nil), parent,
		stateful(protect, false)...)
	if err != nil {
		return err
	}
	group, err := cloudwatch.NewLogGroup(ctx, name+"-flow-logs", &cloudwatch.LogGroupArgs{
		NamePrefix:      pulumi.String(prefix),
		RetentionInDays: pulumi.Int(retention),
		KmsKeyId:        key.Arn,
		Tags:            tags(nil),
	}, parent)
	if err != nil {
		return err
	}
	role, err := iam.NewRole(ctx, name+"-flow-logs", &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(assumeRoleForService("vpc-flow-logs.amazonaws.com")),
		Tags:             tags(nil),
	}, parent)
	if err != nil {
		return err
	}
	policy := group.Arn.ApplyT(func(arn string) string {
		return mustJSON(map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{map[string]any{
				"Effect": "Allow",
				"Action": []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups",
					"logs:DescribeLogStreams"},
				"Resource": []string{arn, arn + ":*"},
			}},
		})
	}).(pulumi.StringOutput)
	rp, err := iam.NewRolePolicy(ctx, name+"-flow-logs", &iam.RolePolicyArgs{Role: role.ID(), Policy: policy}, parent)
	if err != nil {
		return err
	}
	_, err = ec2.NewFlowLog(ctx, name, &ec2.FlowLogArgs{
		VpcId:              vpc.ID(),
		TrafficType:        pulumi.String("ALL"),
		LogDestinationType: pulumi.String("cloud-watch-logs"),
		LogDestination:     group.Arn,
		IamRoleArn:         role.Arn,
		Tags:               tags(map[string]string{"Name": name}),
	}, parent, pulumi.DependsOn([]pulumi.Resource{rp}))
	return err
}
