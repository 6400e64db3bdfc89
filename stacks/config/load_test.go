package config

import (
	"fmt"
	"maps"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/digit-iac/digit/components/aws/limits"
)

// awsBase is the smallest valid aws config: the API endpoint is public by default, and who may reach it has no
// default.
func awsBase() map[string]string {
	return map[string]string{"digit:target": "aws", "digit:endpointAccess": `{"publicCidrs":["203.0.113.0/24"]}`}
}

func existingBase() map[string]string {
	return map[string]string{
		"digit:target":     "existing",
		"digit:database":   `{"host":"db.internal","port":5432}`,
		"digit:dbPassword": "s3cret-pass",
	}
}

// testServiceSecrets are the required service credentials (digit:secrets) every valid config needs; on aws the
// cloud layer provides the filestore's key pair.
const (
	testEncSecrets      = `"egov-enc-service": {"master.password": "enc-pass-1", "master.salt": "salt-1", "master.initialvector": "iv-1"}, "redis": {"password": "redis-pass-0123456789"}`
	testFilestoreSecret = `"egov-filestore": {"awskey": "AKIATESTKEY", "awssecretkey": "test-secret-key"}`
)

func testServiceSecrets(target string) string {
	if target == string(TargetAWS) {
		return "{" + testEncSecrets + "}"
	}
	return "{" + testEncSecrets + ", " + testFilestoreSecret + "}"
}

// load loads values, adding the required digit:secrets unless values set the key (then as given).
func load(t *testing.T, values map[string]string, secrets ...string) (*Config, error) {
	t.Helper()
	if _, ok := values["digit:secrets"]; !ok {
		values = maps.Clone(values)
		values["digit:secrets"] = testServiceSecrets(values["digit:target"])
		secrets = append(secrets, "digit:secrets")
	}
	return Load(MapSource{Values: values, Secrets: secrets}, "digit", "test")
}

func kubeconfigWith(server, current string) string {
	return "apiVersion: v1\nkind: Config\nclusters:\n- name: c1\n  cluster: {server: " + server + "}\n" +
		"contexts:\n- name: ctx1\n  context: {cluster: c1, user: u1}\ncurrent-context: " + current + "\n" +
		"users:\n- name: u1\n  user: {token: kc-secret-token}\n"
}

func TestMinimalConfigsGetDocumentedDefaults(t *testing.T) {
	c, err := load(t, awsBase())
	if err != nil {
		t.Fatal(err)
	}
	a := c.AWS
	if a.Region != "ap-south-1" || strings.Join(a.Zones, ",") != "ap-south-1a,ap-south-1b,ap-south-1c" {
		t.Errorf("region/zones defaults: %s %v", a.Region, a.Zones)
	}
	if a.NodeGroup.InstanceType != "m4.large" || a.NodeGroup.Desired != 6 || a.NodeGroup.Min != 6 || a.NodeGroup.Max != 8 {
		t.Errorf("node group defaults: %+v", a.NodeGroup)
	}
	if !a.NodeGroup.PrefixDelegationEnabled() || a.NatMode != NatSingle || a.VpcCidr != "192.168.0.0/16" {
		t.Errorf("network defaults: nat %s cidr %s pd %v", a.NatMode, a.VpcCidr, a.NodeGroup.PrefixDelegationEnabled())
	}
	want := Volumes{
		Kafka:               Volume{Replicas: 3, SizeGB: 50, Type: "gp3"},
		ElasticsearchData:   Volume{Replicas: 3, SizeGB: 25, Type: "gp3"},
		ElasticsearchMaster: Volume{Replicas: 3, SizeGB: 2, Type: "gp3"},
		Zookeeper:           Volume{Replicas: 3, SizeGB: 2, Type: "gp3"},
	}
	if c.Volumes != want {
		t.Errorf("volume defaults: %+v", c.Volumes)
	}
	// Safe unless a stack says otherwise: protected, deletion-protected, a final snapshot; no standby.
	if c.Database.Password.IsSet() || !c.Protect || c.Database.MultiAZ || !c.Database.DeletionProtection ||
		!c.Database.FinalSnapshot {
		t.Errorf("database defaults: %+v protect %v", c.Database, c.Protect)
	}
	if a.KubernetesVersion != limits.DefaultKubernetesVersion || a.VpcEndpoints {
		t.Errorf("kubernetes version %q (want %q), vpc endpoints %v (want off)", a.KubernetesVersion,
			limits.DefaultKubernetesVersion, a.VpcEndpoints)
	}
	if c.Services.Catalogue == nil {
		t.Fatal("catalogue not resolved")
	}
	if c.Parallel != 32 || !c.CheckpointEveryStep {
		t.Errorf("aws defaults: digit:parallel %d (want 32), digit:checkpointEveryStep %v (want true: a cloud resource "+
			"created but not recorded would be orphaned)", c.Parallel, c.CheckpointEveryStep)
	}

	e, err := load(t, existingBase(), "digit:dbPassword")
	if err != nil {
		t.Fatal(err)
	}
	if e.Parallel != 64 || e.CheckpointEveryStep {
		t.Errorf("existing defaults: digit:parallel %d (want 64), digit:checkpointEveryStep %v (want false)", e.Parallel, e.CheckpointEveryStep)
	}
	if e.Database.Port != 5432 || e.Existing.StorageClass != "standard" || e.Database.Password.Reveal() != "s3cret-pass" {
		t.Errorf("existing defaults: %+v %s", e.Database, e.Existing.StorageClass)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	e, err := load(t, existingBase(), "digit:dbPassword")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprint(e.Database), fmt.Sprintf("%+v", e.Database), fmt.Sprintf("%#v", e.Database), fmt.Sprintf("%v", e)} {
		if strings.Contains(s, "s3cret-pass") {
			t.Fatalf("secret printed: %s", s)
		}
	}
}

