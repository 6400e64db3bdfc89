package k8s

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/internal/mocktest"
)

func infraArgs() InfraServicesArgs {
	return InfraServicesArgs{
		Logging:    LoggingSpec{Enabled: true, ESHost: "elasticsearch-data-v1.es-cluster"},
		Monitoring: MonitoringSpec{Enabled: true},
		Tracing:    TracingSpec{Enabled: true},
	}
}

func deployInfra(t *testing.T, a InfraServicesArgs) (*mocktest.Recorder, *InfraServices) {
	t.Helper()
	var is *InfraServices
	m := mustRun(t, func(ctx *pulumi.Context) error {
		var err error
		is, err = NewInfraServices(ctx, "infra", &a)
		return err
	})
	return m, is
}

func kubeSet(m *mocktest.Recorder) map[string]mocktest.Resource {
	out := map[string]mocktest.Resource{}
	for _, r := range m.Kubernetes() {
		out[r.Type+" "+r.Name] = r
	}
	return out
}

func TestInfraServicesAll(t *testing.T) {
	m, is := deployInfra(t, infraArgs())
	if is.JaegerAgentHost != "jaeger-agent.monitoring" || is.JaegerAgentPort != 6831 || is.PrometheusURL != "http://prometheus.monitoring:9090" {
		t.Errorf("outputs: %+v", is)
	}
	agent := m.MustFind(t, tService, "infra-jaeger-agent")
	if agent.Namespace() != "monitoring" || agent.String("spec.ports[name=agent-compact].protocol") != "UDP" ||
		agent.Int("spec.ports[name=agent-compact].port") != 6831 {
		t.Errorf("jaeger-agent service: %v", agent.Get("spec"))
	}
	m.MustFind(t, tService, "infra-jaeger-collector")
	m.MustFind(t, tService, "infra-jaeger-query")

	ds := m.MustFind(t, "kubernetes:apps/v1:DaemonSet", "infra-fluent-bit")
	if ds.String("spec.template.spec.tolerations[0].operator") != "Exists" {
		t.Errorf("fluent-bit must tolerate every taint: %v", ds.Get("spec.template.spec.tolerations"))
	}
	conf := m.MustFind(t, "kubernetes:core/v1:ConfigMap", "infra-fluent-bit-config").String(`data["fluent-bit.conf"]`)
	for _, want := range []string{"Host             elasticsearch-data-v1.es-cluster", "Path              /var/log/containers/*.log", "Logstash_Prefix  logstash"} {
		if !contains(strings.Split(conf, "\n"), "    "+want) {
			t.Errorf("fluent-bit.conf lacks %q:\n%s", want, conf)
		}
	}
	cr := m.MustFind(t, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "infra-fluent-bit-logging")
	if res := cr.Strings("rules[0].resources"); !contains(res, "pods") || !contains(res, "namespaces") {
		t.Errorf("fluent-bit rbac: %v", cr.Get("rules"))
	}

	prom := m.MustFind(t, "kubernetes:core/v1:ConfigMap", "infra-prometheus-config").String(`data["prometheus.yml"]`)
	for _, want := range []string{"job_name: kubernetes-nodes", "job_name: kubernetes-pods", "__meta_kubernetes_pod_annotation_prometheus_io_scrape"} {
		if !strings.Contains(prom, want) {
			t.Errorf("prometheus.yml lacks %q", want)
		}
	}
	pd := m.MustFind(t, tDeployment, "infra-prometheus")
	if !pd.Has("spec.template.spec.volumes[name=data].emptyDir") {
		t.Errorf("prometheus storage: %v", pd.Get("spec.template.spec.volumes"))
	}
	if svc := m.MustFind(t, tService, "infra-prometheus"); svc.Int("spec.ports[name=http].port") != 9090 {
		t.Errorf("prometheus service: %v", svc.Get("spec"))
	}
	// Each add-on's ServiceAccount is bound to its own ClusterRole, and its workload waits for both.
	for _, sa := range []struct{ crb, role, sa, ns, workloadType, workload string }{
		{"infra-fluent-bit-logging", "fluent-bit-logging", "fluent-bit", "logging", "kubernetes:apps/v1:DaemonSet", "infra-fluent-bit"},
		{"infra-prometheus-monitoring", "prometheus-monitoring", "prometheus", "monitoring", tDeployment, "infra-prometheus"},
	} {
		b := m.MustFind(t, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", sa.crb)
		if b.String("roleRef.name") != sa.role || b.String("subjects[0].name") != sa.sa || b.String("subjects[0].namespace") != sa.ns {
			t.Errorf("%s binds %q to %s/%s, want %s to %s/%s", sa.crb, b.String("roleRef.name"), b.String("subjects[0].namespace"),
				b.String("subjects[0].name"), sa.role, sa.ns, sa.sa)
		}
		w := m.MustFind(t, sa.workloadType, sa.workload)
		account := m.MustFind(t, tSA, "infra-"+sa.sa)
		if !contains(w.DependsOn, account.URN) || !contains(w.DependsOn, b.URN) {
			t.Errorf("%s does not wait for its ServiceAccount and ClusterRoleBinding: %v", sa.workload, w.DependsOn)
		}
	}
	// What waits for the add-ons waits for each workload.
	if len(is.Ready) != 3 {
		t.Errorf("%d workloads in Ready, want 3 (fluent-bit, prometheus, jaeger)", len(is.Ready))
	}
}

// Turning one add-on off removes exactly its objects and nothing else.
func TestInfraServicesToggles(t *testing.T) {
	mAll, _ := deployInfra(t, infraArgs())
	all := kubeSet(mAll)
	for _, c := range []struct {
		component string
		off       func(*InfraServicesArgs)
	}{
		{"logging", func(a *InfraServicesArgs) { a.Logging.Enabled = false }},
		{"monitoring", func(a *InfraServicesArgs) { a.Monitoring.Enabled = false }},
		{"tracing", func(a *InfraServicesArgs) { a.Tracing.Enabled = false }},
	} {
		t.Run(c.component, func(t *testing.T) {
			a := infraArgs()
			c.off(&a)
			m, _ := deployInfra(t, a)
			got := kubeSet(m)
			var removed []string
			for k, r := range all {
				if _, ok := got[k]; !ok {
					removed = append(removed, k)
					if r.Label(LabelComponent) != c.component {
						t.Errorf("disabling %s removed %s (component %q)", c.component, k, r.Label(LabelComponent))
					}
				}
			}
			for k := range got {
				if _, ok := all[k]; !ok {
					t.Errorf("disabling %s added %s", c.component, k)
				}
			}
			for k, r := range all {
				if r.Label(LabelComponent) == c.component && got[k].Type != "" {
					t.Errorf("%s still registered with %s off", k, c.component)
				}
			}
			sort.Strings(removed)
			if len(removed) == 0 {
				t.Errorf("disabling %s removed nothing", c.component)
			}
		})
	}
	mNone, _ := deployInfra(t, InfraServicesArgs{})
	if n := len(mNone.Kubernetes()); n != 0 {
		t.Errorf("%d objects with everything off", n)
	}
}

func TestInfraServicesValidation(t *testing.T) {
	cases := []struct {
		field  string
		mutate func(*InfraServicesArgs)
	}{
		{"Logging.ESHost", func(a *InfraServicesArgs) { a.Logging.ESHost = "" }},
		{"Logging.ESHost", func(a *InfraServicesArgs) { a.Logging.ESHost = "http://es:9200" }},
		{"Logging.Namespace", func(a *InfraServicesArgs) { a.Logging.Namespace = "Logs" }},
		{"Monitoring.Retention", func(a *InfraServicesArgs) { a.Monitoring.Retention = "one day" }},
		{"Monitoring.StorageSizeLimit", func(a *InfraServicesArgs) { a.Monitoring.StorageSizeLimit = "lots" }},
		{"Tracing.Image", func(a *InfraServicesArgs) { a.Tracing.Image = "jaeger" }},
		{"Tracing.Resources.CPURequest", func(a *InfraServicesArgs) { a.Tracing.Resources = Resources{CPURequest: "2", CPULimit: "1"} }},
	}
	for _, c := range cases {
		t.Run(c.field, func(t *testing.T) {
			a := infraArgs()
			c.mutate(&a)
			expectArgsError(t, func(ctx *pulumi.Context) error { _, err := NewInfraServices(ctx, "infra", &a); return err }, c.field+":")
		})
	}
	// A disabled add-on is not validated: its empty ESHost must not block the others.
	a := infraArgs()
	a.Logging = LoggingSpec{}
	deployInfra(t, a)
}

// TestInfraServicesBounds: a port at either end of the range and one trace are accepted; past them refused.
func TestInfraServicesBounds(t *testing.T) {
	for _, c := range []struct {
		name   string
		mutate func(*InfraServicesArgs)
		field  string
	}{
		{"es port 1", func(a *InfraServicesArgs) { a.Logging.ESPort = 1 }, ""},
		{"es port 65535", func(a *InfraServicesArgs) { a.Logging.ESPort = 65535 }, ""},
		{"es port 65536", func(a *InfraServicesArgs) { a.Logging.ESPort = 65536 }, "Logging.ESPort"},
		{"es port -1", func(a *InfraServicesArgs) { a.Logging.ESPort = -1 }, "Logging.ESPort"},
		{"one trace", func(a *InfraServicesArgs) { a.Tracing.MaxTraces = 1 }, ""},
		{"no trace", func(a *InfraServicesArgs) { a.Tracing.MaxTraces = -1 }, "Tracing.MaxTraces"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := infraArgs()
			c.mutate(&a)
			fn := func(ctx *pulumi.Context) error { _, err := NewInfraServices(ctx, "infra", &a); return err }
			if c.field == "" {
				mustRun(t, fn)
				return
			}
			expectArgsError(t, fn, c.field+":")
		})
	}
}

