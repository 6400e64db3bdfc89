package stacks

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/components/aws/awstest"
	"github.com/digit-iac/digit/components/aws/limits"
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
	testEncSecrets      = `"egov-enc-service": {"master.password": "enc-pass-1", "master.salt": "salt-1", "master.initialvector": "iv-1"}, "redis": {"password": "redis-pass-0123456789"}`
	testFilestoreSecret = `"egov-filestore": {"awskey": "AKIATESTKEY", "awssecretkey": "test-secret-key"}`
	// testFinanceSecret is read by the finance module, on in the local stack.
	testFinanceSecret = `"finance-collections-voucher-consumer": {"si-microservice-password": "finance-erp-pass-1"}`
)

func testServiceSecrets(target config.Target) string {
	if target == config.TargetAWS {
		return "{" + testEncSecrets + "}"
	}
	return "{" + testEncSecrets + ", " + testFilestoreSecret + ", " + testFinanceSecret + "}"
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
			// The filestore bucket and its access log bucket.
			pabs := m.ByType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
			if len(pabs) != 2 {
				t.Fatalf("%d public access blocks, want 2", len(pabs))
			}
			for _, pab := range pabs {
				for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
					if !pab.Bool(k) {
						t.Errorf("bucket %s: %s is false", pab.Name, k)
					}
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
			if paths := r.m.PlaintextPaths(tc.password); len(paths) > 0 {
				t.Errorf("password in plaintext at %v", paths)
			}
		})
	}
}

// TestStatefulCloudResourcesDoNotWaitForTheCluster: EKS takes ~10 minutes; the database, volumes, registry and
// bucket must be created alongside it, so none may (transitively) depend on it.
func TestStatefulCloudResourcesDoNotWaitForTheCluster(t *testing.T) {
	r := runAWS(t, stackConfig(t, "prod", nil))
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
			if via := r.m.WaitsFor(res, isCluster); via != "" {
				t.Errorf("%s %s waits for the cluster through %s", typ, res.Name, via)
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

// awsMeta finds the Kubernetes object of the type by namespace and metadata.name.
func awsMeta(m *awstest.Mocks, typ, ns, name string) (awstest.Resource, bool) {
	for _, r := range m.ByType(typ) {
		if r.Namespace() == ns && r.MetadataName() == name {
			return r, true
		}
	}
	return awstest.Resource{}, false
}

func onlyAWS(t *testing.T, m *awstest.Mocks, token string) awstest.Resource {
	t.Helper()
	rs := m.ByType(token)
	if len(rs) != 1 {
		t.Fatalf("%d %s registered, want 1", len(rs), token)
	}
	return rs[0]
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
			// The expectation comes from the RDS instance as the mock answered it, not from the ConfigMap itself.
			inst := onlyAWS(t, r.m, "aws:rds/instance:Instance")
			host := inst.Outputs["address"].StringValue()
			if host == "" || !strings.HasSuffix(host, ".rds.amazonaws.com") {
				t.Fatalf("mocked RDS address %q", host)
			}
			cm, ok := awsMeta(r.m, "kubernetes:core/v1:ConfigMap", "egov", "egov-config")
			if !ok {
				t.Fatal("no egov-config ConfigMap in namespace egov")
			}
			if got, want := cm.String("data.db-url"), "jdbc:postgresql://"+host+":5432/egov"; got != want {
				t.Errorf("egov-config db-url %q, want %q (the RDS instance's address and port, database egov)", got, want)
			}
			if got := cm.String("data.db-host"); got != host {
				t.Errorf("egov-config db-host %q, want the RDS address %q", got, host)
			}
			if got := cm.String("data.db-name"); got != inst.String("dbName") || got != "egov" {
				t.Errorf("egov-config db-name %q, RDS dbName %q, want egov", got, inst.String("dbName"))
			}
			sec, ok := awsMeta(r.m, "kubernetes:core/v1:Secret", "egov", "db")
			if !ok {
				t.Fatal("no db Secret in namespace egov")
			}
			if got := sec.String("stringData.password"); got != tc.password || !sec.IsSecret("stringData.password") {
				t.Errorf("db Secret password matches=%v secret=%v, want the database's password as a secret",
					got == tc.password, sec.IsSecret("stringData.password"))
			}
			if got := sec.String("stringData.username"); got != inst.String("username") || got != "egov" {
				t.Errorf("db Secret username %q, RDS username %q, want egov", got, inst.String("username"))
			}
		})
	}
	r := runAWS(t, stackConfig(t, "prod", nil))
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

