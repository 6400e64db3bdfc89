package config

import (
	"maps"
	"strings"
	"testing"
)

func loadStack(t *testing.T, stack string, values map[string]string) (*Config, error) {
	t.Helper()
	values = maps.Clone(values)
	values["digit:secrets"] = testServiceSecrets(values["digit:target"])
	return Load(MapSource{Values: values, Secrets: []string{"digit:secrets", "digit:dbPassword"}}, "digit", stack)
}

// digit:qa makes a throw-away stack: nothing protected or kept, small disks, every namespace prefixed, and a tag
// naming it on every cloud resource; the base's own values are what it starts from.
func TestQAStackOverridesTheBase(t *testing.T) {
	base := awsBase()
	base["digit:protect"] = "true"
	base["digit:database"] = `{"deletionProtection":true,"finalSnapshot":true,"multiAz":true,"instanceClass":"db.t3.large"}`
	base["digit:volumes"] = `{"kafka":{"replicas":3,"sizeGb":100},"zookeeper":{"replicas":3,"sizeGb":5}}`
	base["digit:tags"] = `{"environment":"prod"}`
	plain, err := loadStack(t, "prod", base)
	if err != nil {
		t.Fatal(err)
	}
	if plain.QA != nil || !plain.Protect || !plain.Database.FinalSnapshot {
		t.Fatalf("expected the base itself untouched: qa %v protect %v finalSnapshot %v", plain.QA, plain.Protect, plain.Database.FinalSnapshot)
	}

	base["digit:qa"] = "pr-42"
	c, err := loadStack(t, "qa-pr-42", base)
	if err != nil {
		t.Fatal(err)
	}
	if c.QA == nil || c.QA.Name != "pr-42" || c.QA.Prefix != "qa-pr-42-" {
		t.Fatalf("expected QA pr-42 with prefix qa-pr-42-; got %+v", c.QA)
	}
	if c.Protect || c.Database.DeletionProtection || c.Database.FinalSnapshot || c.Database.MultiAZ {
		t.Errorf("expected no protection, deletion protection, final snapshot or multi-AZ; got protect %v %+v", c.Protect, c.Database)
	}
	if c.Database.InstanceClass != "db.t3.large" {
		t.Errorf("expected the base's instance class kept; got %s", c.Database.InstanceClass)
	}
	if c.Volumes.Kafka.SizeGB != 10 || c.Volumes.Kafka.Replicas != 3 || c.Volumes.Zookeeper.SizeGB != 5 {
		t.Errorf("expected disks capped at 10 GB, replicas and smaller sizes kept; got kafka %+v zookeeper %+v", c.Volumes.Kafka, c.Volumes.Zookeeper)
	}
	if c.Tags["digit-qa"] != "pr-42" || c.Tags["environment"] != "prod" {
		t.Errorf("expected the base's tags plus digit-qa=pr-42; got %v", c.Tags)
	}
	for _, m := range c.Services.Catalogue.AllModules() {
		if !strings.HasPrefix(m.Namespace, "qa-pr-42-") {
			t.Errorf("module %s: namespace %s lacks the QA prefix", m.Name, m.Namespace)
		}
	}
	for _, w := range c.Services.Catalogue.Workloads() {
		if !strings.HasPrefix(w.Namespace, "qa-pr-42-") {
			t.Errorf("workload %s: namespace %s lacks the QA prefix", w.Name, w.Namespace)
		}
	}
}

func TestQAStackWithADomainGetsItsOwnHost(t *testing.T) {
	base := awsBase()
	base["digit:domain"] = "digit.example.org"
	base["digit:tlsEmail"] = "ops@example.org"
	base["digit:qa"] = "a"
	c, err := loadStack(t, "qa-a", base)
	if err != nil {
		t.Fatal(err)
	}
	if c.Services.Domain != "qa-a.digit.example.org" {
		t.Errorf("expected the QA stack's own host qa-a.digit.example.org; got %s", c.Services.Domain)
	}
}

func TestMalformedQAConfigs(t *testing.T) {
	withDomain := existingBase()
	withDomain["digit:domain"] = "digit.example.org"
	withDomain["digit:tlsEmail"] = "ops@example.org"
	for _, tc := range []struct {
		name, stack string
		values      map[string]string
		want        []string
	}{
		{"upper case", "qa-PR1", map[string]string{"digit:qa": "PR1"}, []string{"digit:qa", `"PR1"`, "lowercase"}},
		{"too long", "qa-" + strings.Repeat("a", 19), map[string]string{"digit:qa": strings.Repeat("a", 19)}, []string{"digit:qa", "19 characters", "at most 18"}},
		{"trailing dash", "qa-a-", map[string]string{"digit:qa": "a-"}, []string{"digit:qa", "not ending with '-'"}},
		{"other stack", "dev", map[string]string{"digit:qa": "a"}, []string{"digit:qa", "names QA stack qa-a, but this is stack dev"}},
		{"domain on a shared cluster", "qa-a", withDomain, []string{"digit:qa", "cannot have digit:domain (digit.example.org)", "cert-manager"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			values := existingBase()
			maps.Copy(values, tc.values)
			if _, ok := values["digit:qa"]; !ok {
				values["digit:qa"] = "a"
			}
			_, err := loadStack(t, tc.stack, values)
			if err == nil {
				t.Fatalf("expected an error naming %v", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("expected the error to say %q; it reads:\n%v", w, err)
				}
			}
		})
	}
}
