package stacks

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/components/aws/awstest"
	"github.com/digit-iac/digit/internal/mocktest"
	"github.com/digit-iac/digit/stacks/config"
)

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..")
}

// Test values of the required service credentials (digit:secrets); on aws the cloud layer provides the filestore's
// key pair, so only the enc-service master key is given there.
const (
	testEncSecrets      = `"egov-enc-service": {"master.password": "enc-pass-1", "master.salt": "salt-1", "master.initialvector": "iv-1"}`
	testFilestoreSecret = `"egov-filestore": {"awskey": "AKIATESTKEY", "awssecretkey": "test-secret-key"}`
)

func testServiceSecrets(target config.Target) string {
	if target == config.TargetAWS {
		return "{" + testEncSecrets + "}"
	}
	return "{" + testEncSecrets + ", " + testFilestoreSecret + "}"
}

func stackConfig(t *testing.T, stack string, extra map[string]string) *config.Config {
	t.Helper()
	src, err := config.StackFileSource(filepath.Join(repoRoot(), "Pulumi."+stack+".yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	src.Values["digit:secrets"] = testServiceSecrets(config.Target(src.Values["digit:target"]))
	src.Secrets = append(src.Secrets, "digit:secrets")
	for k, v := range extra {
		src.Values[k] = v
	}
	for k := range extra {
		if k == "digit:dbPassword" {
			src.Secrets = append(src.Secrets, k)
		}
	}
	cfg, err := config.Load(src, "digit", stack)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

type awsRun struct {
	m       *awstest.Mocks
	outputs pulumi.Map
}

func runAWS(t *testing.T, cfg *config.Config) awsRun {
	t.Helper()
	m := awstest.New()
	var outs pulumi.Map
	err := m.Run(func(ctx *pulumi.Context) error {
		var err error
		outs, err = Register(ctx, cfg)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return awsRun{m: m, outputs: outs}
}

func TestAWSStacksCloudLayer(t *testing.T) {
	for _, stack := range []string{"dev", "prod"} {
		t.Run(stack, func(t *testing.T) {
			prod := stack == "prod"
			cfg := stackConfig(t, stack, nil)
			r := runAWS(t, cfg)
			m := r.m

			ng := m.ByType("eks:index:ManagedNodeGroup")
			if len(ng) != 1 {
				t.Fatalf("%d managed node groups", len(ng))
			}
			if got := ng[0].Int("scalingConfig.desiredSize"); got != 6 {
				t.Errorf("desired nodes = %d, want 6", got)
			}
			if got := ng[0].Strings("instanceTypes"); len(got) != 1 || got[0] != "m4.large" {
				t.Errorf("instance types = %v, want [m4.large]", got)
			}

			zones := map[string][2]int{}
			for _, s := range m.ByType("aws:ec2/subnet:Subnet") {
				z := s.String("availabilityZone")
				c := zones[z]
				if strings.Contains(s.Name, "public") {
					c[0]++
				} else {
					c[1]++
				}
				zones[z] = c
			}
			if len(zones) != 3 {
				t.Errorf("subnets in %d zones, want 3: %v", len(zones), zones)
			}
			for z, c := range zones {
				if c != [2]int{1, 1} {
					t.Errorf("zone %s has %d public and %d private subnets, want 1 and 1", z, c[0], c[1])
				}
			}
			wantNAT := 1
			if prod {
				wantNAT = 3
			}
			if n := len(m.ByType("aws:ec2/natGateway:NatGateway")); n != wantNAT {
				t.Errorf("%d NAT gateways, want %d", n, wantNAT)
			}

			dbs := m.ByType("aws:rds/instance:Instance")
			if len(dbs) != 1 {
				t.Fatalf("%d RDS instances", len(dbs))
			}
			db := dbs[0]
			if db.Bool("publiclyAccessible") || !db.Bool("storageEncrypted") {
				t.Errorf("RDS public=%v encrypted=%v", db.Bool("publiclyAccessible"), db.Bool("storageEncrypted"))
			}
			if db.Bool("multiAz") != prod || db.Bool("deletionProtection") != prod || db.Protect != prod {
				t.Errorf("RDS multiAz=%v deletionProtection=%v protect=%v, want all %v",
					db.Bool("multiAz"), db.Bool("deletionProtection"), db.Protect, prod)
			}

			vols := m.ByType("aws:ebs/volume:Volume")
			if len(vols) != 12 {
				t.Errorf("%d EBS volumes, want 12 (3 per backbone role)", len(vols))
			}
			perZone := map[string]int{}
			for _, v := range vols {
				perZone[v.String("availabilityZone")]++
				if !v.Bool("encrypted") {
					t.Errorf("volume %s not encrypted", v.Name)
				}
				if v.Protect != prod || v.RetainOnDelete != prod {
					t.Errorf("volume %s protect=%v retain=%v, want %v", v.Name, v.Protect, v.RetainOnDelete, prod)
				}
			}
			for _, z := range cfg.AWS.Zones {
				if perZone[z] != 4 {
					t.Errorf("zone %s holds %d volumes, want 4 (spread evenly)", z, perZone[z])
				}
			}

			for _, repo := range m.ByType("aws:ecr/repository:Repository") {
				if !repo.Bool("imageScanningConfiguration.scanOnPush") {
					t.Errorf("ECR %s does not scan on push", repo.Name)
				}
			}
			if len(m.ByType("aws:ecr/repository:Repository")) != len(cfg.Registry.Repositories) {
				t.Errorf("ECR repositories %d, want %d", len(m.ByType("aws:ecr/repository:Repository")), len(cfg.Registry.Repositories))
			}
			pabs := m.ByType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
			if len(pabs) != 1 {
				t.Fatalf("%d public access blocks", len(pabs))
			}
			for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
				if !pabs[0].Bool(k) {
					t.Errorf("filestore bucket %s is false", k)
				}
			}
			for _, b := range m.ByType("aws:s3/bucketV2:BucketV2") {
				if b.Protect != prod {
					t.Errorf("bucket protect=%v, want %v", b.Protect, prod)
				}
			}
		})
	}
}

func TestAWSOutputsKeepThePasswordSecret(t *testing.T) {
	for _, tc := range []struct {
		name     string
		extra    map[string]string
		password string
	}{
		{"rds-managed", nil, awstest.ManagedPassword},
		{"from-config", map[string]string{"digit:dbPassword": "Config-Pass-123"}, "Config-Pass-123"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runAWS(t, stackConfig(t, "prod", tc.extra))
			for _, k := range []string{"kubeconfig", "clusterName", "dbHost", "dbPort", "dbName", "dbUser", "dbPassword",
				"registryUrl", "volumes", "filestoreBucket", "filestoreRoleArn", "modules", "ingressAddress"} {
				if _, ok := r.outputs[k]; !ok {
					t.Errorf("output %s missing", k)
				}
			}
			pw := mocktest.Await(t, pulumi.ToOutput(r.outputs["dbPassword"]))
			if pw.Value != tc.password || !pw.Secret {
				t.Errorf("dbPassword output = (%v, secret=%v), want the password as a secret", pw.Value == tc.password, pw.Secret)
			}
			if kc := mocktest.Await(t, pulumi.ToOutput(r.outputs["kubeconfig"])); !kc.Secret {
				t.Error("kubeconfig output is not secret")
			}
			if url, _ := mocktest.AwaitString(t, pulumi.ToOutput(r.outputs["registryUrl"])); url != awstest.AccountID+".dkr.ecr.ap-south-1.amazonaws.com" {
				t.Errorf("registryUrl = %q", url)
			}
			for _, key := range []string{"dbHost", "dbUser", "clusterName"} {
				if v := mocktest.Await(t, pulumi.ToOutput(r.outputs[key])); v.Secret {
					t.Errorf("output %s is secret; only credentials should be", key)
				}
			}
			for _, res := range r.m.All() {
				if res.Type == "kubernetes:core/v1:Secret" {
					continue
				}
				if path := plaintextIn(res.Inputs, tc.password); path != "" {
					t.Errorf("password in plaintext in %s %s at %s", res.Type, res.Name, path)
				}
			}
		})
	}
}

// TestStatefulCloudResourcesDoNotWaitForTheCluster: EKS takes ~10 minutes; the database, volumes, registry and
// bucket must be created alongside it, so none may (transitively) depend on it.
func TestStatefulCloudResourcesDoNotWaitForTheCluster(t *testing.T) {
	r := runAWS(t, stackConfig(t, "prod", nil))
	byURN := map[string]awstest.Resource{}
	for _, res := range r.m.All() {
		byURN[res.URN] = res
	}
	isCluster := func(urn string) bool {
		return strings.Contains(urn, "awstest-fixture-") || strings.Contains(urn, "::eks:") ||
			strings.Contains(urn, "aws:eks/") || strings.Contains(urn, "digit:aws:Cluster")
	}
	for _, typ := range []string{
		"aws:rds/instance:Instance", "aws:ebs/volume:Volume", "aws:ecr/repository:Repository", "aws:s3/bucketV2:BucketV2",
	} {
		list := r.m.ByType(typ)
		if len(list) == 0 {
			t.Fatalf("no %s registered", typ)
		}
		for _, res := range list {
			seen := map[string]bool{}
			queue := append([]string{}, res.DependsOn...)
			for len(queue) > 0 {
				urn := queue[0]
				queue = queue[1:]
				if seen[urn] {
					continue
				}
				seen[urn] = true
				if isCluster(urn) {
					t.Errorf("%s %s depends on the cluster through %s", typ, res.Name, urn)
					break
				}
				queue = append(queue, byURN[urn].DependsOn...)
			}
		}
	}
	// The check is only meaningful if dependencies are recorded at all: the node group must depend on the cluster.
	ng := r.m.ByType("eks:index:ManagedNodeGroup")[0]
	found := false
	for _, d := range ng.DependsOn {
		found = found || isCluster(d)
	}
	if !found {
		t.Fatalf("node group shows no dependency on the cluster (%v): the dependency check would be vacuous", ng.DependsOn)
	}
}

func TestAWSServiceLayerBindsEachVolumeToOnePVInItsZone(t *testing.T) {
	r := runAWS(t, stackConfig(t, "prod", nil))
	m := r.m
	pvs := m.ByType("kubernetes:core/v1:PersistentVolume")
	vols := m.ByType("aws:ebs/volume:Volume")
	if len(pvs) != len(vols) {
		t.Fatalf("%d PVs for %d volumes", len(pvs), len(vols))
	}
	for _, v := range vols {
		var matches []awstest.Resource
		for _, pv := range pvs {
			if pv.String("spec.csi.volumeHandle") == v.ID {
				matches = append(matches, pv)
			}
		}
		if len(matches) != 1 {
			t.Errorf("volume %s (%s) is in %d PVs, want 1", v.Name, v.ID, len(matches))
			continue
		}
		pv := matches[0]
		zone := pv.String("spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0]")
		if zone != v.String("availabilityZone") {
			t.Errorf("PV of %s pins zone %q, volume is in %q", v.Name, zone, v.String("availabilityZone"))
		}
		if pv.String("spec.csi.driver") != "ebs.csi.aws.com" {
			t.Errorf("PV of %s uses driver %q", v.Name, pv.String("spec.csi.driver"))
		}
	}
}

func TestAWSServiceLayerWiresRDSIntoEgovConfig(t *testing.T) {
	r := runAWS(t, stackConfig(t, "prod", nil))
	var found bool
	for _, cm := range r.m.ByType("kubernetes:core/v1:ConfigMap") {
		if cm.String("metadata.name") != "egov-config" {
			continue
		}
		found = true
		url := cm.String("data.db-url")
		host := cm.String("data.db-host")
		if host == "" || !strings.HasPrefix(url, "jdbc:postgresql://"+host+":5432/egov") {
			t.Errorf("egov-config db-host %q db-url %q: not the RDS endpoint", host, url)
		}
	}
	if !found {
		t.Fatal("no egov-config")
	}
	// The full prod catalogue: every enabled service has a Deployment, the gateway and TLS are there.
	cfg := stackConfig(t, "prod", nil)
	deployments := map[string]bool{}
	for _, d := range r.m.ByType("kubernetes:apps/v1:Deployment") {
		deployments[d.String("metadata.name")] = true
	}
	for _, s := range cfg.Services.Catalogue.Services() {
		if !deployments[s.Name] {
			t.Errorf("no Deployment for enabled service %s", s.Name)
		}
	}
	if len(r.m.ByType("kubernetes:cert-manager.io/v1:ClusterIssuer")) != 1 {
		t.Error("prod sets a domain but no ClusterIssuer was registered")
	}
}

func TestCapacity(t *testing.T) {
	if err := CheckCapacity(stackConfig(t, "prod", nil)); err != nil {
		t.Fatalf("default prod shape does not fit: %v", err)
	}
	heavy := stackConfig(t, "prod", map[string]string{
		"digit:catalogue": `{"services":{"egov-user":{"replicas":20,"memoryLimit":"2Gi","heap":"-Xmx1g"}}}`,
	})
	err := CheckCapacity(heavy)
	if err == nil {
		t.Fatal("20 x 2Gi of egov-user fitted on 6 x m4.large")
	}
	for _, want := range []string{"m4.large", "memory", "CPU", "pods"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("capacity error lacks %q:\n%v", want, err)
		}
	}
}