// untaggable are the AWS resource types that take no tags (associations, rules, policies, bucket settings); every
// other cloud resource must carry digit:tags. A type missing from both (a new resource) fails the test until it is
// classified.
var untaggable = map[string]bool{
	"aws:ec2/routeTableAssociation:RouteTableAssociation":                                        true,
	"aws:ec2/securityGroupRule:SecurityGroupRule":                                                true,
	"aws:iam/rolePolicy:RolePolicy":                                                              true,
	"aws:iam/userPolicy:UserPolicy":                                                              true,
	"aws:iam/accessKey:AccessKey":                                                                true,
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment":                                          true,
	"aws:ecr/lifecyclePolicy:LifecyclePolicy":                                                    true,
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":                                     true,
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls":                                     true,
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": true,
	"aws:s3/bucketVersioningV2:BucketVersioningV2":                                               true,
	"aws:s3/bucketPolicy:BucketPolicy":                                                           true,
	"aws:s3/bucketLoggingV2:BucketLoggingV2":                                                     true,
	"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2":                       true,
}

var taggable = map[string]bool{
	"aws:ec2/vpc:Vpc": true, "aws:ec2/internetGateway:InternetGateway": true, "aws:ec2/routeTable:RouteTable": true,
	"aws:ec2/subnet:Subnet": true, "aws:ec2/eip:Eip": true, "aws:ec2/natGateway:NatGateway": true,
	"aws:cloudwatch/logGroup:LogGroup": true, "aws:iam/role:Role": true, "aws:ec2/flowLog:FlowLog": true,
	"aws:iam/user:User": true,
	"aws:kms/key:Key":   true, "aws:ec2/launchTemplate:LaunchTemplate": true, "aws:eks/addon:Addon": true,
	"eks:index:Cluster": true, "eks:index:ManagedNodeGroup": true, "aws:ec2/securityGroup:SecurityGroup": true,
	"aws:rds/subnetGroup:SubnetGroup": true, "aws:rds/parameterGroup:ParameterGroup": true,
	"aws:rds/instance:Instance": true, "aws:ebs/volume:Volume": true, "aws:ecr/repository:Repository": true,
	"aws:s3/bucketV2:BucketV2": true, "aws:iam/instanceProfile:InstanceProfile": true, "aws:ec2/instance:Instance": true,
	"aws:dlm/lifecyclePolicy:LifecyclePolicy": true, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": true,
	"aws:ec2/vpcEndpoint:VpcEndpoint": true,
}

func TestAWSDigitTagsOnEveryCloudResource(t *testing.T) {
	cfg := stackConfig(t, "prod", map[string]string{
		"digit:tags":    `{"cost-center":"cc-42","owner":"platform"}`,
		"digit:bastion": `{"enabled":true}`,
	})
	r := runAWS(t, cfg)
	want := map[string]string{"cost-center": "cc-42", "owner": "platform", "project": "digit", "stack": "prod",
		"managed-by": "pulumi"}
	tagged := 0
	for _, res := range r.m.All() {
		if !strings.HasPrefix(res.Type, "aws:") && !strings.HasPrefix(res.Type, "eks:") {
			continue
		}
		switch {
		case untaggable[res.Type]:
			if res.Has("tags") {
				t.Errorf("%s is listed as untaggable but has tags", res.Type)
			}
			continue
		case !taggable[res.Type]:
			t.Errorf("%s %s: type neither taggable nor untaggable in this test; classify it", res.Type, res.Name)
			continue
		}
		tagged++
		tags := res.Tags()
		for k, v := range want {
			if tags[k] != v {
				t.Errorf("%s %s: tag %s=%q, want %q (tags %v)", res.Type, res.Name, k, tags[k], v, tags)
			}
		}
	}
	if tagged < len(taggable) {
		t.Errorf("only %d tagged resources checked, fewer than the %d taggable types", tagged, len(taggable))
	}
	// The node group's instances and disks get the tags through the launch template.
	lt := onlyAWS(t, r.m, "aws:ec2/launchTemplate:LaunchTemplate")
	for _, rt := range []string{"instance", "volume"} {
		if got := lt.String("tagSpecifications[resourceType=" + rt + "].tags.cost-center"); got != "cc-42" {
			t.Errorf("launch template %s tags lack digit:tags: %v", rt, lt.Get("tagSpecifications"))
		}
	}
}

