package mocktest

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

type testRes struct{ pulumi.CustomResourceState }

type testComp struct{ pulumi.ResourceState }

func TestRecordsInputsOptionsParentsAndSecrets(t *testing.T) {
	m := New()
	var secret testRes
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		comp := &testComp{}
		if err := ctx.RegisterComponentResource("digit:test:Comp", "c", comp); err != nil {
			return err
		}
		var dep testRes
		if err := ctx.RegisterResource("kubernetes:core/v1:ConfigMap", "dep", pulumi.Map{}, &dep, pulumi.Parent(comp),
			pulumi.Protect(true), pulumi.RetainOnDelete(true)); err != nil {
			return err
		}
		return ctx.RegisterResource("kubernetes:core/v1:Secret", "s", pulumi.Map{
			"metadata": pulumi.Map{
				"name":   pulumi.String("db"),
				"labels": pulumi.StringMap{"app.kubernetes.io/name": pulumi.String("db")},
			},
			"stringData": pulumi.ToSecret(pulumi.StringMap{"password": pulumi.String("hunter2")}),
			"env": pulumi.Array{
				pulumi.Map{"name": pulumi.String("A"), "value": pulumi.String("1")},
				pulumi.Map{"name": pulumi.String("B"), "value": pulumi.String("hunter2 in plain")},
			},
			"replicas": pulumi.Int(3),
			"enabled":  pulumi.Bool(true),
			"tags":     pulumi.StringMap{"k": pulumi.String("v")},
		}, &secret, pulumi.Parent(comp), pulumi.DependsOn([]pulumi.Resource{&dep}))
	}, pulumi.WithMocks("digit", "test", m))
	if err != nil {
		t.Fatal(err)
	}

	s := m.MustFind(t, "kubernetes:core/v1:Secret", "s")
	comp := m.MustFind(t, "digit:test:Comp", "c")
	if s.Parent != comp.URN || comp.URN == "" || comp.ID != "" || s.ID != "s-id" {
		t.Errorf("parent %q, component URN %q, IDs %q %q", s.Parent, comp.URN, comp.ID, s.ID)
	}
	if urn, _ := Await(t, secret.URN()).Value.(pulumi.URN); string(urn) != s.URN {
		t.Errorf("recorded URN %q, program sees %q", s.URN, urn)
	}
	dep := m.MustFind(t, "kubernetes:core/v1:ConfigMap", "dep")
	if len(s.DependsOn) != 1 || s.DependsOn[0] != dep.URN || !dep.Protect || !dep.RetainOnDelete || s.Protect {
		t.Errorf("options: DependsOn %v (want [%s]), protect %v retain %v", s.DependsOn, dep.URN, dep.Protect,
			dep.RetainOnDelete)
	}
	if s.MetadataName() != "db" || s.Label("app.kubernetes.io/name") != "db" || s.Tags()["k"] != "v" {
		t.Errorf("metadata lookups: %q %q %v", s.MetadataName(), s.Label("app.kubernetes.io/name"), s.Tags())
	}
	if s.String("env[name=B].value") != "hunter2 in plain" || s.String("env[1].name") != "B" || s.Int("replicas") != 3 ||
		s.String("replicas") != "3" || !s.Bool("enabled") || s.Len("env") != 2 || s.Len("") != 6 {
		t.Errorf("path lookups failed: %v", s.Get("env"))
	}
	if !s.IsSecret("stringData.password") || s.IsSecret("env[0].value") || s.String("stringData.password") != "hunter2" {
		t.Errorf("secret detection")
	}
	if s.Has("env[name=C]") || s.Has("metadata.annotations") || s.Get("nope.deeper[3]") != nil || !s.Value("nope").IsNull() {
		t.Errorf("missing paths reported present")
	}
	leaks := m.PlaintextPaths("hunter2")
	if len(leaks) != 1 || leaks[0] != "kubernetes:core/v1:Secret s env[1].value" {
		t.Errorf("PlaintextPaths = %v", leaks)
	}
	if got := len(m.Kubernetes()); got != 2 {
		t.Errorf("Kubernetes() = %d resources", got)
	}
	if kids := Names(m.ChildrenOf(comp.URN)); len(kids) != 2 || kids[0] != "dep" || kids[1] != "s" {
		t.Errorf("ChildrenOf = %v", kids)
	}
}

func TestMalformedPathPanics(t *testing.T) {
	for _, p := range []string{"a[", `a["b`, "a[x]", "a[-1]"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("path %q: expected a panic", p)
				}
			}()
			Resource{}.Lookup(p)
		}()
	}
}
