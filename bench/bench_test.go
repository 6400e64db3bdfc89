// Package bench measures what users wait for before the engine does any cloud work: loading and validating the
// stack config (with the catalogue and the capacity check) and registering both layers of the prod stack.
//
//	go test -run '^$' -bench . -benchtime 3x ./bench/...
package bench

import (
	"encoding/json"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/components/aws/awstest"
	"github.com/digit-iac/digit/stacks"
	"github.com/digit-iac/digit/stacks/config"
)

func prodSource(b *testing.B) config.MapSource {
	_, file, _, _ := runtime.Caller(0)
	src, err := config.StackFileSource(filepath.Join(filepath.Dir(file), "..", "Pulumi.prod.yaml"), nil)
	if err != nil {
		b.Fatal(err)
	}
	// The service credentials a prod stack is given with --secret, generated as `make up` does for local.
	secrets, err := config.GenerateStackSecrets(src, nil)
	if err != nil {
		b.Fatal(err)
	}
	j, err := json.Marshal(secrets)
	if err != nil {
		b.Fatal(err)
	}
	src.Values["digit:secrets"] = string(j)
	src.Secrets = append(src.Secrets, "digit:secrets")
	return src
}

func BenchmarkLoadProdConfig(b *testing.B) {
	src := prodSource(b)
	for b.Loop() {
		if _, err := config.Load(src, "digit", "prod"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRegisterProdStackUnderMocks(b *testing.B) {
	cfg, err := config.Load(prodSource(b), "digit", "prod")
	if err != nil {
		b.Fatal(err)
	}
	var resources int
	for b.Loop() {
		m := awstest.New()
		if err := m.Run(func(ctx *pulumi.Context) error {
			_, err := stacks.Register(ctx, cfg)
			return err
		}); err != nil {
			b.Fatal(err)
		}
		resources = len(m.All())
	}
	b.ReportMetric(float64(resources), "resources")
}
