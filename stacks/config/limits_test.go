package config

import (
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestLimitsAreInclusive loads every bounded value at its bounds and one past them: the bound itself is accepted
// (AWS and Kubernetes accept it too), one past it is refused with the key named. The limits are AWS's, Kubernetes'
// and TCP's, written out here as literals so a wrong constant in the loader shows.
func TestLimitsAreInclusive(t *testing.T) {
	ng := func(s string) map[string]string { return map[string]string{"digit:nodeGroup": s} }
	db := func(s string) map[string]string { return map[string]string{"digit:database": s} }
	vol := func(s string) map[string]string { return map[string]string{"digit:volumes": `{"kafka":` + s + `}`} }
	edb := func(s string) map[string]string {
		return map[string]string{"digit:database": `{"host":"db.internal",` + s + `}`}
	}
	nodes := func(s string) map[string]string { return map[string]string{"digit:nodes": s} }
	access := func(s string) map[string]string { return map[string]string{"digit:clusterAccess": s} }
	repo := func(name string) map[string]string {
		return map[string]string{"digit:registry": `{"repositories":["` + name + `"]}`}
	}
	cases := []struct {
		name string
		base func() map[string]string
		set  map[string]string
		want string // "" accepted, else a substring of the error
	}{
		{"parallel 1", awsBase, map[string]string{"digit:parallel": "1"}, ""},
		{"parallel 256", awsBase, map[string]string{"digit:parallel": "256"}, ""},
		{"parallel 0", awsBase, map[string]string{"digit:parallel": "0"}, "digit:parallel: 0 is out of range (1 to 256)"},
		{"parallel 257", awsBase, map[string]string{"digit:parallel": "257"}, "digit:parallel: 257 is out of range (1 to 256)"},

		{"four zones", awsBase, map[string]string{"digit:region": "us-east-1", "digit:zones": `["us-east-1a","us-east-1b","us-east-1c","us-east-1d"]`}, ""},
		{"zone z", awsBase, map[string]string{"digit:zones": `["ap-south-1a","ap-south-1z"]`}, ""},
		{"zone of two letters", awsBase, map[string]string{"digit:zones": `["ap-south-1ab"]`}, `digit:zones: zone "ap-south-1ab" is not in region ap-south-1`},
		{"zone of one letter alone", awsBase, map[string]string{"digit:zones": `["a"]`}, `digit:zones: zone "a" is not in region ap-south-1`},

		{"one node", awsBase, ng(`{"min":1,"desired":1,"max":1}`), ""},
		{"desired at max", awsBase, ng(`{"min":1,"desired":3,"max":3}`), ""},
		{"negative min", awsBase, ng(`{"min":-1,"desired":2,"max":3}`), "digit:nodeGroup: min, desired and max must be at least 1 (got -1, 2, 3)"},
		{"negative max", awsBase, ng(`{"min":1,"desired":2,"max":-1}`), "digit:nodeGroup: min, desired and max must be at least 1 (got 1, 2, -1)"},
		{"450 nodes", awsBase, ng(`{"min":1,"desired":6,"max":450}`), ""},
		{"451 nodes", awsBase, ng(`{"min":1,"desired":6,"max":451}`), "digit:nodeGroup: max 451 exceeds the 450 nodes"},
		{"node disk 20", awsBase, ng(`{"diskSizeGb":20}`), ""},
		{"node disk 16384", awsBase, ng(`{"diskSizeGb":16384}`), ""},
		{"node disk 19", awsBase, ng(`{"diskSizeGb":19}`), "digit:nodeGroup: diskSizeGb 19 must be between 20 and 16384"},
		{"node disk 16385", awsBase, ng(`{"diskSizeGb":16385}`), "digit:nodeGroup: diskSizeGb 16385 must be between 20 and 16384"},

		{"private API only", awsBase, map[string]string{"digit:endpointAccess": `{"public":false}`}, ""},
		{"access entries and aws-auth", awsBase, access(`{"mode":"API_AND_CONFIG_MAP"}`), ""},
		{"admins of another account, with a path", awsBase, access(`{"admins":["arn:aws:iam::210987654321:role/platform/admins","arn:aws:iam::123456789012:user/ci"]}`), ""},
		{"aws-auth alone", awsBase, access(`{"mode":"CONFIG_MAP"}`), `digit:clusterAccess: mode "CONFIG_MAP" is not API (access entries only) or API_AND_CONFIG_MAP`},
		{"admin a role session", awsBase, access(`{"admins":["arn:aws:sts::123456789012:assumed-role/admins/alice"]}`), `digit:clusterAccess: admins entry "arn:aws:sts::123456789012:assumed-role/admins/alice" is not the ARN of an IAM role or user`},
		{"admin twice", awsBase, access(`{"admins":["arn:aws:iam::123456789012:role/a","arn:aws:iam::123456789012:role/a"]}`), `digit:clusterAccess: admins lists "arn:aws:iam::123456789012:role/a" twice`},
		{"access key misspelt", awsBase, access(`{"modes":"API"}`), `digit:clusterAccess`},
		{"private API with public CIDRs", awsBase, map[string]string{"digit:endpointAccess": `{"public":false,"publicCidrs":["203.0.113.0/24"]}`}, "digit:endpointAccess: publicCidrs given while public is false"},

		{"repository of 2", awsBase, repo("ab"), ""},
		{"repository of 256", awsBase, repo(strings.Repeat("a", 256)), ""},
		{"repository of 1", awsBase, repo("a"), `digit:registry: repository "a" is not a valid ECR repository name`},
		{"repository of 257", awsBase, repo(strings.Repeat("a", 257)), "is not a valid ECR repository name"},

		{"db storage 20", awsBase, db(`{"storageGb":20,"maxStorageGb":20}`), ""},
		{"db storage 65536", awsBase, db(`{"storageGb":65536,"maxStorageGb":65536}`), ""},
		{"db storage 19", awsBase, db(`{"storageGb":19,"maxStorageGb":100}`), "digit:database: storageGb 19 must be between 20 and 65536"},
		{"db storage 65537", awsBase, db(`{"storageGb":65537,"maxStorageGb":70000}`), "digit:database: storageGb 65537 must be between 20 and 65536"},
		{"db max storage below storage", awsBase, db(`{"storageGb":50,"maxStorageGb":49}`), "digit:database: maxStorageGb 49 is below storageGb 50"},
		{"backups 1 day", awsBase, db(`{"backupRetentionDays":1}`), ""},
		{"backups 35 days", awsBase, db(`{"backupRetentionDays":35}`), ""},
		{"backups 36 days", awsBase, db(`{"backupRetentionDays":36}`), "digit:database: backupRetentionDays 36 must be between 1 and 35"},

		{"gp3 volume of 1 GB", awsBase, vol(`{"sizeGb":1}`), ""},
		{"volume of 16384 GB", awsBase, vol(`{"sizeGb":16384}`), ""},
		{"volume of 0 GB", awsBase, vol(`{"sizeGb":0}`), "digit:volumes: kafka.sizeGb 0 must be between 1 and 16384"},
		{"volume of 16385 GB", awsBase, vol(`{"sizeGb":16385}`), "digit:volumes: kafka.sizeGb 16385 must be between 1 and 16384"},
		{"one replica", awsBase, vol(`{"replicas":1}`), ""},
		{"nine replicas", awsBase, vol(`{"replicas":9}`), ""},
		{"no replica", awsBase, vol(`{"replicas":0}`), "digit:volumes: kafka.replicas 0 must be between 1 and 9"},
		{"ten replicas", awsBase, vol(`{"replicas":10}`), "digit:volumes: kafka.replicas 10 must be between 1 and 9"},

		{"db port 1", existingBase, edb(`"port":1`), ""},
		{"db port 65535", existingBase, edb(`"port":65535`), ""},
		{"db port -1", existingBase, edb(`"port":-1`), "digit:database: port -1 is not a TCP port"},
		{"db port 65536", existingBase, edb(`"port":65536`), "digit:database: port 65536 is not a TCP port"},
		{"one node of instance type", existingBase, nodes(`{"count":1,"instanceType":"m4.large"}`), ""},
		{"no node", existingBase, nodes(`{"count":0,"instanceType":"m4.large"}`), "digit:nodes: count must be at least 1"},
		{"one pod per node", existingBase, nodes(`{"count":1,"cpu":"1","memory":"1Gi","pods":1}`), ""},
		{"no pod per node", existingBase, nodes(`{"count":1,"cpu":"1","memory":"1Gi","pods":0}`), "digit:nodes: pods must be at least 1"},
		{"cpu zero", existingBase, nodes(`{"count":1,"cpu":"0","memory":"1Gi","pods":1}`), `digit:nodes: cpu "0" is not a positive quantity`},
		{"cpu not a quantity", existingBase, nodes(`{"count":1,"cpu":"lots","memory":"1Gi","pods":1}`), `digit:nodes: cpu "lots" is not a positive quantity`},
		{"memory zero", existingBase, nodes(`{"count":1,"cpu":"1","memory":"0","pods":1}`), `digit:nodes: memory "0" is not a positive quantity`},
		{"memory not a quantity", existingBase, nodes(`{"count":1,"cpu":"1","memory":"much","pods":1}`), `digit:nodes: memory "much" is not a positive quantity`},
		{"password of 8", existingBase, map[string]string{"digit:dbPassword": "12345678"}, ""},
		{"password of 7", existingBase, map[string]string{"digit:dbPassword": "1234567"}, "digit:dbPassword: is 7 characters; it must be 8 to 128"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			values := tc.base()
			maps.Copy(values, tc.set)
			_, err := load(t, values, "digit:dbPassword")
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("expected the config to be accepted, got %v", err)
			case tc.want != "" && err == nil:
				t.Errorf("expected an error containing %q, the config was accepted", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Errorf("expected an error containing %q, got %v", tc.want, err)
			}
		})
	}
}

