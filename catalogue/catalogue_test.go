package catalogue

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// mustDefault returns the default catalogue or stops the test.
func mustDefault(t *testing.T) *Catalogue {
	t.Helper()
	c, err := Default()
	if err != nil {
		t.Fatalf("Default(): %v", err)
	}
	return c
}

// resolveJSON resolves the default catalogue with overrides given as the JSON of digit:catalogue.
func resolveJSON(t *testing.T, overrides string) (*Resolved, error) {
	t.Helper()
	o, err := ParseOverrides([]byte(overrides))
	if err != nil {
		t.Fatalf("ParseOverrides(%s): %v", overrides, err)
	}
	return Resolve(mustDefault(t), o)
}

func mustResolveJSON(t *testing.T, overrides string) *Resolved {
	t.Helper()
	r, err := resolveJSON(t, overrides)
	if err != nil {
		t.Fatalf("Resolve with %s: %v", overrides, err)
	}
	return r
}

func serviceNames(svcs []Service) []string {
	out := make([]string, len(svcs))
	for i, s := range svcs {
		out[i] = s.Name
	}
	return out
}

func moduleNames(mods []Module) []string {
	out := make([]string, len(mods))
	for i, m := range mods {
		out[i] = m.Name
	}
	return out
}

func TestDefaultResolvesToThePlatformModules(t *testing.T) {
	r := mustResolveJSON(t, "")
	want := []string{"backbone", "gateway", "core", "business", "frontend", "logging", "monitoring", "tracing"}
	if got := moduleNames(r.Modules()); !slices.Equal(got, want) {
		t.Errorf("enabled modules = %v, want %v", got, want)
	}
	counts := map[string]int{}
	for _, m := range r.Modules() {
		counts[m.Name] = len(m.Services)
	}
	wantCounts := map[string]int{"backbone": 0, "gateway": 1, "core": 30, "business": 4, "frontend": 3,
		"logging": 0, "monitoring": 0, "tracing": 0}
	if !reflect.DeepEqual(counts, wantCounts) {
		t.Errorf("services per module = %v, want %v", counts, wantCounts)
	}
	gw, ok := r.GatewayService()
	if !ok || gw.Name != "zuul" {
		t.Errorf("GatewayService() = %q, %v; want zuul", gw.Name, ok)
	}
	for _, s := range r.Services() {
		if s.Autoscaling == nil {
			t.Errorf("service %s has no autoscaling after Resolve", s.Name)
		}
	}
}

func TestEveryModuleCanBeEnabled(t *testing.T) {
	c := mustDefault(t)
	mods := map[string]ModuleOverride{}
	on := true
	for _, m := range c.Modules {
		mods[m.Name] = ModuleOverride{Enabled: &on}
	}
	r, err := Resolve(c, Overrides{Modules: mods})
	if err != nil {
		t.Fatalf("all modules enabled: %v", err)
	}
	if len(r.Modules()) != len(c.Modules) {
		t.Errorf("got %d enabled modules, want all %d", len(r.Modules()), len(c.Modules))
	}
}

func TestModulesComeAfterTheirDependencies(t *testing.T) {
	c := mustDefault(t)
	on := true
	mods := map[string]ModuleOverride{}
	for _, m := range c.Modules {
		mods[m.Name] = ModuleOverride{Enabled: &on}
	}
	// Declare m_sewerage before the module it depends on, so that declaration order alone would be wrong.
	for i, m := range c.Modules {
		if m.Name == "m_sewerage" {
			sew := m
			c.Modules = append(c.Modules[:i], c.Modules[i+1:]...)
			c.Modules = append([]Module{sew}, c.Modules...)
			break
		}
	}
	r, err := Resolve(c, Overrides{Modules: mods})
	if err != nil {
		t.Fatal(err)
	}
	pos := map[string]int{}
	for i, m := range r.Modules() {
		pos[m.Name] = i
	}
	for _, m := range r.Modules() {
		for _, d := range r.DependenciesOf(m.Name) {
			if pos[d] >= pos[m.Name] {
				t.Errorf("module %s (position %d) comes before its dependency %s (position %d)", m.Name,
					pos[m.Name], d, pos[d])
			}
		}
	}
	if pos["m_sewerage"] < pos["m_water-service"] {
		t.Errorf("m_sewerage placed before m_water-service")
	}
}

