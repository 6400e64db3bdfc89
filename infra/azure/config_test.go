package azure_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digit-iac/digit/catalogue"
	infraazure "github.com/digit-iac/digit/infra/azure"
	"github.com/digit-iac/digit/stacks"
	"github.com/digit-iac/digit/stacks/config"
)

// TestAzureProdLoads: the committed production shape loads with its values and the target's defaults.
func TestAzureProdLoads(t *testing.T) {
	cfg := mustLoad(t, nil)
	s, ok := cfg.Cloud.(*infraazure.Section)
	if !ok {
		t.Fatalf("section %T", cfg.Cloud)
	}
	if s.Location != "centralindia" || strings.Join(s.Zones, ",") != "1,2,3" || s.UserPool.Count != 6 ||
		s.UserPool.VMSize != "Standard_D4s_v5" || s.SystemPool.Count != 3 || s.DatabaseSku != "Standard_D4ds_v5" ||
		s.DatabaseStorageGB != 128 || !s.GeoRedundantBackup || !cfg.Protect || cfg.Parallel != 32 || !cfg.CheckpointEveryStep {
		t.Errorf("loaded %+v (parallel %d, checkpoint %v)", s, cfg.Parallel, cfg.CheckpointEveryStep)
	}
	if !cfg.Services.ElasticsearchSysctl {
		t.Error("AKS nodes keep vm.max_map_count low: the Elasticsearch sysctl must default on")
	}
	if cfg.Volumes.Kafka.Type != "Premium_LRS" {
		t.Errorf("kafka disk type %q", cfg.Volumes.Kafka.Type)
	}
	// The catalogue's 2 GB disks are rounded up to the smallest managed disk.
	c3 := mustLoad(t, map[string]string{"digit:volumes": ""})
	if c3.Volumes.Zookeeper.SizeGB != infraazure.MinDiskGB || c3.Volumes.Zookeeper.Type != "Premium_LRS" || c3.Volumes.Kafka.SizeGB != 50 {
		t.Errorf("default volumes on azure: %+v", c3.Volumes)
	}
	// The storage size is rounded up to one the flexible server offers.
	c2 := mustLoad(t, map[string]string{"digit:database": `{"storageGb": 100, "multiAz": true, "deletionProtection": true}`})
	if got := c2.Cloud.(*infraazure.Section).DatabaseStorageGB; got != 128 {
		t.Errorf("storageGb 100 -> %d, want 128", got)
	}
	if c2.Database.InstanceClass != infraazure.DefaultDatabaseSku {
		t.Errorf("default SKU %q", c2.Database.InstanceClass)
	}
}

