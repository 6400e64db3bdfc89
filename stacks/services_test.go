package stacks

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/internal/mocktest"
	"github.com/digit-iac/digit/stacks/config"
)

const testDBPassword = "pa55-word-xyz"

func existingConfig(t *testing.T, extra map[string]string) *config.Config {
	t.Helper()
	values := map[string]string{
		"digit:target":       "existing",
		"digit:database":     `{"host":"pg.internal","port":6432,"name":"egov","user":"egov"}`,
		"digit:dbPassword":   testDBPassword,
		"digit:storageClass": "fast",
		"digit:zones":        `["zone-a","zone-b","zone-c"]`,
	}
	for k, v := range extra {
		values[k] = v
	}
	secrets := []string{"digit:dbPassword"}
	if _, ok := values["digit:secrets"]; !ok {
		values["digit:secrets"] = testServiceSecrets(config.TargetExisting)
		secrets = append(secrets, "digit:secrets")
	}
	cfg, err := config.Load(config.MapSource{Values: values, Secrets: secrets}, "digit", "test")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func runExisting(t *testing.T, cfg *config.Config) *mocktest.Recorder {
	t.Helper()
	m := mocktest.New()
	err := pulumi.RunErr(func(ctx *pulumi.Context) error { return Deploy(ctx, cfg) }, pulumi.WithMocks("digit", "test", m))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestExistingWiresDatabaseIntoConfigMapAndSecretOnly(t *testing.T) {
	m := runExisting(t, existingConfig(t, nil))

	cm, ok := findMeta(m, "kubernetes:core/v1:ConfigMap", "egov", "egov-config")
	if !ok {
		t.Fatal("no egov-config ConfigMap in namespace egov")
	}
	if got := cm.String("data.db-url"); got != "jdbc:postgresql://pg.internal:6432/egov" {
		t.Errorf("db-url = %q", got)
	}
	if got := cm.String("data.db-host"); got != "pg.internal" {
		t.Errorf("db-host = %q", got)
	}
	if got := cm.String("data.kafka-brokers"); got != "kafka-v2.kafka-cluster:9092" {
		t.Errorf("kafka-brokers = %q", got)
	}
	sec, ok := findMeta(m, "kubernetes:core/v1:Secret", "egov", "db")
	if !ok {
		t.Fatal("no db Secret in namespace egov")
	}
	if !sec.IsSecret("stringData.password") && !sec.IsSecret("data.password") {
		t.Error("db Secret password is not a secret value")
	}
	if paths := m.PlaintextPaths(testDBPassword); len(paths) > 0 {
		t.Errorf("DB password in plaintext at %v", paths)
	}
	hosts, ok := findMeta(m, "kubernetes:core/v1:ConfigMap", "egov", "egov-service-host")
	if !ok {
		t.Fatal("no egov-service-host ConfigMap")
	}
	if got := hosts.String("data.egov-user"); got != "http://egov-user.egov:8080/" {
		t.Errorf("egov-service-host egov-user = %q", got)
	}
}

func TestExistingUsesDynamicClaimsAndNoPVs(t *testing.T) {
	m := runExisting(t, existingConfig(t, nil))
	if pvs := m.ByType("kubernetes:core/v1:PersistentVolume"); len(pvs) != 0 {
		t.Errorf("existing target registered %d PVs", len(pvs))
	}
	sts, ok := findMeta(m, "kubernetes:apps/v1:StatefulSet", "kafka-cluster", "kafka-v2")
	if !ok {
		t.Fatal("no kafka-v2 StatefulSet")
	}
	if got := sts.String("spec.volumeClaimTemplates[0].spec.storageClassName"); got != "fast" {
		t.Errorf("kafka claim storage class = %q", got)
	}
}

// workloadNames lists namespace/name of every workload-shaped object, keyed by type.
func workloadNames(m *mocktest.Recorder) []string {
	var out []string
	for _, typ := range []string{
		"kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:DaemonSet",
		"kubernetes:batch/v1:CronJob", "kubernetes:core/v1:Service", "kubernetes:networking.k8s.io/v1:Ingress",
		"kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "kubernetes:policy/v1:PodDisruptionBudget",
	} {
		for _, r := range m.ByType(typ) {
			out = append(out, typ+" "+r.String("metadata.namespace")+"/"+r.String("metadata.name"))
		}
	}
	sort.Strings(out)
	return out
}

func TestDisablingAModuleRemovesItsWorkloadsAndNothingElse(t *testing.T) {
	base := workloadNames(runExisting(t, existingConfig(t, nil)))
	without := workloadNames(runExisting(t, existingConfig(t, map[string]string{
		"digit:catalogue": `{"modules":{"frontend":{"enabled":false}}}`,
	})))
	removed := difference(base, without)
	if added := difference(without, base); len(added) > 0 {
		t.Errorf("disabling frontend added %v", added)
	}
	if len(removed) == 0 {
		t.Fatal("disabling frontend removed nothing")
	}
	for _, r := range removed {
		if !strings.Contains(r, "/citizen") && !strings.Contains(r, "/employee") && !strings.Contains(r, "/digit-ui") {
			t.Errorf("disabling frontend removed %s, which is not a frontend object", r)
		}
	}
	for _, svc := range []string{"citizen", "employee", "digit-ui"} {
		if !containsStr(removed, "kubernetes:apps/v1:Deployment egov/"+svc) {
			t.Errorf("Deployment %s not removed", svc)
		}
	}
}

func TestTagOverrideChangesExactlyOneDeployment(t *testing.T) {
	base := deploymentsByName(runExisting(t, existingConfig(t, nil)))
	over := deploymentsByName(runExisting(t, existingConfig(t, map[string]string{
		"digit:catalogue": `{"services":{"egov-user":{"tag":"v9.9.9-test"}}}`,
	})))
	if len(base) != len(over) {
		t.Fatalf("deployment count changed: %d -> %d", len(base), len(over))
	}
	var changed []string
	for name, spec := range base {
		if over[name] != spec {
			changed = append(changed, name)
		}
	}
	if len(changed) != 1 || changed[0] != "egov/egov-user" {
		t.Fatalf("changed deployments = %v, want [egov/egov-user]", changed)
	}
	if !strings.Contains(over["egov/egov-user"], "egov-user:v9.9.9-test") {
		t.Error("egov-user image does not carry the overridden tag")
	}
}

func TestModulesWaitOnlyForTheirDependencies(t *testing.T) {
	m := runExisting(t, existingConfig(t, nil))
	urnOf := func(typ, ns, name string) string {
		r, ok := findMeta(m, typ, ns, name)
		if !ok {
			t.Fatalf("missing %s %s/%s", typ, ns, name)
		}
		return r.URN
	}
	kafka := urnOf("kubernetes:apps/v1:StatefulSet", "kafka-cluster", "kafka-v2")
	user := urnOf("kubernetes:apps/v1:Deployment", "egov", "egov-user")
	billing, _ := findMeta(m, "kubernetes:apps/v1:Deployment", "egov", "billing-service")
	core, _ := findMeta(m, "kubernetes:apps/v1:Deployment", "egov", "egov-user")
	prom, _ := findMeta(m, "kubernetes:apps/v1:Deployment", "monitoring", "prometheus")
	if !containsStr(core.DependsOn, kafka) {
		t.Errorf("core service egov-user does not wait for kafka (backbone): %v", core.DependsOn)
	}
	if !containsStr(billing.DependsOn, user) {
		t.Errorf("business service billing-service does not wait for egov-user (core)")
	}
	if containsStr(prom.DependsOn, kafka) || containsStr(prom.DependsOn, user) {
		t.Errorf("monitoring waits for modules it does not depend on: %v", prom.DependsOn)
	}
	if containsStr(core.DependsOn, billing.URN) {
		t.Error("core waits for business")
	}
}

func TestCapacityCheckFailsBeforeRegisteringAnything(t *testing.T) {
	cfg := existingConfig(t, map[string]string{
		"digit:nodes": `{"count":2,"cpu":"2","memory":"4Gi","pods":110}`,
	})
	m := mocktest.New()
	err := pulumi.RunErr(func(ctx *pulumi.Context) error { return Deploy(ctx, cfg) }, pulumi.WithMocks("digit", "test", m))
	if err == nil {
		t.Fatal("a catalogue needing ~40Gi fitted on 2 x 4Gi nodes")
	}
	for _, want := range []string{"memory", "CPU", "pods"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("capacity error lacks %q row:\n%v", want, err)
		}
	}
	if n := len(m.All()); n != 0 {
		t.Errorf("%d resources registered before the capacity check failed", n)
	}
}

func findMeta(m *mocktest.Recorder, typ, ns, name string) (mocktest.Resource, bool) {
	for _, r := range m.ByType(typ) {
		if r.String("metadata.namespace") == ns && r.String("metadata.name") == name {
			return r, true
		}
	}
	return mocktest.Resource{}, false
}

func deploymentsByName(m *mocktest.Recorder) map[string]string {
	out := map[string]string{}
	for _, r := range m.ByType("kubernetes:apps/v1:Deployment") {
		b, _ := json.Marshal(r.Get("spec"))
		out[r.String("metadata.namespace")+"/"+r.String("metadata.name")] = string(b)
	}
	return out
}

func difference(a, b []string) []string {
	set := map[string]bool{}
	for _, x := range b {
		set[x] = true
	}
	var out []string
	for _, x := range a {
		if !set[x] {
			out = append(out, x)
		}
	}
	return out
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// plaintextIn returns the path of the first non-secret string containing s, "" if none.
func plaintextIn(m resource.PropertyMap, s string) string {
	var walk func(v resource.PropertyValue, path string) string
	walk = func(v resource.PropertyValue, path string) string {
		switch {
		case v.IsSecret():
			return ""
		case v.IsString():
			if strings.Contains(v.StringValue(), s) {
				return path
			}
		case v.IsArray():
			for i, e := range v.ArrayValue() {
				if p := walk(e, fmt.Sprintf("%s[%d]", path, i)); p != "" {
					return p
				}
			}
		case v.IsObject():
			for k, e := range v.ObjectValue() {
				if p := walk(e, path+"."+string(k)); p != "" {
					return p
				}
			}
		case v.IsOutput():
			if v.OutputValue().Secret {
				return ""
			}
			return walk(v.OutputValue().Element, path)
		}
		return ""
	}
	return walk(resource.NewObjectProperty(m), "")
}

func TestLocalStackFileDeploysTheFullCatalogue(t *testing.T) {
	cfg := stackConfig(t, "local", map[string]string{
		"digit:database":   `{"host":"127.0.0.1","port":5433,"name":"egov","user":"egov"}`,
		"digit:dbPassword": testDBPassword,
	})
	for _, m := range cfg.Services.Catalogue.AllModules() {
		if !cfg.Services.Catalogue.Enabled(m.Name) {
			t.Errorf("module %s is disabled in the local stack; it deploys the full catalogue", m.Name)
		}
	}
	if err := CheckCapacity(cfg); err != nil {
		t.Fatalf("the local nodes cannot hold the full catalogue: %v", err)
	}
	m := runExisting(t, cfg)
	if n := len(m.ByType("kubernetes:apps/v1:Deployment")); n < len(cfg.Services.Catalogue.Services()) {
		t.Errorf("%d Deployments for %d services", n, len(cfg.Services.Catalogue.Services()))
	}
}

func TestRenderModeWritesNoSecretAndNeedsNoCluster(t *testing.T) {
	m := runExisting(t, existingConfig(t, map[string]string{"digit:renderDir": "/tmp/rendered"}))
	if n := len(m.ByType("kubernetes:core/v1:Secret")); n != 0 {
		t.Errorf("render mode registered %d Secrets; a rendered Secret holds the password in base64", n)
	}
	provs := m.ByType("pulumi:providers:kubernetes")
	if len(provs) != 1 || provs[0].String("renderYamlToDirectory") != "/tmp/rendered" || provs[0].String("kubeconfig") != "" {
		t.Fatalf("provider not in render mode without a kubeconfig: %v", provs)
	}
	if _, ok := findMeta(m, "kubernetes:core/v1:ConfigMap", "egov", "egov-config"); !ok {
		t.Error("render mode dropped egov-config")
	}
}