func TestDisablingAModuleRemovesExactlyItsServices(t *testing.T) {
	before := mustResolveJSON(t, "")
	after := mustResolveJSON(t, `{"modules": {"frontend": {"enabled": false}}}`)

	var removed []string
	kept := map[string]bool{}
	for _, n := range serviceNames(after.Services()) {
		kept[n] = true
	}
	for _, n := range serviceNames(before.Services()) {
		if !kept[n] {
			removed = append(removed, n)
		}
	}
	slices.Sort(removed)
	if want := []string{"citizen", "digit-ui", "employee"}; !slices.Equal(removed, want) {
		t.Errorf("disabling frontend removed %v, want %v", removed, want)
	}
	if len(after.Services()) != len(before.Services())-3 {
		t.Errorf("service count went from %d to %d, want a drop of 3", len(before.Services()), len(after.Services()))
	}
	if after.Enabled("frontend") || !after.Enabled("core") {
		t.Errorf("Enabled(frontend)=%v Enabled(core)=%v, want false and true", after.Enabled("frontend"),
			after.Enabled("core"))
	}
	// The service still belongs to its (disabled) module.
	if m, ok := after.ModuleOf("citizen"); !ok || m != "frontend" {
		t.Errorf("ModuleOf(citizen) = %q, %v; want frontend", m, ok)
	}
}

func TestDisablingAnInfraModuleRemovesItsWorkloads(t *testing.T) {
	before := mustResolveJSON(t, "")
	after := mustResolveJSON(t, `{"modules": {"tracing": {"enabled": false}}}`)
	has := func(r *Resolved, name string) bool {
		for _, w := range r.Workloads() {
			if w.Name == name {
				return true
			}
		}
		return false
	}
	if !has(before, "jaeger") || has(after, "jaeger") {
		t.Errorf("jaeger present before=%v after=%v, want true and false", has(before, "jaeger"), has(after, "jaeger"))
	}
	if len(after.Workloads()) != len(before.Workloads())-1 {
		t.Errorf("workloads went from %d to %d, want a drop of 1", len(before.Workloads()), len(after.Workloads()))
	}
}

func TestATagOverrideChangesExactlyOneService(t *testing.T) {
	before := mustResolveJSON(t, "")
	after := mustResolveJSON(t, `{"services": {"egov-user": {"tag": "v1.2.9-abc"}}}`)
	b, a := before.Services(), after.Services()
	if len(a) != len(b) {
		t.Fatalf("service count changed: %d -> %d", len(b), len(a))
	}
	changed := 0
	for i := range b {
		if reflect.DeepEqual(a[i], b[i]) {
			continue
		}
		changed++
		if a[i].Name != "egov-user" {
			t.Errorf("service %s changed", a[i].Name)
			continue
		}
		if a[i].Tag != "v1.2.9-abc" {
			t.Errorf("egov-user tag = %q, want v1.2.9-abc", a[i].Tag)
		}
		a[i].Tag = b[i].Tag
		if !reflect.DeepEqual(a[i], b[i]) {
			t.Errorf("egov-user changed beyond its tag:\nbefore %+v\nafter  %+v", b[i], a[i])
		}
	}
	if changed != 1 {
		t.Errorf("%d services changed, want 1", changed)
	}
	s, _ := after.Service("egov-user")
	if got := MigrationImageRef(s, ""); got != "egovio/egov-user-db:v1.2.9-abc" {
		t.Errorf("migration image follows the service tag: got %q", got)
	}
}

func TestServiceOverrideFields(t *testing.T) {
	r := mustResolveJSON(t, `{"services": {"egov-user": {"replicas": 3, "memoryLimit": "1Gi",
		"heap": "-Xmx512m -Xms512m", "cpuRequest": "200m", "env": [{"name": "FOO", "value": "bar"},
		{"name": "EGOV_MDMS_HOST", "value": "http://mdms.example"}, {"name": "JAVA_ARGS", "remove": true}],
		"autoscaling": {"max": 6, "targetCpu": 70}}}}`)
	s, _ := r.Service("egov-user")
	if s.Replicas != 3 || s.MemoryLimit != "1Gi" || s.Heap != "-Xmx512m -Xms512m" || s.CPURequest != "200m" {
		t.Errorf("overrides not applied: %+v", s)
	}
	env := map[string]EnvVar{}
	for _, e := range s.Env {
		env[e.Name] = e
	}
	if e := env["FOO"]; e.Value == nil || *e.Value != "bar" || s.Env[len(s.Env)-1].Name != "FOO" {
		t.Errorf("env FOO = %+v, want the literal bar appended", e)
	}
	// A changed entry keeps its place and takes the new source.
	if e := env["EGOV_MDMS_HOST"]; e.Value == nil || *e.Value != "http://mdms.example" || e.ServiceHost != "" {
		t.Errorf("env EGOV_MDMS_HOST = %+v, want the literal override in place of the service host", e)
	}
	if _, ok := env["JAVA_ARGS"]; ok {
		t.Error("env JAVA_ARGS was removed by the override but is still there")
	}
	// min was not given: it follows the overridden replicas.
	if want := (Autoscaling{Min: 3, Max: 6, TargetCPU: 70}); *s.Autoscaling != want {
		t.Errorf("autoscaling = %+v, want %+v", *s.Autoscaling, want)
	}
}