// TestPrometheusHoldsNoNodeProxyAndNoLifecycle: Prometheus reads node metrics from each kubelet with nodes/metrics
// (not through the apiserver's node proxy, whose nodes/proxy grant reaches every kubelet endpoint), cannot be shut
// down over its web port, and a changed configuration rolls its pod. Controls: CIS Kubernetes 5.1.x (least
// privilege RBAC), no unauthenticated lifecycle API.
func TestPrometheusHoldsNoNodeProxyAndNoLifecycle(t *testing.T) {
	m, _ := deployInfra(t, infraArgs())
	role := m.MustFind(t, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "infra-prometheus-monitoring")
	var resources []string
	for i := range role.Len("rules") {
		resources = append(resources, role.Strings(fmt.Sprintf("rules[%d].resources", i))...)
	}
	if !slices.Contains(resources, "nodes/metrics") || slices.Contains(resources, "nodes/proxy") {
		t.Errorf("prometheus ClusterRole resources %v: want nodes/metrics and no nodes/proxy", resources)
	}
	conf := m.MustFind(t, "kubernetes:core/v1:ConfigMap", "infra-prometheus-config").String(`data["prometheus.yml"]`)
	if strings.Contains(conf, "/proxy/metrics") || strings.Contains(conf, "kubernetes.default.svc") {
		t.Errorf("prometheus.yml still scrapes nodes through the apiserver proxy:\n%s", conf)
	}
	d := m.MustFind(t, tDeployment, "infra-prometheus")
	args := d.Strings("spec.template.spec.containers[0].args")
	if slices.Contains(args, "--web.enable-lifecycle") {
		t.Errorf("prometheus args %v: the lifecycle API is on", args)
	}
	sum := fmt.Sprintf("%x", sha256.Sum256([]byte(conf)))
	if got := d.String(`spec.template.metadata.annotations["digit.egov.org/config-checksum"]`); got != sum {
		t.Errorf("prometheus pod checksum %q, want the sha256 of prometheus.yml %q", got, sum)
	}
}
