package awstest

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

type comp struct{ pulumi.ResourceState }

func TestRecordsWithAWSAnswersAndHidesFixtures(t *testing.T) {
	m := New()
	var child pulumi.CustomResourceState
	err := m.Run(func(ctx *pulumi.Context) error {
		c := &comp{}
		if err := ctx.RegisterComponentResource("digit:test:Comp", "c", c); err != nil {
			return err
		}
		return ctx.RegisterResource("aws:ec2/subnet:Subnet", "s", pulumi.Map{
			"cidrBlock": pulumi.String("10.0.0.0/24"),
		}, &child, pulumi.Parent(c), pulumi.Protect(true), pulumi.RetainOnDelete(true))
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(m.All()); n != 2 {
		t.Fatalf("%d recorded resources, want 2 (fixtures must stay hidden)", n)
	}
	s := m.MustFind(t, "aws:ec2/subnet:Subnet", "s")
	c := m.MustFind(t, "digit:test:Comp", "c")
	if s.Parent != c.URN || !s.Protect || !s.RetainOnDelete {
		t.Errorf("options not recorded: parent %q (component %q) protect %v retain %v", s.Parent, c.URN, s.Protect,
			s.RetainOnDelete)
	}
	if s.ID != "s-id" || s.Outputs["arn"].StringValue() == "" {
		t.Errorf("default outputs id %q arn %v", s.ID, s.Outputs["arn"])
	}
}

func TestOverridesAndInvokes(t *testing.T) {
	m := New()
	m.Outputs["aws:ec2/vpc:Vpc"] = func(_ pulumi.MockResourceArgs, _ resource.PropertyMap) resource.PropertyMap {
		return resource.PropertyMap{"cidrBlock": resource.NewProperty("10.9.0.0/16")}
	}
	var vpc pulumi.CustomResourceState
	err := m.Run(func(ctx *pulumi.Context) error {
		return ctx.RegisterResource("aws:ec2/vpc:Vpc", "v", pulumi.Map{}, &vpc)
	})
	if err != nil {
		t.Fatal(err)
	}
	if v := m.MustFind(t, "aws:ec2/vpc:Vpc", "v").Outputs["cidrBlock"]; v.StringValue() != "10.9.0.0/16" {
		t.Errorf("override not applied: %v", v)
	}
	out, err := m.Call(pulumi.MockCallArgs{Token: "aws:index/getCallerIdentity:getCallerIdentity"})
	if err != nil || out["accountId"].StringValue() != AccountID {
		t.Errorf("caller identity %v %v", out, err)
	}
	if len(m.Calls("aws:index/getCallerIdentity:getCallerIdentity")) != 1 {
		t.Error("call not recorded")
	}
}