// With as many digit:tags as the config accepts, no AWS resource gets more tags than AWS takes: the program's own
// stay within limits.OwnTagsPerResource, the bound the config's tag count is computed from.
func TestAWSTagCountStaysWithinWhatAWSTakes(t *testing.T) {
	user := map[string]string{}
	for i := range limits.MaxStackTags {
		user[fmt.Sprintf("t%02d", i)] = "v"
	}
	js, err := json.Marshal(user)
	if err != nil {
		t.Fatal(err)
	}
	cfg := stackConfig(t, "prod", map[string]string{"digit:tags": string(js), "digit:bastion": `{"enabled":true}`})
	r := runAWS(t, cfg)
	check := func(what string, tags map[string]string) {
		own := 0
		for k := range tags {
			if _, ok := user[k]; !ok {
				own++
			}
		}
		if own > limits.OwnTagsPerResource || len(tags) > limits.MaxTagsPerResource {
			t.Errorf("%s: %d tags, %d of the program's own (limits: %d, %d)", what, len(tags), own,
				limits.MaxTagsPerResource, limits.OwnTagsPerResource)
		}
	}
	checked := 0
	for _, res := range r.m.All() {
		if taggable[res.Type] {
			check(res.Type+" "+res.Name, res.Tags())
			checked++
		}
	}
	lt := onlyAWS(t, r.m, "aws:ec2/launchTemplate:LaunchTemplate")
	for _, rt := range []string{"instance", "volume"} {
		tags := map[string]string{}
		for k := range user {
			if v := lt.String("tagSpecifications[resourceType=" + rt + "].tags." + k); v != "" {
				tags[k] = v
			}
		}
		if len(tags) != len(user) {
			t.Errorf("launch template %s tags: %d of the %d digit:tags", rt, len(tags), len(user))
		}
	}
	if checked < len(taggable) {
		t.Errorf("only %d tagged resources checked", checked)
	}
}

// containerImages lists every container and init container image of the workloads.
func containerImages(m *awstest.Mocks) map[string]string {
	out := map[string]string{}
	for _, typ := range []string{"kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet",
		"kubernetes:apps/v1:DaemonSet", "kubernetes:batch/v1:CronJob", "kubernetes:batch/v1:Job"} {
		for _, w := range m.ByType(typ) {
			spec := "spec.template.spec."
			if typ == "kubernetes:batch/v1:CronJob" {
				spec = "spec.jobTemplate.spec.template.spec."
			}
			for _, kind := range []string{"containers", "initContainers"} {
				for i := range w.Len(spec + kind) {
					c := spec + kind + "[" + strconv.Itoa(i) + "]."
					out[w.MetadataName()+"/"+w.String(c+"name")] = w.String(c + "image")
				}
			}
		}
	}
	return out
}

func TestAWSMirrorPrefixesEveryImageWithTheRegistry(t *testing.T) {
	registry := awstest.AccountID + ".dkr.ecr." + awstest.Region + ".amazonaws.com/"
	plain := containerImages(runAWS(t, stackConfig(t, "prod", nil)).m)
	if len(plain) < 40 {
		t.Fatalf("only %d container images in the prod stack", len(plain))
	}
	for c, img := range plain {
		if strings.HasPrefix(img, registry) {
			t.Errorf("%s pulls %s from ECR without digit:registry.mirror", c, img)
		}
	}
	mirrored := containerImages(runAWS(t, stackConfig(t, "prod", map[string]string{
		"digit:registry": `{"repositories":["egovio/egov-user"],"mirror":true}`,
	})).m)
	if len(mirrored) != len(plain) {
		t.Errorf("%d containers with mirroring, %d without", len(mirrored), len(plain))
	}
	for c, img := range mirrored {
		if img != registry+plain[c] && !strings.HasPrefix(img, registry) {
			t.Errorf("%s image %q, want it under %s (was %q)", c, img, registry, plain[c])
		}
	}
	if got := mirrored["egov-user/egov-user"]; !strings.HasPrefix(got, registry+"egovio/egov-user:") {
		t.Errorf("egov-user image %q, want %segovio/egov-user:<tag>", got, registry)
	}
}