func TestMalformedConfigs(t *testing.T) {
	cases := []struct {
		name    string
		base    func() map[string]string
		set     map[string]string
		secrets []string
		want    []string // every substring must appear in the error
	}{
		{"missing target", func() map[string]string { return map[string]string{} }, nil, nil, []string{"digit:target: is required"}},
		{"unknown target", awsBase, map[string]string{"digit:target": "gcp"}, nil, []string{"digit:target", `unknown target "gcp"`, "aws, existing"}},
		{"unregistered target", awsBase, map[string]string{"digit:target": "gcp"}, nil, []string{`digit:target: unknown target "gcp"; one of aws, existing`}},
		{"typo key", awsBase, map[string]string{"digit:vpcCdir": "10.0.0.0/16"}, nil, []string{"digit:vpcCdir: unknown key", "did you mean digit:vpcCidr"}},
		{"key of other target", awsBase, map[string]string{"digit:storageClass": "gp3"}, nil, []string{"digit:storageClass", `not read by target "aws"`}},
		{"bad region", awsBase, map[string]string{"digit:region": "mumbai"}, nil, []string{"digit:region", `"mumbai" is not an AWS region`}},
		{"zone outside region", awsBase, map[string]string{"digit:zones": `["ap-south-1a","us-east-1b"]`}, nil, []string{"digit:zones", `"us-east-1b" is not in region ap-south-1`}},
		{"duplicate zone", awsBase, map[string]string{"digit:zones": `["ap-south-1a","ap-south-1a"]`}, nil, []string{"digit:zones", `"ap-south-1a" is listed twice`}},
		{"too many zones", awsBase, map[string]string{"digit:region": "us-east-1", "digit:zones": `["us-east-1a","us-east-1b","us-east-1c","us-east-1d","us-east-1e"]`}, nil, []string{"digit:zones", "at most 4"}},
		{"zones not a list", awsBase, map[string]string{"digit:zones": `ap-south-1a`}, nil, []string{"digit:zones: must be a list"}},
		{"cidr unparsable", awsBase, map[string]string{"digit:vpcCidr": "10.0.0/16"}, nil, []string{"digit:vpcCidr", "is not a CIDR"}},
		{"cidr too small", awsBase, map[string]string{"digit:vpcCidr": "10.0.0.0/24"}, nil, []string{"digit:vpcCidr", "too small"}},
		{"cidr host bits", awsBase, map[string]string{"digit:vpcCidr": "10.0.0.1/16"}, nil, []string{"digit:vpcCidr", "host bits"}},
		{"cidr ipv6", awsBase, map[string]string{"digit:vpcCidr": "fd00::/48"}, nil, []string{"digit:vpcCidr", "not an IPv4"}},
		{"nat mode", awsBase, map[string]string{"digit:natMode": "double"}, nil, []string{"digit:natMode", `"double"`, "single, perZone"}},
		{"min > desired", awsBase, map[string]string{"digit:nodeGroup": `{"min":7,"desired":6,"max":8}`}, nil, []string{"digit:nodeGroup", "min <= desired <= max", "min 7"}},
		{"desired > max", awsBase, map[string]string{"digit:nodeGroup": `{"min":2,"desired":9,"max":8}`}, nil, []string{"digit:nodeGroup", "desired 9"}},
		{"zero nodes", awsBase, map[string]string{"digit:nodeGroup": `{"desired":0,"min":0,"max":0}`}, nil, []string{"digit:nodeGroup", "at least 1"}},
		{"instance type malformed", awsBase, map[string]string{"digit:nodeGroup": `{"instanceType":"m4-large"}`}, nil, []string{"digit:nodeGroup", `instanceType "m4-large"`}},
		{"node group typo field", awsBase, map[string]string{"digit:nodeGroup": `{"instanceTyp":"m4.large"}`}, nil, []string{"digit:nodeGroup", `unknown field "instanceTyp"`}},
		{"node group wrong type", awsBase, map[string]string{"digit:nodeGroup": `{"desired":"six"}`}, nil, []string{"digit:nodeGroup", `"desired"`, "expected int"}},
		{"disk too small", awsBase, map[string]string{"digit:nodeGroup": `{"diskSizeGb":8}`}, nil, []string{"digit:nodeGroup", "diskSizeGb 8"}},
		{"k8s version", awsBase, map[string]string{"digit:kubernetesVersion": "1.19"}, nil, []string{"digit:kubernetesVersion", `"1.19"`}},
		{"k8s version past its end of life", awsBase, map[string]string{"digit:kubernetesVersion": "1.31"}, nil, []string{"digit:kubernetesVersion", `"1.31" is not a supported EKS version (1.32 to 1.39`, "one minor at a time"}},
		{"vpc endpoints not a bool", awsBase, map[string]string{"digit:vpcEndpoints": "yes"}, nil, []string{"digit:vpcEndpoints"}},
		{"endpoint closed", awsBase, map[string]string{"digit:endpointAccess": `{"public":false,"private":false}`}, nil, []string{"digit:endpointAccess", "nobody could reach"}},
		{"endpoint bad cidr", awsBase, map[string]string{"digit:endpointAccess": `{"publicCidrs":["10.0.0.300/32"]}`}, nil, []string{"digit:endpointAccess", `"10.0.0.300/32" is not a CIDR`}},
		{"db class malformed", awsBase, map[string]string{"digit:database": `{"instanceClass":"t3.medium"}`}, nil, []string{"digit:database", `instanceClass "t3.medium"`}},
		{"db storage too small", awsBase, map[string]string{"digit:database": `{"storageGb":5}`}, nil, []string{"digit:database", "storageGb 5"}},
		{"db max below storage", awsBase, map[string]string{"digit:database": `{"storageGb":100,"maxStorageGb":50}`}, nil, []string{"digit:database", "maxStorageGb 50 is below storageGb 100"}},
		{"db engine version", awsBase, map[string]string{"digit:database": `{"engineVersion":"9.6"}`}, nil, []string{"digit:database", `engineVersion "9.6"`}},
		{"db backup retention", awsBase, map[string]string{"digit:database": `{"backupRetentionDays":90}`}, nil, []string{"digit:database", "backupRetentionDays 90"}},
		{"db reserved user", awsBase, map[string]string{"digit:database": `{"user":"postgres"}`}, nil, []string{"digit:database", `user "postgres"`}},
		{"db password in object", awsBase, map[string]string{"digit:database": `{"password":"hunter22"}`}, nil, []string{"digit:database", "password must not be written"}},
		{"plaintext db password", awsBase, map[string]string{"digit:dbPassword": "hunter2222"}, nil, []string{"digit:dbPassword", "plaintext", "--secret"}},
		{"weak db password", awsBase, map[string]string{"digit:dbPassword": "a@b"}, []string{"digit:dbPassword"}, []string{"digit:dbPassword: is 3 characters; it must be 8 to 128"}},
		{"db host on aws", awsBase, map[string]string{"digit:database": `{"host":"x"}`}, nil, []string{"digit:database", "only for target existing"}},
		{"volume replicas", awsBase, map[string]string{"digit:volumes": `{"kafka":{"replicas":0}}`}, nil, []string{"digit:volumes", "kafka.replicas 0"}},
		{"volume size", awsBase, map[string]string{"digit:volumes": `{"elasticsearchData":{"sizeGb":0}}`}, nil, []string{"digit:volumes", "elasticsearchData.sizeGb 0"}},
		{"volume role unknown", awsBase, map[string]string{"digit:volumes": `{"kafak":{"sizeGb":10}}`}, nil, []string{"digit:volumes", `unknown role "kafak"`}},
		{"volume type", awsBase, map[string]string{"digit:volumes": `{"zookeeper":{"type":"ssd"}}`}, nil, []string{"digit:volumes", `zookeeper.type "ssd"`}},
		// Accepted here once, refused by a component after other resources were registered (issue 10):
		{"volume type needing iops", awsBase, map[string]string{"digit:volumes": `{"kafka":{"type":"io2"}}`}, nil, []string{"digit:volumes", `kafka.type "io2" is not one of the EBS volume types gp3, gp2, st1, sc1`}},
		{"st1 too small", awsBase, map[string]string{"digit:volumes": `{"elasticsearchData":{"type":"st1","sizeGb":100}}`}, nil, []string{"digit:volumes", "elasticsearchData.sizeGb 100: a st1 volume is at least 125 GB"}},
		{"no backups", awsBase, map[string]string{"digit:database": `{"backupRetentionDays":0}`}, nil, []string{"digit:database", "backupRetentionDays 0 must be between 1 and 35", "turn automated backups off"}},
		{"public API open to nobody", awsBase, map[string]string{"digit:endpointAccess": `{"private":true}`}, nil, []string{"digit:endpointAccess", "publicCidrs is empty", "0.0.0.0/0"}},
		{"volume typo field", awsBase, map[string]string{"digit:volumes": `{"kafka":{"size":10}}`}, nil, []string{"digit:volumes", "kafka", `unknown field "size"`}},
		{"ecr repo name", awsBase, map[string]string{"digit:registry": `{"repositories":["EgovIO/User"]}`}, nil, []string{"digit:registry", `"EgovIO/User"`}},
		{"mirror without repos", awsBase, map[string]string{"digit:registry": `{"mirror":true}`}, nil, []string{"digit:registry", "mirror is true"}},
		{"protect not bool", awsBase, map[string]string{"digit:protect": "yes please"}, nil, []string{"digit:protect", "not a boolean"}},
		{"parallel not a number", awsBase, map[string]string{"digit:parallel": "lots"}, nil, []string{"digit:parallel", `"lots" is not a whole number`}},
		{"checkpointEveryStep not bool", awsBase, map[string]string{"digit:checkpointEveryStep": "sometimes"}, nil, []string{"digit:checkpointEveryStep", "not a boolean"}},
		{"parallel zero", awsBase, map[string]string{"digit:parallel": "0"}, nil, []string{"digit:parallel", "0 is out of range (1 to 256)"}},
		{"parallel too high", existingBase, map[string]string{"digit:parallel": "1000"}, []string{"digit:dbPassword"}, []string{"digit:parallel", "1000 is out of range (1 to 256)"}},
		{"tags not a map", awsBase, map[string]string{"digit:tags": `["a"]`}, nil, []string{"digit:tags"}},
		{"bad domain", awsBase, map[string]string{"digit:domain": "not a domain"}, nil, []string{"digit:domain", "not a DNS name"}},
		{"domain without email", awsBase, map[string]string{"digit:domain": "digit.example.org"}, nil, []string{"digit:tlsEmail", "required when digit:domain"}},
		{"bad timezone", awsBase, map[string]string{"digit:timezone": "IST"}, nil, []string{"digit:timezone", `"IST"`}},
		{"unknown zone with a slash", awsBase, map[string]string{"digit:timezone": "Asia/Kolkatta"}, nil, []string{`digit:timezone: "Asia/Kolkatta" is not an IANA time zone`}},
		{"the deployer's zone", awsBase, map[string]string{"digit:timezone": "Local"}, nil, []string{`digit:timezone: "Local" is not an IANA time zone`}},
		{"bad tenant", awsBase, map[string]string{"digit:tenantId": "Punjab State"}, nil, []string{"digit:tenantId"}},
		{"catalogue unknown field", awsBase, map[string]string{"digit:catalogue": `{"modulez":{}}`}, nil, []string{"digit:catalogue", "modulez"}},
		{"catalogue unknown module", awsBase, map[string]string{"digit:catalogue": `{"modules":{"m_nope":{"enabled":false}}}`}, nil, []string{"digit:catalogue", "m_nope"}},
		{"existing without host", existingBase, map[string]string{"digit:database": `{}`}, []string{"digit:dbPassword"}, []string{"digit:database", "host is required"}},
		{"existing without password", existingBase, map[string]string{"digit:dbPassword": ""}, nil, []string{"digit:dbPassword", "required on target existing"}},
		{"existing plaintext kubeconfig", existingBase, map[string]string{"digit:kubeconfig": "apiVersion: v1"}, []string{"digit:dbPassword"}, []string{"digit:kubeconfig", "plaintext"}},
		{"existing garbage kubeconfig", existingBase, map[string]string{"digit:kubeconfig": "kc-secret-token: [unclosed"}, []string{"digit:dbPassword", "digit:kubeconfig"}, []string{"digit:kubeconfig: is not a kubeconfig"}},
		{"existing kubeconfig of another kind", existingBase, map[string]string{"digit:kubeconfig": "kind: Pod\nmetadata: {name: kc-secret-token}"}, []string{"digit:dbPassword", "digit:kubeconfig"}, []string{"digit:kubeconfig", `is a "Pod"`}},
		{"existing kubeconfig without its current context", existingBase, map[string]string{"digit:kubeconfig": kubeconfigWith("https://10.0.0.1:6443", "prod")}, []string{"digit:dbPassword", "digit:kubeconfig"}, []string{"digit:kubeconfig", `current-context "prod", which is not one of its contexts`}},
		{"existing kubeconfig with a bad server", existingBase, map[string]string{"digit:kubeconfig": kubeconfigWith("10.0.0.1:6443", "ctx1")}, []string{"digit:dbPassword", "digit:kubeconfig"}, []string{"digit:kubeconfig", `cluster "c1" of context "ctx1" has server "10.0.0.1:6443", not an http(s) URL`}},
		{"existing bad port", existingBase, map[string]string{"digit:database": `{"host":"h","port":70000}`}, []string{"digit:dbPassword"}, []string{"digit:database", "port 70000"}},
		{"existing bad storage class", existingBase, map[string]string{"digit:storageClass": "Fast_SSD"}, []string{"digit:dbPassword"}, []string{"digit:storageClass", `"Fast_SSD"`}},
		{"existing cluster id not a UID", existingBase, map[string]string{"digit:clusterId": "kube-system"}, []string{"digit:dbPassword"}, []string{"digit:clusterId", `"kube-system" is not a namespace UID`}},
		{"cluster id on aws", awsBase, map[string]string{"digit:clusterId": "6f1c8a52-3b0e-4a59-9d0c-2f4e5b6a7c8d"}, nil, []string{"digit:clusterId", `not read by target "aws"`}},
		{"existing aws key", existingBase, map[string]string{"digit:natMode": "single"}, []string{"digit:dbPassword"}, []string{"digit:natMode", `not read by target "existing"`}},
		{"existing mirror without url", existingBase, map[string]string{"digit:registry": `{"mirror":true}`}, []string{"digit:dbPassword"}, []string{"digit:registry", "no url"}},
		{"existing nodes count", existingBase, map[string]string{"digit:nodes": `{"count":0}`}, []string{"digit:dbPassword"}, []string{"digit:nodes", "count must be at least 1"}},
	}
	if len(cases) < 30 {
		t.Fatalf("only %d malformed configs", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			values := tc.base()
			for k, v := range tc.set {
				if v == "" {
					delete(values, k)
					continue
				}
				values[k] = v
			}
			c, err := load(t, values, tc.secrets...)
			if err == nil {
				t.Fatalf("accepted: %+v", c)
			}
			if strings.Contains(err.Error(), "kc-secret-token") {
				t.Errorf("the error quotes the kubeconfig's credentials: %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}

// The stack's name goes into its AWS resource names: one they cannot hold is refused by the config, naming it.
func TestAWSStackNamesThatCannotNameResources(t *testing.T) {
	for stack, want := range map[string]string{
		"Prod":                   `stack name "Prod" cannot name AWS resources`,
		"prod-ap-south-1-team-a": "at most 21 characters",
		"prod_1":                 "lowercase letters, digits and '-'",
	} {
		values := awsBase()
		values["digit:secrets"] = testServiceSecrets("aws")
		_, err := Load(MapSource{Values: values, Secrets: []string{"digit:secrets"}}, "digit", stack)
		if err == nil || !strings.Contains(err.Error(), "digit:target: "+`stack name "`+stack) || !strings.Contains(err.Error(), want) {
			t.Errorf("stack %s: expected the stack name refused saying %q; got %v", stack, want, err)
		}
	}
	values := awsBase()
	values["digit:secrets"] = testServiceSecrets("aws")
	if _, err := Load(MapSource{Values: values, Secrets: []string{"digit:secrets"}}, "digit", "prod-ap-south-1-teams"); err != nil {
		t.Errorf("a 21-character stack name fits: %v", err)
	}
}

func TestAllProblemsReportedAtOnce(t *testing.T) {
	_, err := load(t, map[string]string{
		"digit:target": "aws", "digit:region": "nowhere", "digit:natMode": "x", "digit:vpcCidr": "bad",
	})
	if err == nil {
		t.Fatal("accepted")
	}
	for _, k := range []string{"digit:region", "digit:natMode", "digit:vpcCidr"} {
		if !strings.Contains(err.Error(), k) {
			t.Errorf("missing %s in %v", k, err)
		}
	}
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func TestCommittedStackFilesAreValid(t *testing.T) {
	for _, stack := range []string{"dev", "prod"} {
		src, err := StackFileSource(filepath.Join(repoRoot(), "Pulumi."+stack+".yaml"), nil)
		if err != nil {
			t.Fatal(err)
		}
		// The stack files hold no credentials; the enc-service master key is the one the user must set.
		if _, err := Load(src, "digit", stack); err == nil || !strings.Contains(err.Error(),
			`digit:secrets: egov-enc-service key master.password is required`) {
			t.Errorf("%s without digit:secrets: want the missing enc-service master password named, got %v", stack, err)
		}
		src.Values["digit:secrets"] = testServiceSecrets("aws")
		src.Secrets = append(src.Secrets, "digit:secrets")
		c, err := Load(src, "digit", stack)
		if err != nil {
			t.Fatalf("%s: %v", stack, err)
		}
		switch stack {
		case "dev":
			if c.AWS.NatMode != NatSingle || c.Database.MultiAZ || c.Protect || c.Database.DeletionProtection {
				t.Errorf("dev must be cheap and unprotected: %+v", c)
			}
		case "prod":
			if c.AWS.NatMode != NatPerZone || !c.Database.MultiAZ || !c.Protect || !c.Database.DeletionProtection ||
				!c.Database.FinalSnapshot || len(c.AWS.Zones) != 3 || c.AWS.NodeGroup.Desired != 6 ||
				c.AWS.NodeGroup.InstanceType != "m4.large" {
				t.Errorf("prod shape wrong: %+v", c)
			}
		}
	}
}

func TestStackFileKeysSeeTypos(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "Pulumi.x.yaml")
	writeFile(t, path, "config:\n  digit:target: aws\n  digit:regoin: ap-south-1\n  aws:region: ap-south-1\n")
	keys := StackFileKeys(path)
	if strings.Join(keys, ",") != "aws:region,digit:regoin,digit:target" {
		t.Fatalf("keys: %v", keys)
	}
}

func TestExistingNodesShape(t *testing.T) {
	for _, tc := range []struct{ nodes, want string }{
		{`{"count":3,"instanceType":"m5.xlarge","cpu":"4"}`, "not both"},
		{`{"count":3,"cpu":"lots","memory":"8Gi","pods":110}`, `cpu "lots"`},
		{`{"count":3,"cpu":"4","memory":"-1Gi","pods":110}`, `memory "-1Gi"`},
		{`{"count":3,"cpu":"4","memory":"8Gi"}`, "pods must be at least 1"},
		{`{"count":3}`, "give instanceType, or cpu, memory and pods"},
	} {
		v := existingBase()
		v["digit:nodes"] = tc.nodes
		_, err := load(t, v, "digit:dbPassword")
		if err == nil || !strings.Contains(err.Error(), "digit:nodes") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: want error with %q, got %v", tc.nodes, tc.want, err)
		}
	}
}

func TestServiceSecretsAreCheckedAgainstTheCatalogue(t *testing.T) {
	for _, c := range []struct {
		name, value string
		secret      bool
		want        string
	}{
		{"plaintext", "{" + testEncSecrets + "}", false, "digit:secrets: holds credentials and must be set as a secret"},
		{"unknown Secret", `{"egov-enc-servce": {"master.password": "x"}}`, true,
			`digit:secrets: "egov-enc-servce" is not a Secret of the catalogue; did you mean "egov-enc-service"?`},
		{"unknown key", `{"egov-enc-service": {"master.pasword": "x"}}`, true,
			`digit:secrets: egov-enc-service has no key "master.pasword"; did you mean "master.password"?`},
		{"not an object of strings", `{"egov-enc-service": "x"}`, true, "digit:secrets: want an object of Secret name -> key -> string value"},
		{"required key left out", `{"egov-enc-service": {"master.password": "x", "master.salt": "y"}}`, true,
			`digit:secrets: egov-enc-service key master.initialvector is required (the AES initial vector of the master key; read by egov-enc-service): set it with pulumi config set --secret --path 'digit:secrets["egov-enc-service"]["master.initialvector"]' <value>`},
		// The value rides in a redis:// URI (egov-user's Jedis): a character that would end the user-info part, or a
		// short value, is refused naming the rule, never the value.
		{"redis password with URI characters", `{` + testEncSecrets[:strings.Index(testEncSecrets, `, "redis"`)] + `, "redis": {"password": "p@ss/word:0123456789"}}`, true,
			`digit:secrets: redis key password does not match ^[A-Za-z0-9_-]{16,128}$`},
		{"redis password too short", `{` + testEncSecrets[:strings.Index(testEncSecrets, `, "redis"`)] + `, "redis": {"password": "short"}}`, true,
			`digit:secrets: redis key password does not match ^[A-Za-z0-9_-]{16,128}$`},
	} {
		t.Run(c.name, func(t *testing.T) {
			values := awsBase()
			values["digit:secrets"] = c.value
			var secrets []string
			if c.secret {
				secrets = append(secrets, "digit:secrets")
			}
			_, err := load(t, values, secrets...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("want an error containing %q, got %v", c.want, err)
			}
			if err != nil && c.secret && (strings.Contains(err.Error(), "p@ss") || strings.Contains(err.Error(), `"short"`)) {
				t.Errorf("the error shows the secret value: %v", err)
			}
		})
	}
	// On existing, nothing provides the filestore's keys: they are asked for by name.
	values := existingBase()
	values["digit:secrets"] = "{" + testEncSecrets + "}"
	_, err := load(t, values, "digit:dbPassword", "digit:secrets")
	if err == nil || !strings.Contains(err.Error(), `digit:secrets: egov-filestore key awskey is required`) ||
		!strings.Contains(err.Error(), "the existing cloud layer does not provide it here") {
		t.Errorf("existing without filestore keys: got %v", err)
	}
}

// TestKubeconfigServerIsReadOnce: a valid digit:kubeconfig gives the loaded config its current context's server,
// which the existing layer dials without parsing the kubeconfig again.
func TestKubeconfigServerIsReadOnce(t *testing.T) {
	values := existingBase()
	values["digit:kubeconfig"] = kubeconfigWith("https://10.0.0.1:6443", "ctx1")
	c, err := load(t, values, "digit:dbPassword", "digit:kubeconfig")
	if err != nil {
		t.Fatal(err)
	}
	api := c.Existing.APIServer
	if api == nil || api.URL.Host != "10.0.0.1:6443" || api.Context != "ctx1" || api.Cluster != "c1" {
		t.Errorf("API server %+v, want https://10.0.0.1:6443 of cluster c1, context ctx1", api)
	}
	values["digit:clusterId"] = "6f1c8a52-3b0e-4a59-9d0c-2f4e5b6a7c8d"
	if c, err := load(t, values, "digit:dbPassword", "digit:kubeconfig"); err != nil || c.Existing.ClusterID != values["digit:clusterId"] {
		t.Errorf("digit:clusterId: %v, loaded %+v", err, c)
	}
}
