package stacks

import (
	"encoding/json"
	"fmt"
	"slices"
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

// Nothing waits for a whole module: a DIGIT Deployment waits for the backbone stores its env addresses (and the
// environment), never for another service; an Ingress waits for the ingress controller; no ClusterIP Service is
// awaited (the provider's endpoint wait plus 10 s settle would only delay what follows it).
func TestEachWorkloadWaitsForWhatItUsesOnly(t *testing.T) {
	m := runExisting(t, existingConfig(t, nil))
	const sts, dep = "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:Deployment"
	urnOf := func(typ, ns, name string) string {
		r, ok := findMeta(m, typ, ns, name)
		if !ok {
			t.Fatalf("missing %s %s/%s", typ, ns, name)
		}
		return r.URN
	}
	kafka := urnOf(sts, "kafka-cluster", "kafka-v2")
	esData := urnOf(sts, "es-cluster", "elasticsearch-data-v1")
	esMaster := urnOf(sts, "es-cluster", "elasticsearch-master-v1")
	zookeeper := urnOf(sts, "zookeeper-cluster", "zookeeper-v2")
	redis := urnOf(dep, "backbone", "redis")
	controller := urnOf(dep, "ingress-nginx", "ingress-nginx-controller")
	backbone := map[string]string{kafka: "kafka", esData: "es-data", esMaster: "es-master", zookeeper: "zookeeper", redis: "redis"}

	isService := map[string]bool{} // URNs of the DigitService components
	for _, r := range m.ByType("digit:k8s:DigitService") {
		isService[r.URN] = true
	}
	serviceWorkloads := map[string]string{} // Deployment and Service URNs of DIGIT services -> name
	serviceDeployments := map[string]bool{}
	for _, typ := range []string{dep, "kubernetes:core/v1:Service"} {
		for _, r := range m.ByType(typ) {
			if isService[r.Parent] {
				serviceWorkloads[r.URN] = r.String("metadata.name")
				serviceDeployments[r.URN] = typ == dep
			}
		}
	}
	if len(serviceWorkloads) < 40 {
		t.Fatalf("found %d DIGIT Deployments and Services; the check would be vacuous", len(serviceWorkloads))
	}
	storesOf := func(name string) []string {
		r, ok := findMeta(m, dep, "egov", name)
		if !ok {
			t.Fatalf("missing Deployment egov/%s", name)
		}
		var got []string
		for _, d := range r.DependsOn {
			if b, ok := backbone[d]; ok {
				got = append(got, b)
			}
		}
		sort.Strings(got)
		return got
	}
	for svc, want := range map[string][]string{
		"egov-user":    {"kafka", "redis"},
		"egov-indexer": {"es-data", "es-master", "kafka"},
		"digit-ui":     nil,
	} {
		if got := storesOf(svc); !slices.Equal(got, want) {
			t.Errorf("Deployment %s waits for the backbone workloads %v; want %v (the stores its env addresses)", svc, got, want)
		}
	}
	for _, r := range m.ByType(dep) {
		if !isService[r.Parent] {
			continue
		}
		for _, d := range r.DependsOn {
			if other, ok := serviceWorkloads[d]; ok {
				t.Errorf("Deployment %s waits for %s of another DIGIT service", r.String("metadata.name"), other)
			}
		}
	}
	ingresses := m.ByType("kubernetes:networking.k8s.io/v1:Ingress")
	if len(ingresses) == 0 {
		t.Fatal("no Ingress registered")
	}
	for _, r := range ingresses {
		if !containsStr(r.DependsOn, controller) {
			t.Errorf("Ingress %s does not wait for the ingress controller", r.String("metadata.name"))
		}
		for _, d := range r.DependsOn {
			if b, ok := backbone[d]; ok {
				t.Errorf("Ingress %s waits for the backbone's %s", r.String("metadata.name"), b)
			}
			if other, ok := serviceWorkloads[d]; ok && serviceDeployments[d] {
				t.Errorf("Ingress %s waits for the Deployment of %s", r.String("metadata.name"), other)
			}
		}
	}
	for _, r := range m.ByType("kubernetes:core/v1:Service") {
		skip := r.String(`metadata.annotations["pulumi.com/skipAwait"]`)
		lb := r.String("spec.type") == "LoadBalancer"
		if lb && skip != "" {
			t.Errorf("LoadBalancer Service %s skips the wait that yields its address", r.String("metadata.name"))
		}
		if !lb && skip != "true" {
			t.Errorf("Service %s/%s (%s) is awaited: its endpoint wait and 10 s settle delay the up for nothing",
				r.String("metadata.namespace"), r.String("metadata.name"), r.String("spec.type"))
		}
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
