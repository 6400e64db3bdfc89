package k8s

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/internal/mocktest"
)

func run(t *testing.T, fn func(ctx *pulumi.Context) error) (*mocktest.Recorder, error) {
	t.Helper()
	m := mocktest.New()
	err := pulumi.RunErr(fn, pulumi.WithMocks("digit", "test", m))
	return m, err
}

func mustRun(t *testing.T, fn func(ctx *pulumi.Context) error) *mocktest.Recorder {
	t.Helper()
	m, err := run(t, fn)
	if err != nil {
		t.Fatalf("program failed: %v", err)
	}
	checkStandards(t, m)
	return m
}

// expectArgsError runs fn, which must fail validation with an error mentioning every want substring, before any
// Kubernetes object (or the component itself) is registered.
func expectArgsError(t *testing.T, fn func(ctx *pulumi.Context) error, want ...string) {
	t.Helper()
	m, err := run(t, fn)
	if err == nil {
		t.Fatalf("expected an error mentioning %q, got none", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
	if n := len(m.All()); n != 0 {
		var regs []string
		for _, r := range m.All() {
			regs = append(regs, r.Type+" "+r.Name)
		}
		t.Errorf("validation error after %d registrations: %v", n, regs)
	}
}

var workloadContainers = map[string][]string{
	"kubernetes:apps/v1:Deployment":  {"spec.template.spec"},
	"kubernetes:apps/v1:StatefulSet": {"spec.template.spec"},
	"kubernetes:apps/v1:DaemonSet":   {"spec.template.spec"},
	"kubernetes:batch/v1:CronJob":    {"spec.jobTemplate.spec.template.spec"},
}

// checkStandards asserts the repository standards on every registered Kubernetes object: parented by a digit
// component, recommended labels, and probes plus requests and limits on workload containers.
func checkStandards(t *testing.T, m *mocktest.Recorder) {
	t.Helper()
	components := map[string]bool{}
	for _, r := range m.All() {
		if strings.HasPrefix(r.Type, "digit:k8s:") {
			components[r.URN] = true
		}
	}
	for _, r := range m.Kubernetes() {
		id := r.Type + " " + r.Name
		if !components[r.Parent] {
			t.Errorf("%s: parent %q is not a digit:k8s component", id, r.Parent)
		}
		if r.Type == "kubernetes:helm.sh/v3:Release" {
			continue // a Release has no metadata of its own; the chart labels its objects
		}
		for _, k := range []string{LabelName, LabelInstance, LabelComponent} {
			if r.Label(k) == "" {
				t.Errorf("%s: label %s missing", id, k)
			}
		}
		// The version is on workloads; DigitService's satellites (Service, Ingress, HPA, PDB, ServiceAccount) leave
		// it off so that a release changes the Deployment alone.
		if _, workload := workloadContainers[r.Type]; workload && r.Label(LabelVersion) == "" {
			t.Errorf("%s: workload without label %s", id, LabelVersion)
		}
		if r.Label(LabelPartOf) != "digit" || r.Label(LabelManagedBy) != "pulumi" {
			t.Errorf("%s: part-of/managed-by labels are %q/%q", id, r.Label(LabelPartOf), r.Label(LabelManagedBy))
		}
		for _, spec := range workloadContainers[r.Type] {
			if r.Len(spec+".containers") == 0 {
				t.Errorf("%s: no containers", id)
			}
			for _, kind := range []string{"containers", "initContainers"} {
				for i := 0; i < r.Len(spec+"."+kind); i++ {
					c := fmt.Sprintf("%s.%s[%d]", spec, kind, i)
					for _, q := range []string{"requests.cpu", "requests.memory", "limits.cpu", "limits.memory"} {
						if r.String(c+".resources."+q) == "" {
							t.Errorf("%s: %s has no resources.%s", id, c, q)
						}
					}
					if kind == "containers" && r.Type != "kubernetes:batch/v1:CronJob" {
						if !r.Has(c+".readinessProbe") || !r.Has(c+".livenessProbe") {
							t.Errorf("%s: %s lacks a readiness or liveness probe", id, c)
						}
					}
					envs, _ := r.Get(c + ".env").([]any)
					for _, e := range envs {
						checkNoLiteralCredential(t, id, c, e)
					}
				}
			}
		}
	}
}

func checkNoLiteralCredential(t *testing.T, id, c string, e any) {
	env, _ := e.(map[string]any)
	name, _ := env["name"].(string)
	if _, literal := env["value"]; literal && (strings.Contains(name, "PASSWORD") || strings.Contains(name, "SECRET")) {
		t.Errorf("%s: %s sets %s as a literal value", id, c, name)
	}
}

func names(rs []mocktest.Resource) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	sort.Strings(out)
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
