package aws

import (
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/components/aws/awstest"
	"github.com/digit-iac/digit/internal/mocktest"
)

func TestBastionIsReachableOnlyThroughSSM(t *testing.T) {
	var b *Bastion
	m := run(t, func(ctx *pulumi.Context) error {
		var err error
		b, err = NewBastion(ctx, "bastion", BastionArgs{SubnetId: pulumi.String("subnet-priv-a"), VpcId: pulumi.String("vpc-1")})
		return err
	})
	inst := only(t, m, "aws:ec2/instance:Instance")
	if !inst.Has("associatePublicIpAddress") || inst.Bool("associatePublicIpAddress") {
		t.Error("instance may get a public IP")
	}
	if inst.String("subnetId") != "subnet-priv-a" || inst.String("instanceType") != "t2.micro" {
		t.Errorf("subnet %q type %q", inst.String("subnetId"), inst.String("instanceType"))
	}
	if inst.String("metadataOptions.httpTokens") != "required" {
		t.Error("IMDSv2 not required")
	}
	if inst.Has("keyName") {
		t.Error("instance has an SSH key")
	}
	if inst.String("ami") != awstest.AmiID {
		t.Errorf("AMI %q, want the SSM parameter's", inst.String("ami"))
	}
	calls := m.Calls("aws:ssm/getParameter:getParameter")
	if len(calls) != 1 || mocktest.Unwrap(calls[0].Args["name"]).StringValue() != al2023AmiParameter {
		t.Errorf("AMI lookups %v", calls)
	}
	if !slices.Contains(inst.IgnoreChanges, "ami") {
		t.Error("every AMI release would replace the bastion")
	}
	if !inst.Bool("rootBlockDevice.encrypted") {
		t.Error("root volume not encrypted")
	}

	sg := only(t, m, "aws:ec2/securityGroup:SecurityGroup")
	if sg.Len("ingress") != 0 {
		t.Errorf("bastion accepts inbound traffic: %v", sg.Get("ingress"))
	}
	if got := inst.Strings("vpcSecurityGroupIds"); !slices.Equal(got, []string{sg.ID}) {
		t.Errorf("instance groups %v", got)
	}
	role := only(t, m, "aws:iam/role:Role")
	att := only(t, m, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
	if att.String("role") != role.Outputs["name"].StringValue() ||
		att.String("policyArn") != "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" {
		t.Errorf("SSM policy attachment %v", att.Inputs)
	}
	profile := only(t, m, "aws:iam/instanceProfile:InstanceProfile")
	if inst.String("iamInstanceProfile") != profile.Outputs["name"].StringValue() {
		t.Errorf("instance profile %q", inst.String("iamInstanceProfile"))
	}
	if profile.String("role") != role.Outputs["name"].StringValue() {
		t.Errorf("instance profile carries role %q, want %q", profile.String("role"), role.Outputs["name"].StringValue())
	}
	if !slices.Contains(inst.DependsOn, att.URN) {
		t.Error("the instance must wait for the SSM policy, or the agent never registers")
	}
	trust := role.JSON(t, "assumeRolePolicy").(map[string]any)["Statement"].([]any)[0].(map[string]any)
	if trust["Principal"].(map[string]any)["Service"] != "ec2.amazonaws.com" {
		t.Errorf("bastion role assumable by %v", trust["Principal"])
	}
	if sg.String("vpcId") != "vpc-1" || sg.String("egress[0].cidrBlocks[0]") != "0.0.0.0/0" ||
		sg.String("egress[0].protocol") != "-1" {
		t.Errorf("security group vpc %q egress %v, want vpc-1 and all outbound (SSM endpoints)", sg.String("vpcId"),
			sg.Get("egress"))
	}
	if id, _ := mocktest.AwaitString(t, b.InstanceId); id != inst.ID {
		t.Errorf("InstanceId %q", id)
	}
	if id, _ := mocktest.AwaitString(t, b.SecurityGroupId); id != sg.ID {
		t.Errorf("SecurityGroupId %q, want %s", id, sg.ID)
	}
	assertAllParented(t, m, "digit:aws:Bastion")
}

func TestBastionArgErrors(t *testing.T) {
	for _, tc := range []struct {
		field string
		args  BastionArgs
	}{
		{"SubnetId", BastionArgs{VpcId: pulumi.String("vpc-1")}},
		{"VpcId", BastionArgs{SubnetId: pulumi.String("subnet-1")}},
		{"InstanceType", BastionArgs{SubnetId: pulumi.String("subnet-1"), VpcId: pulumi.String("vpc-1"), InstanceType: "micro"}},
	} {
		t.Run(tc.field, func(t *testing.T) {
			expectArgError(t, tc.field, func(ctx *pulumi.Context) error {
				_, err := NewBastion(ctx, "bastion", tc.args)
				return err
			})
		})
	}
}