// TestEveryProblemIsReported: the loader goes on after a problem, so one run names every bad key and entry, and
// one problem is not reported as two.
func TestEveryProblemIsReported(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  map[string]string
		want []string
	}{
		{"two unknown keys", map[string]string{"digit:aaa": "1", "digit:zzz": "2"},
			[]string{"digit:aaa: unknown key", "digit:zzz: unknown key"}},
		{"two unknown volume roles", map[string]string{"digit:volumes": `{"aaa":{},"zzz":{}}`},
			[]string{`unknown role "aaa"`, `unknown role "zzz"`}},
		// A Secret the catalogue does not know, sorted before one it does: the known one is still read (else its
		// required keys would be reported missing as well).
		{"unknown Secret before a known one", map[string]string{"digit:secrets": `{"aaa-unknown": {"k": "v"}, ` + testEncSecrets + `}`},
			[]string{`digit:secrets: "aaa-unknown" is not a Secret of the catalogue`}},
		{"unknown key before known ones", map[string]string{"digit:secrets": `{"egov-enc-service": {"a.unknown": "x", "master.password": "p", "master.salt": "s", "master.initialvector": "i"}, "redis": {"password": "redis-pass-0123456789"}}`},
			[]string{`digit:secrets: egov-enc-service has no key "a.unknown"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			values := awsBase()
			maps.Copy(values, tc.set)
			_, err := load(t, values, "digit:secrets")
			if err == nil {
				t.Fatalf("expected errors %q, the config was accepted", tc.want)
			}
			header := "(" + strconv.Itoa(len(tc.want)) + " problems)"
			if !strings.Contains(err.Error(), header) {
				t.Errorf("expected exactly %d problems, got %v", len(tc.want), err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("expected the error to contain %q, got %v", w, err)
				}
			}
		})
	}
}

// TestKeysOfOtherNamespacesAreNotOurs: aws:region, kubernetes:context and the like belong to providers; the loader
// neither reads them nor calls them unknown.
func TestKeysOfOtherNamespacesAreNotOurs(t *testing.T) {
	values := awsBase()
	values["aws:region"] = "eu-west-1"
	values["kubernetes:context"] = "kind"
	values["pulumi:disable-default-providers"] = `["*"]`
	c, err := load(t, values)
	if err != nil {
		t.Fatalf("expected keys of other namespaces to be left alone, got %v", err)
	}
	if c.AWS.Region != DefaultRegion {
		t.Errorf("aws:region was read as digit:region: region %s", c.AWS.Region)
	}
	// Our keys after theirs are still checked.
	values["digit:zzTypo"] = "x"
	if _, err := load(t, values); err == nil || !strings.Contains(err.Error(), "digit:zzTypo: unknown key") {
		t.Errorf("expected digit:zzTypo refused after keys of other namespaces, got %v", err)
	}
}

// TestEmptySecretIsUnset: an empty value of a secret key counts as not set (`pulumi config set --secret k ""`
// leaves nothing to protect), so the error says it is required, not that it is stored in plaintext.
func TestEmptySecretIsUnset(t *testing.T) {
	values := existingBase()
	values["digit:dbPassword"] = ""
	_, err := load(t, values)
	if err == nil || !strings.Contains(err.Error(), "digit:dbPassword: is required on target existing") ||
		strings.Contains(err.Error(), "plaintext") {
		t.Errorf("expected only 'digit:dbPassword: is required', got %v", err)
	}
}

// TestElasticsearchSysctlDefaultsPerTarget: EKS nodes set vm.max_map_count for Elasticsearch, other clusters may not.
func TestElasticsearchSysctlDefaultsPerTarget(t *testing.T) {
	a, err := load(t, awsBase())
	if err != nil {
		t.Fatal(err)
	}
	e, err := load(t, existingBase(), "digit:dbPassword")
	if err != nil {
		t.Fatal(err)
	}
	if a.Services.ElasticsearchSysctl || !e.Services.ElasticsearchSysctl {
		t.Errorf("elasticsearchSysctl: aws %v (want false), existing %v (want true)", a.Services.ElasticsearchSysctl,
			e.Services.ElasticsearchSysctl)
	}
}

// TestGenerateSecretsFillsOnlyWhatIsMissing: every required key left unset gets a value; a key already given keeps
// its value; a key the cloud layer provides is left to it.
func TestGenerateSecretsFillsOnlyWhatIsMissing(t *testing.T) {
	c, err := load(t, existingBase(), "digit:dbPassword")
	if err != nil {
		t.Fatal(err)
	}
	cat := c.Services.Catalogue
	have := map[string]map[string]string{"egov-enc-service": {"master.password": "kept"}}
	provided := AWS{}.ProvidedSecrets()
	got, err := GenerateSecrets(cat, have, provided)
	if err != nil {
		t.Fatal(err)
	}
	if got["egov-enc-service"]["master.password"] != "kept" {
		t.Errorf("a given key was regenerated: %q", got["egov-enc-service"]["master.password"])
	}
	if have["egov-enc-service"]["master.salt"] != "" {
		t.Error("GenerateSecrets wrote into the map it was given")
	}
	want := 0
	for _, s := range cat.Secrets() {
		for _, k := range s.Keys {
			v, set := got[s.Name][k.Key]
			switch {
			case !k.Required:
				if set {
					t.Errorf("optional key %s/%s was generated", s.Name, k.Key)
				}
			case k.Provider != "" && provided[k.Provider]:
				if set {
					t.Errorf("%s/%s is provided by the cloud layer (%s) but was generated", s.Name, k.Key, k.Provider)
				}
			case s.Name == "egov-enc-service" && k.Key == "master.password":
			default:
				want++
				if len(v) < 32 {
					t.Errorf("required key %s/%s got %q, want a random value of 24 bytes", s.Name, k.Key, v)
				}
				if !k.Allows(v) {
					t.Errorf("required key %s/%s got a value its pattern %s refuses", s.Name, k.Key, k.Pattern)
				}
			}
		}
	}
	if want < 2 {
		t.Fatalf("the catalogue has %d required keys to generate; the test needs at least 2", want)
	}
}

// TestStackFileValuesAsTheEngineGivesThem: scalars as text, lists and objects as JSON, a one-key object as an object
// (only {secure: ...} is a secret left to the secrets map), and a secure value marked secret when given.
func TestStackFileValuesAsTheEngineGivesThem(t *testing.T) {
	path := filepath.Join(t.TempDir(), "Pulumi.x.yaml")
	// The secure key sorts first: reading it must not end the reading of the others.
	file := "config:\n" +
		"  digit:tags:\n    team: platform\n" +
		"  parallel: 12\n" +
		"  digit:zones: [ap-south-1a]\n" +
		"  digit:dbPassword:\n    secure: v1:AAAA\n" +
		"  digit:kubeconfig:\n    secure: v1:BBBB\n"
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	src, err := StackFileSource(path, map[string]string{"digit:dbPassword": "from-secrets"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"digit:tags": `{"team":"platform"}`, "digit:parallel": "12", "digit:zones": `["ap-south-1a"]`,
		"digit:dbPassword": "from-secrets",
	}
	if !maps.Equal(src.Values, want) {
		t.Errorf("values %v, want %v", src.Values, want)
	}
	if !src.IsSecret("digit:dbPassword") || src.IsSecret("digit:tags") {
		t.Errorf("secret marks: dbPassword %v (want true), tags %v (want false)", src.IsSecret("digit:dbPassword"),
			src.IsSecret("digit:tags"))
	}
}
