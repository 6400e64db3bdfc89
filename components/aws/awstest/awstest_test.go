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
	if c.ID != "" {
		t.Errorf("the component got ID %q; components have none", c.ID)
	}
	if s.ID != "s-subnet-id" || !strings.HasPrefix(s.Outputs["arn"].StringValue(), "arn:aws:ec2:"+Region+":"+AccountID+":subnet/") {
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

// TestEKSClusterReferencesTheFixtures: the mocked pulumi-eks cluster answers with references to the stand-in
// resources (its AWS cluster, security groups, OIDC provider), each of which answers with its own state.
func TestEKSClusterReferencesTheFixtures(t *testing.T) {
	m := New()
	m.EKSClusterName = "digit-prod"
	err := m.Run(func(ctx *pulumi.Context) error {
		var cl pulumi.CustomResourceState
		return ctx.RegisterResource("eks:index:Cluster", "eks", pulumi.Map{}, &cl)
	})
	if err != nil {
		t.Fatal(err)
	}
	outs := m.MustFind(t, "eks:index:Cluster", "eks").Outputs
	core := outs["core"].ObjectValue()
	for _, ref := range []struct {
		what     string
		v        resource.PropertyValue
		role, id string
	}{
		{"eksCluster", outs["eksCluster"], "eks", "eks-cluster"},
		{"nodeSecurityGroup", outs["nodeSecurityGroup"], "node-sg", NodeSecurityGroupID},
		{"clusterSecurityGroup", outs["clusterSecurityGroup"], "cluster-sg", ControlPlaneSecurityGroupID},
		{"core.cluster", core["cluster"], "eks", "eks-cluster"},
		{"core.oidcProvider", core["oidcProvider"], "oidc", OidcProviderArn},
	} {
		if !ref.v.IsResourceReference() {
			t.Errorf("%s is %v, want a resource reference", ref.what, ref.v)
			continue
		}
		r := ref.v.ResourceReferenceValue()
		if !strings.HasSuffix(string(r.URN), "::"+fixturePrefix+ref.role) || r.ID.StringValue() != ref.id {
			t.Errorf("%s references %s (ID %v), want the %s fixture with ID %s", ref.what, r.URN, r.ID, ref.role, ref.id)
		}
	}
	for _, f := range eksFixtures {
		id, state, err := m.fixtureState(pulumi.MockResourceArgs{Name: fixturePrefix + f.role})
		if err != nil || id != f.id {
			t.Errorf("fixture %s answered ID %q (%v), want %q", f.role, id, err, f.id)
		}
		if f.role == "eks" && state["name"].StringValue() != "digit-prod" {
			t.Errorf("the EKS fixture is named %v, want the configured digit-prod", state["name"])
		}
	}
	if _, state, _ := New().fixtureState(pulumi.MockResourceArgs{Name: fixturePrefix + "eks"}); state["name"].StringValue() != "digit" {
		t.Errorf("the EKS fixture of a default mock is named %v, want digit", state["name"])
	}
}