func TestAutoscalingDefaultsFollowReplicas(t *testing.T) {
	r := mustResolveJSON(t, `{"services": {"egov-user": {"replicas": 0}}}`)
	user, _ := r.Service("egov-user")
	if user.Autoscaling != nil {
		t.Errorf("a parked service got an autoscaler: %+v", *user.Autoscaling)
	}
	ndkp, _ := r.Service("national-dashboard-kafka-pipeline")
	if want := (Autoscaling{Min: 3, Max: 9, TargetCPU: 80}); *ndkp.Autoscaling != want {
		t.Errorf("autoscaling of a 3-replica service = %+v, want %+v", *ndkp.Autoscaling, want)
	}
}

func TestAddedServiceGetsDefaultsAndJoinsItsModule(t *testing.T) {
	r := mustResolveJSON(t, `{"add": [{"name": "my-svc", "module": "core", "image": "egovio/my-svc", "tag": "v1",
		"port": 8080, "contextPath": "my-svc"}, {"name": "my-ui", "module": "frontend", "kind": "frontend",
		"image": "egovio/my-ui", "tag": "v1", "port": 80, "contextPath": "my-ui"}]}`)
	s, ok := r.Service("my-svc")
	if !ok {
		t.Fatal("added service missing")
	}
	if m, _ := r.ModuleOf("my-svc"); m != "core" {
		t.Errorf("ModuleOf(my-svc) = %q, want core", m)
	}
	if s.Kind != KindJava || s.Replicas != 1 || s.MemoryLimit != "512Mi" || s.CPURequest != "100m" {
		t.Errorf("java defaults not applied: %+v", s)
	}
	ui, _ := r.Service("my-ui")
	if ui.MemoryLimit != "128Mi" || ui.CPURequest != "50m" {
		t.Errorf("frontend defaults not applied: %+v", ui)
	}
}

func TestResolveLeavesItsInputAlone(t *testing.T) {
	base := mustDefault(t)
	snapshot, _ := json.Marshal(base)
	o, _ := ParseOverrides([]byte(`{"modules": {"m_pgr": {"enabled": true}},
		"services": {"egov-user": {"tag": "x1", "env": {"A": "b"}}},
		"add": [{"name": "my-svc", "module": "core", "image": "egovio/my-svc", "tag": "v1", "port": 8080}]}`))
	r, err := Resolve(base, o)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := json.Marshal(base)
	if string(after) != string(snapshot) {
		t.Error("Resolve modified its base catalogue")
	}
	// Nor can a caller change the Resolved through what it returns.
	svcs := r.Services()
	first := svcs[0].Env[0].Name
	svcs[0].Env[0].Name = "MUTATED"
	r.Modules()[0].Dependencies = append(r.Modules()[0].Dependencies, "mutated")
	if again := r.Services(); again[0].Env[0].Name != first {
		t.Error("Services() hands out the Resolved's own slices")
	}
}

