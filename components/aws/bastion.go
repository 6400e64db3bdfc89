package aws

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// al2023AmiParameter is the public SSM parameter holding the latest Amazon Linux 2023 AMI of the region.
const al2023AmiParameter = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"

// BastionArgs configures a Bastion.
type BastionArgs struct {
	// SubnetId is a private subnet (the instance reaches SSM through the NAT). Required.
	SubnetId pulumi.StringInput
	// VpcId of the network. Required.
	VpcId pulumi.StringInput
	// ApiSecurityGroupId, when set, is the cluster's security group: the bastion is let in on 443, to reach the
	// private API endpoint it forwards to. Default none.
	ApiSecurityGroupId pulumi.StringInput
	// InstanceType of the instance. Default "t2.micro".
	InstanceType string
	// Tags are added to every taggable child. Default none.
	Tags map[string]string
}

// Bastion is an instance reached only through SSM Session Manager (shell and port forwarding to the database or
// the private API endpoint): no public IP, no inbound rule, no SSH key.
type Bastion struct {
	pulumi.ResourceState

	InstanceId pulumi.StringOutput
	// SecurityGroupId is the bastion's group, to allow in the database's AllowedSecurityGroupIds.
	SecurityGroupId pulumi.StringOutput
}

func (a *BastionArgs) validate(name string) error {
	fail := func(field, f string, v ...any) error { return argError("Bastion", name, field, f, v...) }
	if a.InstanceType == "" {
		a.InstanceType = "t2.micro"
	}
	if a.SubnetId == nil {
		return fail("SubnetId", "required")
	}
	if a.VpcId == nil {
		return fail("VpcId", "required")
	}
	if !instanceTypePattern.MatchString(a.InstanceType) {
		return fail("InstanceType", "%q is not an EC2 instance type like \"t2.micro\"", a.InstanceType)
	}
	return nil
}

// NewBastion creates the instance.
func NewBastion(ctx *pulumi.Context, name string, args BastionArgs, opts ...pulumi.ResourceOption) (*Bastion, error) {
	if err := args.validate(name); err != nil {
		return nil, err
	}
	comp := &Bastion{}
	if err := ctx.RegisterComponentResourceV2("digit:aws:Bastion", name, pulumi.Map{
		"instanceType": pulumi.String(args.InstanceType),
	}, comp, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(comp)
	tags := mergeTags(args.Tags, nil)

	sg, err := ec2.NewSecurityGroup(ctx, name, &ec2.SecurityGroupArgs{
		VpcId:       args.VpcId,
		Description: pulumi.String("Bastion " + name + ": no inbound; outbound for SSM and port forwarding"),
		Egress: ec2.SecurityGroupEgressArray{ec2.SecurityGroupEgressArgs{
			Protocol: pulumi.String("-1"), FromPort: pulumi.Int(0), ToPort: pulumi.Int(0),
			CidrBlocks: pulumi.ToStringArray([]string{"0.0.0.0/0"}),
		}},
		Tags: mergeTags(args.Tags, map[string]string{"Name": name + "-bastion"}),
	}, parent)
	if err != nil {
		return nil, err
	}
	if args.ApiSecurityGroupId != nil {
		if _, err := ec2.NewSecurityGroupRule(ctx, name+"-api-from-bastion", &ec2.SecurityGroupRuleArgs{
			Type: pulumi.String("ingress"), Description: pulumi.String("Kubernetes API from the bastion"),
			SecurityGroupId: args.ApiSecurityGroupId, Protocol: pulumi.String("tcp"),
			FromPort: pulumi.Int(443), ToPort: pulumi.Int(443), SourceSecurityGroupId: sg.ID(),
		}, parent); err != nil {
			return nil, err
		}
	}
	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(assumeRoleForService("ec2.amazonaws.com")),
		Tags:             tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	att, err := iam.NewRolePolicyAttachment(ctx, name+"-ssm", &iam.RolePolicyAttachmentArgs{
		Role: role.Name, PolicyArn: pulumi.String(managedPolicy("AmazonSSMManagedInstanceCore")),
	}, parent)
	if err != nil {
		return nil, err
	}
	profile, err := iam.NewInstanceProfile(ctx, name, &iam.InstanceProfileArgs{Role: role.Name, Tags: tags}, parent)
	if err != nil {
		return nil, err
	}
	ami := ssm.LookupParameterOutput(ctx, ssm.LookupParameterOutputArgs{
		Name: pulumi.String(al2023AmiParameter),
	}, pulumi.Parent(comp)).Value()

	inst, err := ec2.NewInstance(ctx, name, &ec2.InstanceArgs{
		Ami:                      ami,
		InstanceType:             pulumi.String(args.InstanceType),
		SubnetId:                 args.SubnetId,
		AssociatePublicIpAddress: pulumi.Bool(false),
		VpcSecurityGroupIds:      pulumi.StringArray{sg.ID()},
		IamInstanceProfile:       profile.Name,
		MetadataOptions: ec2.InstanceMetadataOptionsArgs{
			HttpEndpoint:            pulumi.String("enabled"),
			HttpTokens:              pulumi.String("required"),
			HttpPutResponseHopLimit: pulumi.Int(1),
		},
		RootBlockDevice: ec2.InstanceRootBlockDeviceArgs{
			Encrypted:  pulumi.Bool(true),
			VolumeType: pulumi.String("gp3"),
		},
		Tags: mergeTags(args.Tags, map[string]string{"Name": name + "-bastion"}),
	}, parent,
		// The parameter moves with every AMI release; the bastion is replaced deliberately, not on each update.
		pulumi.IgnoreChanges([]string{"ami"}),
		// Without the SSM policy the agent never registers and the instance is unreachable.
		pulumi.DependsOn([]pulumi.Resource{att}))
	if err != nil {
		return nil, err
	}
	comp.InstanceId = inst.ID().ToStringOutput()
	comp.SecurityGroupId = sg.ID().ToStringOutput()
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"instanceId": comp.InstanceId, "securityGroupId": comp.SecurityGroupId,
	})
}