// TestAzureBadInputIsNamed: each bad value is refused by Load, naming its key, before anything is registered.
func TestAzureBadInputIsNamed(t *testing.T) {
	for _, tc := range []struct {
		name  string
		extra map[string]string
		want  string
	}{
		{"location", map[string]string{"digit:location": "Central India"}, "digit:location: \"Central India\" is not an Azure region"},
		{"zone", map[string]string{"digit:zones": `["1","4"]`}, `digit:zones: zone "4": Azure availability zones are 1, 2 and 3`},
		{"vnet overlap", map[string]string{"digit:vnetCidr": "10.244.0.0/16"}, "digit:vnetCidr: 10.244.0.0/16 overlaps the cluster's pod or service range 10.244.0.0/16"},
		{"vnet small", map[string]string{"digit:vnetCidr": "10.0.0.0/24"}, `digit:vnetCidr: "10.0.0.0/24" must be /8 to /20`},
		{"vnet host bits", map[string]string{"digit:vnetCidr": "10.0.0.1/16"}, "did you mean 10.0.0.0/16?"},
		{"pool order", map[string]string{"digit:userPool": `{"vmSize": "Standard_D4s_v5", "count": 6, "min": 7}`}, "digit:userPool: need 1 <= min <= count <= max"},
		{"pool unknown field", map[string]string{"digit:userPool": `{"vmSizes": "Standard_D4s_v5"}`}, `digit:userPool: unknown field "vmSizes"`},
		{"pool shape", map[string]string{"digit:userPool": `{"vmSize": "Standard_NC6", "count": 6}`}, `digit:userPool: vmSize "Standard_NC6": the capacity check knows D, E and F`},
		{"version", map[string]string{"digit:kubernetesVersion": "1.29"}, `digit:kubernetesVersion: "1.29" is not a supported AKS version`},
		{"api open", map[string]string{"digit:apiAccess": `{}`}, "digit:apiAccess: list who may reach the public Kubernetes API"},
		{"api both", map[string]string{"digit:apiAccess": `{"private": true, "authorizedIpRanges": ["1.2.3.0/24"]}`}, "digit:apiAccess: authorizedIpRanges given while private is true"},
		{"entra", map[string]string{"digit:entraId": `{"tenantId": "x", "adminGroupObjectIds": []}`}, `digit:entraId: tenantId "x" is not a GUID`},
		{"window", map[string]string{"digit:maintenanceWindow": `{"day": "Sun", "hour": 2}`}, `digit:maintenanceWindow: day "Sun"`},
		{"rds class", map[string]string{"digit:database": `{"instanceClass": "db.m5.large"}`}, `digit:database: instanceClass "db.m5.large" is not a flexible server SKU`},
		{"burstable HA", map[string]string{"digit:database": `{"instanceClass": "Standard_B2ms", "multiAz": true}`}, "digit:database: multiAz: a Burstable server"},
		{"pg 17", map[string]string{"digit:database": `{"engineVersion": "17"}`}, `digit:database: engineVersion "17": the flexible server is created with Postgres 13, 14, 15, 16`},
		{"backups", map[string]string{"digit:database": `{"backupRetentionDays": 3}`}, "digit:database: backupRetentionDays 3 must be between 7 and 35"},
		{"host", map[string]string{"digit:database": `{"host": "db.example.org"}`}, "digit:database: host, port and maxConnections are only for target existing"},
		{"reserved user", map[string]string{"digit:database": `{"user": "azure_superuser"}`}, `digit:database: user "azure_superuser" is reserved`},
		{"no password", map[string]string{"digit:dbPassword": ""}, "digit:dbPassword: is required on target azure"},
		{"weak password", map[string]string{"digit:dbPassword": "alllowercase"}, "digit:dbPassword: the flexible server wants three of"},
		{"geo unset", map[string]string{"digit:geoRedundantBackup": ""}, "digit:geoRedundantBackup: must be given (true or false) on a protected stack"},
		{"ebs type", map[string]string{"digit:volumes": `{"kafka": {"type": "gp3"}}`}, `digit:volumes: kafka.type "gp3" is not one of the zonal disk types Premium_LRS, StandardSSD_LRS, Standard_LRS`},
		{"repositories", map[string]string{"digit:registry": `{"repositories": ["egovio/egov-user"]}`}, "digit:registry: repositories are not created on azure"},
		{"tag", map[string]string{"digit:tags": `{"a/b": "x"}`}, `digit:tags: key "a/b" may not hold`},
		{"aws key", map[string]string{"digit:nodeGroup": `{"instanceType": "m4.large"}`}, `digit:nodeGroup: is not read by target "azure" (only by [aws])`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.extra)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("want an error containing %q, got %s", tc.want, errLines(err))
			}
			if err != nil && strings.Contains(err.Error(), testPassword) {
				t.Error("the error quotes the database password")
			}
		})
	}
	// The stack name goes into resource names.
	if _, err := config.Load(source(t, nil), "digit", "Azure_Prod"); err == nil || !strings.Contains(err.Error(), `digit:target: stack name "Azure_Prod" cannot name Azure resources`) {
		t.Errorf("stack name: %s", errLines(err))
	}
}

// TestAzureCapacityCheck: the user pool's allocatable, after AKS's reservations, must hold the catalogue; two small
// nodes cannot, and the check says so before anything is registered.
func TestAzureCapacityCheck(t *testing.T) {
	cfg := mustLoad(t, nil)
	shape, ok := cfg.Cloud.NodeShape()
	if !ok || shape.PerNode == nil || shape.Nodes != 6 {
		t.Fatalf("shape %+v", shape)
	}
	// Standard_D4s_v5: 4000m - 140m kube-reserved - 250m DaemonSets; 16384Mi - 2146Mi (20 MB x 110 + 50 MB) - 100Mi eviction - 550Mi.
	if p := *shape.PerNode; p.MilliCPU != 3610 || p.MemoryMiB != 13588 || p.Pods != 104 {
		t.Errorf("per node %+v, want 3610m, 13588Mi, 104 pods", p)
	}
	if err := stacks.CheckCapacity(cfg); err != nil {
		t.Errorf("the prod shape does not fit: %v", err)
	}
	small := mustLoad(t, map[string]string{"digit:userPool": `{"vmSize": "Standard_D2s_v5", "count": 2}`})
	if err := stacks.CheckCapacity(small); err == nil || !strings.Contains(err.Error(), "Standard_D2s_v5") {
		t.Errorf("2 x Standard_D2s_v5: %v", err)
	}
	if n, name, ok := cfg.Cloud.MaxConnections(cfg.Database); !ok || n != 1719 || !strings.Contains(name, "Standard_D4ds_v5") {
		t.Errorf("max_connections %d (%s, %v), want 1719 for 16 GiB", n, name, ok)
	}
	if p := cfg.Cloud.ProvidedSecrets(); !p[catalogue.ProviderFilestoreSecretKey] || !p[catalogue.ProviderFilestoreAccessKey] {
		t.Errorf("provided secrets %v", p)
	}
}

// TestREADMEListsTheAzureKeys: every key the target registers has a row in the README's Azure table.
func TestREADMEListsTheAzureKeys(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range infraazure.Keys {
		found := false
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "| `digit:"+k+"` |") && strings.Contains(line, "azure") {
				found = true
			}
		}
		if !found {
			t.Errorf("README.md has no row for digit:%s naming azure", k)
		}
	}
}
