package catalogue

import (
	"strings"
	"testing"
)

func envValue(t *testing.T, r *Resolved, service, name string) string {
	t.Helper()
	s, ok := r.Service(service)
	if !ok {
		t.Fatalf("no service %s", service)
	}
	for _, e := range s.Env {
		if e.Name == name {
			if e.Value == nil {
				t.Fatalf("%s %s is not a literal", service, name)
			}
			return *e.Value
		}
	}
	t.Fatalf("%s has no env %s", service, name)
	return ""
}

// A prefix moves every namespace and every literal host in one of them, and nothing else.
func TestNamespacePrefixMovesNamespacesAndTheHostsInThem(t *testing.T) {
	r := mustResolveJSON(t, `{}`)
	p, err := r.WithNamespacePrefix("qa-a-")
	if err != nil {
		t.Fatal(err)
	}
	before := r.Namespaces()
	after := p.Namespaces()
	if len(after) != len(before) {
		t.Fatalf("expected %d namespaces; got %v", len(before), after)
	}
	for i, ns := range before {
		if after[i] != "qa-a-"+ns {
			t.Errorf("namespace %s: expected qa-a-%s; got %s", ns, ns, after[i])
		}
	}
	for _, c := range []struct{ service, env, want string }{
		{"zuul", "SPRING_REDIS_HOST", "redis.qa-a-backbone"},
		{"egov-hrms", "EGOV_HRMS_EMPLOYEE_APP_LINK", "https://egov-demo.egovernments.org/employee/user/login"},
	} {
		if got := envValue(t, p, c.service, c.env); got != c.want {
			t.Errorf("%s %s: expected %q; got %q", c.service, c.env, c.want, got)
		}
	}
	inbox := envValue(t, p, "inbox", "BS_BUSINESSCODE_SERVICE_SEARCH")
	if !strings.Contains(inbox, "http://ws-services.qa-a-egov:8080/ws-services/wc/_search") || strings.Contains(inbox, ".egov:") {
		t.Errorf("expected inbox's search paths in qa-a-egov; got %s", inbox)
	}
	// Untouched: the original, and what names no namespace.
	if got := envValue(t, r, "zuul", "SPRING_REDIS_HOST"); got != "redis.backbone" {
		t.Errorf("expected the unprefixed catalogue unchanged; zuul's redis host is %s", got)
	}
	for _, s := range p.Services() {
		orig, _ := r.Service(s.Name)
		for i, e := range s.Env {
			o := orig.Env[i]
			if e.Name != o.Name || (e.Value == nil) != (o.Value == nil) || e.Config != o.Config || e.ServiceHost != o.ServiceHost {
				t.Errorf("%s env %d: only literal values may change; %+v became %+v", s.Name, i, o, e)
			}
			if e.Value != nil && *e.Value != *o.Value && !strings.Contains(*e.Value, ".qa-a-") {
				t.Errorf("%s %s: changed without moving a host: %q -> %q", s.Name, e.Name, *o.Value, *e.Value)
			}
		}
	}
	if ns, ok := p.NamespaceOf(FilestoreService); !ok || ns != "qa-a-egov" {
		t.Errorf("expected egov-filestore in qa-a-egov; got %q %v", ns, ok)
	}
	if _, ok := (*Resolved)(nil).NamespaceOf(FilestoreService); ok {
		t.Error("expected a nil catalogue to know no namespace")
	}
}

func TestNamespacePrefixErrors(t *testing.T) {
	r := mustResolveJSON(t, `{}`)
	for prefix, want := range map[string]string{
		"QA-":                   "lowercase letters",
		"1qa-":                  "starting with a letter",
		strings.Repeat("q", 50): "zookeeper-cluster would become 67 characters long (at most 63)",
		"qa_a-":                 "lowercase letters, digits and '-'",
	} {
		if _, err := r.WithNamespacePrefix(prefix); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("prefix %q: expected an error saying %q; got %v", prefix, want, err)
		}
	}
	if same, err := r.WithNamespacePrefix(""); err != nil || same != r {
		t.Errorf("expected no prefix to change nothing; got %v", err)
	}
}

// TestNamespacePrefixMovesPodSecurityWaivers: a QA stack's namespaces keep the levels of the ones they copy.
func TestNamespacePrefixMovesPodSecurityWaivers(t *testing.T) {
	base := mustDefault(t)
	base.PodSecurity = map[string]PodSecurityWaiver{"logging": {Level: "privileged", Reason: "hostPath"}}
	r, err := Resolve(base, Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := r.WithNamespacePrefix("qa-a-")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		r                *Resolved
		ns, want, reason string
	}{
		{p, "qa-a-logging", "privileged", "hostPath"}, {p, "logging", "restricted", ""}, {p, "qa-a-egov", "restricted", ""},
		{r, "logging", "privileged", "hostPath"},
	} {
		if level, reason := tc.r.PodSecurity(tc.ns); string(level) != tc.want || reason != tc.reason {
			t.Errorf("PodSecurity(%s) = %s, %q; want %s, %q", tc.ns, level, reason, tc.want, tc.reason)
		}
	}
}

// TestPrefixedHostsOfNamespacesThatArePrefixesOfEachOther: whichever order the namespaces come in, a host in
// kafka-cluster is moved as kafka-cluster, not as kafka followed by "-cluster", and one in kafka as kafka.
func TestPrefixedHostsOfNamespacesThatArePrefixesOfEachOther(t *testing.T) {
	for _, namespaces := range [][]string{{"kafka", "kafka-cluster"}, {"kafka-cluster", "kafka"}} {
		rewrite := hostRewriter(namespaces, "qa-")
		for in, want := range map[string]string{
			"kafka-v2.kafka-cluster:9092":       "kafka-v2.qa-kafka-cluster:9092",
			"broker.kafka:9092,x.kafka-cluster": "broker.qa-kafka:9092,x.qa-kafka-cluster",
			"x.kafka-clusters:1":                "x.kafka-clusters:1",
		} {
			if got := rewrite(in); got != want {
				t.Errorf("namespaces %v: %q became %q, want %q", namespaces, in, got, want)
			}
		}
	}
}
