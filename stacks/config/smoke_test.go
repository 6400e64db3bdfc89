package config

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"
)

// The smoke stack (.github/workflows/smoke.yml) loads with what the workflow gives it at run time, and runs exactly
// the core subset with one replica of each backbone store: the real-image check covers those services and nothing a
// hosted runner could not hold.
func TestSmokeStackRunsTheCoreSubset(t *testing.T) {
	src, err := StackFileSource(filepath.Join(repoRoot(), "Pulumi.smoke.yaml"), map[string]string{"digit:dbPassword": "pw-of-the-run"})
	if err != nil {
		t.Fatal(err)
	}
	src.Values["digit:database"] = `{"host":"postgres.smoke-db.svc.cluster.local","port":5432,"name":"egov","user":"egov"}`
	generated, err := GenerateStackSecrets(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(generated)
	src.Values["digit:secrets"] = string(b)
	src.Secrets = append(src.Secrets, "digit:secrets")
	c, err := Load(src, "digit", "smoke")
	if err != nil {
		t.Fatalf("Pulumi.smoke.yaml with the workflow's run-time config: %v", err)
	}
	var running []string
	for _, s := range c.Services.Catalogue.Services() {
		if s.Replicas > 0 {
			running = append(running, s.Name)
		}
	}
	slices.Sort(running)
	want := []string{"egov-enc-service", "egov-localization", "egov-mdms-service", "egov-persister", "egov-user", "zuul"}
	if !slices.Equal(running, want) {
		t.Errorf("expected the smoke stack to run %v; it runs %v", want, running)
	}
	for role, v := range c.Volumes.Roles() {
		if v.Replicas != 1 {
			t.Errorf("backbone %s: %d replicas; the smoke run has one of each", role, v.Replicas)
		}
	}
	if c.Target != TargetExisting || c.Existing.StorageClass != "standard" {
		t.Errorf("expected target existing on kind's standard class; got %s %s", c.Target, c.Existing.StorageClass)
	}
}
