package azure

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/components/azure/aztest"
)

// expectArgError runs program, which must fail naming field, before registering anything.
func expectArgError(t *testing.T, field string, program pulumi.RunFunc) {
	t.Helper()
	m := aztest.New()
	err := m.Run(program)
	if err == nil || !strings.Contains(err.Error(), field+":") {
		t.Fatalf("expected an error naming %s, got %v", field, err)
	}
	if rs := m.All(); len(rs) != 0 {
		t.Errorf("%d resources registered before the %s error", len(rs), field)
	}
}

func TestPlanSubnets(t *testing.T) {
	p, err := PlanSubnets("10.0.0.0/16")
	if err != nil || p.Nodes.String() != "10.0.0.0/17" || p.Database.String() != "10.0.128.0/24" {
		t.Errorf("plan %+v, %v", p, err)
	}
	p, err = PlanSubnets("192.168.16.0/20")
	if err != nil || p.Nodes.String() != "192.168.16.0/21" || p.Database.String() != "192.168.24.0/24" {
		t.Errorf("plan %+v, %v", p, err)
	}
	for _, bad := range []string{"10.0.0.0/21", "10.0.0.1/16", "fd00::/48", "x"} {
		if _, err := PlanSubnets(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestGlobalNameFitsAndDiffersBySeed(t *testing.T) {
	a := GlobalName("digit-a-very-long-stack-name-indeed", "sub-1/digit/prod", 24)
	b := GlobalName("digit-a-very-long-stack-name-indeed", "sub-2/digit/prod", 24)
	if len(a) != 24 || a == b || strings.ContainsAny(a, "-_") || a != GlobalName("digit-a-very-long-stack-name-indeed", "sub-1/digit/prod", 24) {
		t.Errorf("names %q %q", a, b)
	}
	if SkuTier("Standard_B2ms") != "Burstable" || SkuTier("Standard_D4ds_v5") != "GeneralPurpose" ||
		SkuTier("Standard_E8ds_v5") != "MemoryOptimized" || SkuTier("db.t3.medium") != "" {
		t.Error("SkuTier")
	}
}

func TestComponentsRefuseBadArgumentsBeforeRegistering(t *testing.T) {
	rg := pulumi.String("rg")
	id := pulumi.String("/x")
	expectArgError(t, "HighAvailability", func(ctx *pulumi.Context) error {
		_, err := NewDatabase(ctx, "db", DatabaseArgs{ResourceGroupName: rg, VnetId: id, DelegatedSubnetId: id,
			Version: "15", Sku: "Standard_B2ms", StorageGB: 32, BackupRetentionDays: 7, HighAvailability: true,
			Zone: "1", StandbyZone: "2", AdminLogin: "egov", Password: pulumi.String("x"), DBName: "egov"})
		return err
	})
	expectArgError(t, "StorageGB", func(ctx *pulumi.Context) error {
		_, err := NewDatabase(ctx, "db", DatabaseArgs{ResourceGroupName: rg, VnetId: id, DelegatedSubnetId: id,
			Version: "15", Sku: "Standard_D2ds_v5", StorageGB: 100, BackupRetentionDays: 7,
			AdminLogin: "egov", Password: pulumi.String("x"), DBName: "egov"})
		return err
	})
	expectArgError(t, "AuthorizedIPRanges", func(ctx *pulumi.Context) error {
		_, err := NewCluster(ctx, "c", ClusterArgs{ResourceGroupName: rg, SubscriptionID: "s", NodeSubnetId: id,
			DiskResourceGroupId: id, KubernetesVersion: "1.34", Zones: []string{"1"},
			SystemPool: Pool{VMSize: "Standard_D2s_v5", Count: 3}, UserPool: Pool{VMSize: "Standard_D4s_v5", Count: 6}})
		return err
	})
	expectArgError(t, "Roles", func(ctx *pulumi.Context) error {
		_, err := NewDisks(ctx, "d", DisksArgs{ResourceGroupName: rg, Zones: []string{"1"},
			Roles: []DiskRole{{Name: "kafka", Replicas: 1, SizeGB: 10, Sku: "Premium_ZRS"}}})
		return err
	})
	expectArgError(t, "Name", func(ctx *pulumi.Context) error {
		_, err := NewRegistry(ctx, "r", RegistryArgs{ResourceGroupName: rg, SubscriptionID: "s", Name: "Digit-Reg", PullerPrincipalId: id})
		return err
	})
}

// TestComponentsAreParented: every resource of the Azure layer is a child of its digit:azure component, so the
// component's options (protect, provider, aliases) reach it.
func TestComponentsAreParented(t *testing.T) {
	m := aztest.New()
	err := m.Run(func(ctx *pulumi.Context) error {
		rg := pulumi.String("rg")
		n, err := NewNetwork(ctx, "n", NetworkArgs{ResourceGroupName: rg, Location: "centralindia", AddressSpace: "10.0.0.0/16"})
		if err != nil {
			return err
		}
		_, err = NewDisks(ctx, "d", DisksArgs{ResourceGroupName: rg, Location: "centralindia", Zones: []string{"1", "2"},
			Roles: []DiskRole{{Name: "kafka", Replicas: 3, SizeGB: 10, Sku: "Premium_LRS"}}})
		if err != nil {
			return err
		}
		_, err = NewFilestore(ctx, "f", FilestoreArgs{ResourceGroupName: rg, Location: "centralindia", AccountName: "digitfs1234"})
		_ = n
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	comps := map[string]string{}
	for _, r := range m.All() {
		if !r.Custom {
			comps[r.URN] = r.Type
		}
	}
	for _, r := range m.All() {
		if r.Custom && !strings.HasPrefix(comps[r.Parent], "digit:azure:") {
			t.Errorf("%s %s is parented to %q", r.Type, r.Name, r.Parent)
		}
	}
	// Round-robin: replicas 0, 1, 2 in zones 1, 2, 1, labelled as nodes are.
	for i, want := range []string{"1", "2", "1"} {
		d := m.MustFind(t, "azure-native:compute:Disk", "d-kafka-"+string(rune('0'+i)))
		if d.String("zones[0]") != want {
			t.Errorf("replica %d in zone %q, want %q", i, d.String("zones[0]"), want)
		}
	}
}
