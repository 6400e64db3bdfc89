package awstest

import (
	"strings"
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
	if s.ID != "s-subnet-id" || s.Outputs["arn"].StringValue() == "" {
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

func TestUnknownInvokeFailsNamingTheToken(t *testing.T) {
	m := New()
	const token = "aws:ec2/getVpc:getVpc"
	_, err := m.Call(pulumi.MockCallArgs{Token: token, Args: resource.PropertyMap{"id": resource.NewProperty("vpc-1")}})
	if err == nil || !strings.Contains(err.Error(), `"`+token+`"`) {
		t.Fatalf("unknown invoke answered with error %v, want one naming %s", err, token)
	}
	// Through a program, the invoke's error fails the run.
	err = m.Run(func(ctx *pulumi.Context) error {
		var out struct{}
		return ctx.Invoke(token, map[string]any{"id": "vpc-1"}, &out)
	})
	if err == nil || !strings.Contains(err.Error(), token) {
		t.Fatalf("program with an unknown invoke: error %v, want one naming %s", err, token)
	}
	m.Invokes[token] = func(pulumi.MockCallArgs) (resource.PropertyMap, error) {
		return resource.PropertyMap{"cidrBlock": resource.NewProperty("10.0.0.0/16")}, nil
	}
	if out, err := m.Call(pulumi.MockCallArgs{Token: token}); err != nil || out["cidrBlock"].StringValue() != "10.0.0.0/16" {
		t.Errorf("an answer in Invokes is not used: %v %v", out, err)
	}
}

func TestSameLogicalNameDifferentTypesGetDistinctNamesAndIDs(t *testing.T) {
	m := New()
	err := m.Run(func(ctx *pulumi.Context) error {
		for _, tok := range []string{"aws:ec2/securityGroup:SecurityGroup", "aws:rds/subnetGroup:SubnetGroup",
			"aws:rds/parameterGroup:ParameterGroup"} {
			var r pulumi.CustomResourceState
			if err := ctx.RegisterResource(tok, "db", pulumi.Map{}, &r); err != nil {
				return err
			}
		}
		var named pulumi.CustomResourceState
		return ctx.RegisterResource("aws:iam/role:Role", "r", pulumi.Map{"name": pulumi.String("given")}, &named)
	})
	if err != nil {
		t.Fatal(err)
	}
	names, ids := map[string]bool{}, map[string]bool{}
	for _, r := range m.All() {
		if r.Name != "db" {
			continue
		}
		n := r.Outputs["name"].StringValue()
		if !strings.HasPrefix(n, "db-") || names[n] || ids[r.ID] {
			t.Errorf("%s: name %q id %q not distinct from the other types' (%v %v)", r.Type, n, r.ID, names, ids)
		}
		names[n], ids[r.ID] = true, true
	}
	if len(names) != 3 {
		t.Errorf("%d distinct names, want 3", len(names))
	}
	if got := m.MustFind(t, "aws:iam/role:Role", "r").Outputs["name"].StringValue(); got != "given" {
		t.Errorf("a name input is the physical name: got %q", got)
	}
}
