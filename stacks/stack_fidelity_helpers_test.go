package stacks

// Shared by the fidelity and configuration-surface tests: the dev, prod and local stacks rendered once under mocks,
// and the rendered containers of each service's Deployment read back as plain data.

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"sigs.k8s.io/yaml"

	"github.com/digit-iac/digit/catalogue"
	"github.com/digit-iac/digit/components/aws/awstest"
	"github.com/digit-iac/digit/components/azure/aztest"
	infraazure "github.com/digit-iac/digit/infra/azure"
	"github.com/digit-iac/digit/internal/mocktest"
	"github.com/digit-iac/digit/stacks/config"
)

// renderedStack is one stack file run under mocks.
type renderedStack struct {
	name string
	cfg  *config.Config
	// deployments by metadata.name
	deployments map[string]mocktest.Resource
	// rec has every registration of the stack.
	rec *mocktest.Recorder
}

var (
	renderedMu     sync.Mutex
	renderedStacks = map[string]*renderedStack{}
)

// testAzureDBPassword is azure-prod's digit:dbPassword in tests (the flexible server wants three character classes).
const testAzureDBPassword = "Test-Azure-Db-Pw-1"

// renderStack runs Pulumi.<stack>.yaml under mocks (AWS mocks for dev and prod, Azure mocks for azure-prod, the
// existing-cluster path for local) once per test binary.
func renderStack(t *testing.T, stack string) *renderedStack {
	t.Helper()
	renderedMu.Lock()
	defer renderedMu.Unlock()
	if r, ok := renderedStacks[stack]; ok {
		return r
	}
	src, err := config.StackFileSource(filepath.Join(repoRoot(), "Pulumi."+stack+".yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	// The service credentials a real stack sets with --secret (test values).
	secrets := `{"egov-enc-service":{"master.password":"test-master-pw","master.salt":"test-salt","master.initialvector":"test-iv"},"redis":{"password":"test-redis-password-1"}`
	if stack == "local" {
		src.Values["digit:database"] = `{"host":"127.0.0.1","port":5433,"name":"egov","user":"egov"}`
		src.Values["digit:dbPassword"] = testDBPassword
		src.Secrets = append(src.Secrets, "digit:dbPassword")
		secrets += `,"egov-filestore":{"awskey":"test-key","awssecretkey":"test-secret"},` + testFinanceSecret
	}
	if src.Values["digit:target"] == "azure" {
		src.Values["digit:dbPassword"] = testAzureDBPassword
		src.Secrets = append(src.Secrets, "digit:dbPassword")
	}
	src.Values["digit:secrets"] = secrets + "}"
	src.Secrets = append(src.Secrets, "digit:secrets")
	cfg, err := config.Load(src, "digit", stack)
	if err != nil {
		t.Fatalf("stack %s: %v", stack, err)
	}
	// Both layers as Register runs them, without its capacity check: what a stack renders is this test's subject,
	// whether the cluster and the database can hold it is TestCapacity's (and the check fails a whole stack on one
	// number, which would hide every rendering difference behind it).
	program := func(ctx *pulumi.Context) error {
		layer, ok := Layers[cfg.Target]
		if !ok {
			return fmt.Errorf("no cloud layer for %q", cfg.Target)
		}
		f, err := layer(ctx, cfg)
		if err != nil {
			return err
		}
		_, err = DeployServices(ctx, cfg, f)
		return err
	}
	var rec *mocktest.Recorder
	switch {
	case stack == "local":
		rec = mocktest.New()
		err = pulumi.RunErr(program, pulumi.WithMocks("digit", stack, rec))
	case cfg.Target == infraazure.Target:
		m := aztest.New()
		err = m.Run(program)
		rec = m.Recorder
	default:
		m := awstest.New()
		err = m.Run(program)
		rec = m.Recorder
	}
	if err != nil {
		t.Fatalf("stack %s: %v", stack, err)
	}
	r := &renderedStack{name: stack, cfg: cfg, deployments: map[string]mocktest.Resource{}, rec: rec}
	for _, d := range rec.ByType("kubernetes:apps/v1:Deployment") {
		name := d.MetadataName()
		if _, dup := r.deployments[name]; dup {
			t.Fatalf("stack %s: two Deployments named %s", stack, name)
		}
		r.deployments[name] = d
	}
	renderedStacks[stack] = r
	return r
}

func (r *renderedStack) cat() *catalogue.Resolved { return r.cfg.Services.Catalogue }

// envSource is one container env entry's source, comparable with ==.
type envSource struct {
	Kind string // value, configMap, secret, fieldRef ("" when the entry has none this test reads)
	A    string // the literal; the ConfigMap or Secret name; the field path
	B    string // the key
}

func (s envSource) String() string {
	switch s.Kind {
	case "value":
		return fmt.Sprintf("value %q", s.A)
	case "configMap":
		return fmt.Sprintf("configMapKeyRef %s/%s", s.A, s.B)
	case "secret":
		return fmt.Sprintf("secretKeyRef %s/%s", s.A, s.B)
	case "fieldRef":
		return "fieldRef " + s.A
	case "":
		return "(absent)"
	}
	return s.Kind + " " + s.A + " " + s.B
}

// namedSource is an env entry in container order.
type namedSource struct {
	Name string
	Src  envSource
}

// containerEnvOf reads a rendered container's env (a []any of env objects, as mocktest.Get returns it).
func containerEnvOf(v any) []namedSource {
	list, _ := v.([]any)
	var out []namedSource
	for _, item := range list {
		m, _ := item.(map[string]any)
		name, _ := m["name"].(string)
		e := namedSource{Name: name}
		if vf, ok := m["valueFrom"].(map[string]any); ok {
			ref := func(k string) (map[string]any, bool) { x, ok := vf[k].(map[string]any); return x, ok }
			str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
			if x, ok := ref("configMapKeyRef"); ok {
				e.Src = envSource{"configMap", str(x, "name"), str(x, "key")}
			} else if x, ok := ref("secretKeyRef"); ok {
				e.Src = envSource{"secret", str(x, "name"), str(x, "key")}
			} else if x, ok := ref("fieldRef"); ok {
				e.Src = envSource{Kind: "fieldRef", A: str(x, "fieldPath")}
			}
		} else {
			s, _ := m["value"].(string)
			e.Src = envSource{Kind: "value", A: s}
		}
		out = append(out, e)
	}
	return out
}

// lastByName keeps the last occurrence of each name, as Kubernetes does.
func lastByName(env []namedSource) map[string]envSource {
	out := map[string]envSource{}
	for _, e := range env {
		out[e.Name] = e.Src
	}
	return out
}

// namesAt lists the `name` fields of the array at path.
func namesAt(r mocktest.Resource, path string) []string {
	list, _ := r.Get(path).([]any)
	var out []string
	for _, item := range list {
		m, _ := item.(map[string]any)
		n, _ := m["name"].(string)
		out = append(out, n)
	}
	return out
}

// readTestdataYAML decodes ../testdata/<file> (relative to this package, so it works in any clone).
func readTestdataYAML(t *testing.T, file string, into any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(), "testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, into); err != nil {
		t.Fatalf("testdata/%s: %v", file, err)
	}
}

// report prints to the test log and to stdout, so that the summary shows in `go test` output without -v.
func report(t *testing.T, format string, args ...any) {
	t.Helper()
	s := fmt.Sprintf(format, args...)
	t.Log(s)
	fmt.Println(s)
}
