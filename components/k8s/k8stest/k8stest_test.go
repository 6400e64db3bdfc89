package k8stest

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

type testRes struct{ pulumi.CustomResourceState }

type testComp struct{ pulumi.ResourceState }

func TestRecordsInputsParentsAndSecrets(t *testing.T) {
	m := New()
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		comp := &testComp{}
		if err := ctx.RegisterComponentResource("digit:test:Comp", "c", comp); err != nil {
			return err
		}
		var dep testRes
		if err := ctx.RegisterResource("kubernetes:core/v1:ConfigMap", "dep", pulumi.Map{}, &dep, pulumi.Parent(comp)); err != nil {
			return err
		}
		var r testRes
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
		}, &r, pulumi.Parent(comp), pulumi.DependsOn([]pulumi.Resource{&dep}))
	}, pulumi.WithMocks("digit", "test", m))
	if err != nil {
		t.Fatal(err)
	}

	s := m.One(t, "kubernetes:core/v1:Secret", "s")
	comp, ok := m.Find("digit:test:Comp", "c")
	if !ok || s.Parent != comp.URN || comp.URN == "" {
		t.Errorf("parent %q, component URN %q", s.Parent, comp.URN)
	}
	dep := m.One(t, "kubernetes:core/v1:ConfigMap", "dep")
	if len(s.DependsOn) != 1 || s.DependsOn[0] != dep.URN {
		t.Errorf("DependsOn %v, want [%s]", s.DependsOn, dep.URN)
	}
	if s.MetadataName() != "db" || s.Label("app.kubernetes.io/name") != "db" {
		t.Errorf("metadata lookups: %q %q", s.MetadataName(), s.Label("app.kubernetes.io/name"))
	}
	if s.String("env[name=B].value") != "hunter2 in plain" || s.String("env[1].name") != "B" || s.Int("replicas") != 3 || s.String("replicas") != "3" {
		t.Errorf("path lookups failed: %v", s.Get("env"))
	}
	if !s.IsSecret("stringData.password") || s.IsSecret("env[0].value") || s.String("stringData.password") != "hunter2" {
		t.Errorf("secret detection")
	}
	if s.Has("env[name=C]") || s.Has("metadata.annotations") || s.Get("nope.deeper[3]") != nil {
		t.Errorf("missing paths reported present")
	}
	leaks := m.PlaintextPaths("hunter2")
	if len(leaks) != 1 || leaks[0] != "kubernetes:core/v1:Secret s env[1].value" {
		t.Errorf("PlaintextPaths = %v", leaks)
	}
	if got := len(m.Kubernetes()); got != 2 {
		t.Errorf("Kubernetes() = %d resources", got)
	}
}