func TestImageRefs(t *testing.T) {
	r := mustResolveJSON(t, "")
	user, _ := r.Service("egov-user")
	const ecr = "123456789012.dkr.ecr.ap-south-1.amazonaws.com"
	cases := []struct{ got, want string }{
		{ImageRef(user, ""), "egovio/egov-user:v1.2.8-9fde481-19"},
		{ImageRef(user, ecr), ecr + "/egovio/egov-user:v1.2.8-9fde481-19"},
		{ImageRef(user, ecr+"/"), ecr + "/egovio/egov-user:v1.2.8-9fde481-19"},
		{MigrationImageRef(user, ecr), ecr + "/egovio/egov-user-db:v1.2.8-9fde481-19"},
		{WorkloadImageRef(r.Gateway().IngressNginx, ""), "registry.k8s.io/ingress-nginx/controller:v1.12.1"},
		{WorkloadImageRef(r.Gateway().IngressNginx, ecr), ecr + "/ingress-nginx/controller:v1.12.1"},
		{WorkloadImageRef(r.Backbone().Redis, ecr), ecr + "/library/redis:7.2.11"},
		{WorkloadImageRef(r.Backbone().Redis, ""), "redis:7.2.11"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	persister, _ := r.Service("egov-persister")
	if got := MigrationImageRef(persister, ecr); got != "" {
		t.Errorf("MigrationImageRef of a service without migration = %q, want empty", got)
	}
	images := r.Images()
	for _, want := range []string{"egovio/egov-user", "egovio/egov-user-db", "library/redis", "ingress-nginx/controller",
		"git-sync/git-sync"} {
		if !slices.Contains(images, want) {
			t.Errorf("Images() lacks %s", want)
		}
	}
	if slices.Contains(images, "egovio/pgr-services") {
		t.Error("Images() lists a service of a disabled module")
	}
}

func TestMunicipalServicesFollowTheDocumentedConventions(t *testing.T) {
	c := mustDefault(t)
	conventional := map[string]bool{"m_pgr": true, "m_property-tax": true, "m_trade-license": true,
		"m_water-service": true, "m_sewerage": true, "m_fire-noc": true}
	checked := 0
	for _, m := range c.Modules {
		if !conventional[m.Name] {
			continue
		}
		if m.Enabled {
			t.Errorf("module %s is enabled by default", m.Name)
		}
		for _, s := range m.Services {
			checked++
			underscored := strings.ReplaceAll(s.Name, "-", "_")
			if s.Port != 8080 || s.ContextPath != s.Name || s.HealthPath != "/"+s.Name+"/health" ||
				s.MemoryLimit != "512Mi" || s.Migration == nil || s.Migration.Image != "egovio/"+s.Name+"-db" ||
				s.Migration.SchemaTable != underscored+"_schema" {
				t.Errorf("service %s (module %s) departs from the conventions: %+v %+v", s.Name, m.Name, s, s.Migration)
			}
			// The heap is upstream's (the fidelity test compares JAVA_OPTS); a JVM service must have one.
			if (s.Kind == KindNode) != (s.Heap == "") {
				t.Errorf("service %s (kind %s) heap = %q: a java service needs a heap, a node one none", s.Name,
					s.Kind, s.Heap)
			}
		}
	}
	if checked != 12 {
		t.Errorf("checked %d conventional services, want 12", checked)
	}
}

// core v2.9 pins two migration images apart from their services' tags; a service release must not move them.
func TestPinnedMigrationTagsStayWhenTheServiceTagMoves(t *testing.T) {
	r := mustResolveJSON(t, `{"services": {"egov-filestore": {"tag": "v9.9.9-new"}}}`)
	for name, want := range map[string]string{
		"egov-filestore": "egovio/egov-filestore-db:v1.3.0-72d8393-4",
		"pdf-service":    "egovio/pdf-service-db:v1.2.2-72d8393-5",
		"egov-user":      "egovio/egov-user-db:v1.2.8-9fde481-19",
	} {
		s, _ := r.Service(name)
		if got := MigrationImageRef(s, ""); got != want {
			t.Errorf("%s migration image %q, want %q", name, got, want)
		}
	}
}

// TestDefaultIsAFreshCopy: Default parses default.yaml once per process and hands out copies, so what one caller
// changes, down to a service's env, the next caller does not see.
func TestDefaultIsAFreshCopy(t *testing.T) {
	fresh, err := Parse(defaultYAML)
	if err != nil {
		t.Fatal(err)
	}
	a := mustDefault(t)
	if !reflect.DeepEqual(a, fresh) {
		t.Fatal("Default() differs from a fresh parse of default.yaml")
	}
	for i := range a.Modules {
		a.Modules[i].Name += "-changed"
		for j := range a.Modules[i].Services {
			s := &a.Modules[i].Services[j]
			s.Name = "changed"
			for k := range s.Env {
				s.Env[k].Name = "changed"
			}
		}
	}
	a.Backbone.Kafka.Replicas++
	b := mustDefault(t)
	if !reflect.DeepEqual(b, fresh) {
		t.Error("a change to one Default() result shows in the next")
	}
}