func TestAWSDomainGivesTLSIngressRoutes(t *testing.T) {
	const domain, email = "digit.example.gov.in", "devops@example.gov.in" // Pulumi.prod.yaml
	r := runAWS(t, stackConfig(t, "prod", nil))
	issuers := r.m.ByType("kubernetes:cert-manager.io/v1:ClusterIssuer")
	if len(issuers) != 1 || issuers[0].String("spec.acme.email") != email {
		t.Fatalf("ClusterIssuers %v, want one with ACME email %s", mocktest.Names(issuers), email)
	}
	ingresses := map[string]awstest.Resource{}
	for _, ing := range r.m.ByType("kubernetes:networking.k8s.io/v1:Ingress") {
		ingresses[ing.MetadataName()] = ing
		if ing.String("spec.rules[0].host") != domain {
			t.Errorf("Ingress %s host %q, want %s", ing.MetadataName(), ing.String("spec.rules[0].host"), domain)
		}
		if ing.String("spec.tls[0].hosts[0]") != domain || ing.String("spec.tls[0].secretName") == "" {
			t.Errorf("Ingress %s TLS %v, want a certificate for %s", ing.MetadataName(), ing.Get("spec.tls"), domain)
		}
	}
	routes, ok := mocktest.Await(t, pulumi.ToOutput(r.outputs["ingressRoutes"])).Value.(map[string]string)
	if !ok || len(routes) == 0 {
		t.Fatalf("ingressRoutes output %v", r.outputs["ingressRoutes"])
	}
	if routes["/user"] != "egov-user" {
		t.Errorf("ingressRoutes[/user] = %q, want egov-user", routes["/user"])
	}
	for path, svc := range routes {
		ing, ok := ingresses[svc]
		if !ok {
			t.Errorf("route %s -> %s has no Ingress", path, svc)
			continue
		}
		if got := ing.String("spec.rules[0].http.paths[0].path"); got != path {
			t.Errorf("route %s -> %s, but its Ingress serves %q", path, svc, got)
		}
	}
	if len(routes) != len(ingresses) {
		t.Errorf("%d routes for %d Ingresses", len(routes), len(ingresses))
	}
}

// What the config accepts at its limits, every component accepts: the smallest st1 disk, one day of backups, the
// longest stack name, a QA stack of the longest QA name. (Each was once accepted by the config and refused by a
// component after other resources were registered.)
func TestAWSComponentsAcceptWhatTheConfigAccepts(t *testing.T) {
	for _, stack := range []string{"prod-ap-south-1-team", "qa-" + strings.Repeat("q", 18)} {
		t.Run(stack, func(t *testing.T) {
			src, err := config.StackFileSource(filepath.Join(repoRoot(), "Pulumi.dev.yaml"), nil)
			if err != nil {
				t.Fatal(err)
			}
			src.Values["digit:secrets"] = testServiceSecrets(config.TargetAWS)
			src.Secrets = append(src.Secrets, "digit:secrets")
			src.Values["digit:volumes"] = `{"elasticsearchData":{"type":"st1","sizeGb":125},"kafka":{"type":"sc1","sizeGb":125}}`
			src.Values["digit:database"] = `{"backupRetentionDays":1}`
			admin := "arn:aws:iam::210987654321:role/platform/digit-admins"
			src.Values["digit:clusterAccess"] = `{"mode":"API_AND_CONFIG_MAP","admins":["` + admin + `"]}`
			if name, ok := strings.CutPrefix(stack, "qa-"); ok {
				src.Values["digit:qa"] = name
			}
			cfg, err := config.Load(src, "digit", stack)
			if err != nil {
				t.Fatal(err)
			}
			r := runAWS(t, cfg)
			if got := r.m.ByType("aws:rds/instance:Instance")[0].Int("backupRetentionPeriod"); got != 1 {
				t.Errorf("backup retention %d, want the 1 day the config gave", got)
			}
			var st1 int
			for _, v := range r.m.ByType("aws:ebs/volume:Volume") {
				if v.String("type") == "st1" && v.Int("size") >= 125 {
					st1++
				}
			}
			if st1 == 0 {
				t.Error("no st1 volume of 125 GB or more registered")
			}
			eks := r.m.ByType("eks:index:Cluster")[0]
			entries, _ := eks.Get("accessEntries").(map[string]any)
			var principals []string
			for key := range entries {
				principals = append(principals, eks.String("accessEntries."+key+".principalArn"))
			}
			if eks.String("authenticationMode") != "API_AND_CONFIG_MAP" || !slices.Equal(principals, []string{admin}) {
				t.Errorf("cluster access: mode %q, entries %v", eks.String("authenticationMode"), eks.Get("accessEntries"))
			}
		})
	}
}
