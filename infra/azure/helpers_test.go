package azure_test

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/components/azure/aztest"
	"github.com/digit-iac/digit/stacks"
	"github.com/digit-iac/digit/stacks/config"
)

const testPassword = "Digit-Test-Passw0rd"

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// source is Pulumi.azure-prod.yaml with the secrets a user sets (dbPassword, the enc-service keys) and extra
// values over it ("" deletes a key).
func source(t *testing.T, extra map[string]string) config.MapSource {
	t.Helper()
	src, err := config.StackFileSource(filepath.Join(repoRoot(), "Pulumi.azure-prod.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	src.Values["digit:dbPassword"] = testPassword
	src.Values["digit:secrets"] = `{"egov-enc-service": {"master.password": "enc-pass-1", "master.salt": "salt-1", "master.initialvector": "iv-1"}, "redis": {"password": "redis-pass-0123456789"}}`
	src.Secrets = append(src.Secrets, "digit:dbPassword", "digit:secrets")
	for k, v := range extra {
		if v == "" {
			delete(src.Values, k)
		} else {
			src.Values[k] = v
		}
	}
	return src
}

func load(t *testing.T, extra map[string]string) (*config.Config, error) {
	t.Helper()
	return config.Load(source(t, extra), "digit", "azure-prod")
}

func mustLoad(t *testing.T, extra map[string]string) *config.Config {
	t.Helper()
	cfg, err := load(t, extra)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

type run struct {
	m       *aztest.Mocks
	outputs pulumi.Map
}

// deploy registers both layers of the config under the Azure mocks.
func deploy(t *testing.T, cfg *config.Config) run {
	t.Helper()
	m := aztest.New()
	var outs pulumi.Map
	if err := m.Run(func(ctx *pulumi.Context) error {
		var err error
		outs, err = stacks.Register(ctx, cfg)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return run{m: m, outputs: outs}
}

func only(t *testing.T, m *aztest.Mocks, token string) aztest.Resource {
	t.Helper()
	rs := m.ByType(token)
	if len(rs) != 1 {
		t.Fatalf("%d %s registered, want 1", len(rs), token)
	}
	return rs[0]
}

func errLines(err error) string {
	if err == nil {
		return "<no error>"
	}
	return strings.ReplaceAll(err.Error(), "\n", " | ")
}
