package tests

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/digit-iac/digit/stacks"
	"github.com/digit-iac/digit/stacks/config"
)

// TestLocalSettingsLoadAndFit checks Pulumi.local.yaml without any tool: with the values the runner adds at run
// time (the database as localcp.sh starts it, and the credentials `make up` generates) it passes the program's
// config loader, and the catalogue fits on the nodes it describes and in the local Postgres' connections (the
// program's capacity check would otherwise refuse the deploy).
func TestLocalSettingsLoadAndFit(t *testing.T) {
	src, err := config.StackFileSource(filepath.Join("..", "Pulumi.local.yaml"),
		map[string]string{"digit:dbPassword": "0123456789abcdef"})
	if err != nil {
		t.Fatal(err)
	}
	src.Values["digit:database"] = `{"host":"127.0.0.1","port":5432,"name":"egov","user":"egov","maxConnections":1000}`
	if _, err := config.Load(src, "digit", "local"); err == nil || !strings.Contains(err.Error(), "digit:secrets: egov-enc-service key master.password is required") {
		t.Fatalf("expected Pulumi.local.yaml without digit:secrets to ask for the enc-service master key; got %v", err)
	}
	src = withSecrets(t, src)
	cfg, err := config.Load(src, "digit", "local")
	if err != nil {
		t.Fatalf("expected Pulumi.local.yaml to load: %v", err)
	}
	if cfg.Target != config.TargetExisting || cfg.Existing.StorageClass != "local-fake" {
		t.Errorf("expected target existing on StorageClass local-fake; got %s on %s", cfg.Target, cfg.Existing.StorageClass)
	}
	if err := stacks.CheckCapacity(cfg); err != nil {
		t.Errorf("expected the catalogue to fit on the local nodes: %v", err)
	}
}
