package tests

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/runner"
)

// A wrong passphrase and a corrupted state file each stop a run with an error that says which, and change nothing:
// the state file is left as it was.
func TestWrongPassphraseAndCorruptStateAreNamed(t *testing.T) {
	requireTools(t)
	t.Parallel()
	ctx := context.Background()
	var progress bytes.Buffer
	opts := runner.Options{
		Stack: "guarded", ProjectDir: safetyProject(t, "guarded"), StateDir: t.TempDir(), Passphrase: testPassphrase,
		SecretConfig: map[string]string{"digit:token": "s3cret-value"},
		Program: func(ctx *pulumi.Context) error {
			ctx.Export("greeting", pulumi.String(cfgValue(ctx, "digit:greeting")))
			return nil
		},
		Out: &progress,
	}
	if _, err := runner.Up(ctx, opts); err != nil {
		t.Fatalf("first up: %v\n%s", err, progress.String())
	}
	states, _ := filepath.Glob(filepath.Join(opts.StateDir, "backend", ".pulumi", "stacks", "*", "guarded.json"))
	if len(states) != 1 {
		t.Fatalf("state files %v, want one", states)
	}
	before, err := os.ReadFile(states[0])
	if err != nil {
		t.Fatal(err)
	}

	// The error's advice names the backup the file backend keeps.
	if _, err := os.Stat(states[0] + ".bak"); err != nil {
		t.Errorf("no %s.bak beside the state: %v", filepath.Base(states[0]), err)
	}
	unchanged := func(what string, want []byte) {
		t.Helper()
		if got, err := os.ReadFile(states[0]); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: the state file changed (%v)", what, err)
		}
	}

	wrong := opts
	wrong.Passphrase = "not-the-passphrase"
	for name, op := range map[string]func(context.Context, runner.Options) (*runner.Result, error){
		"up": runner.Up, "preview": runner.Preview,
	} {
		_, err := op(ctx, wrong)
		if err == nil || !strings.Contains(err.Error(), "stack guarded: the passphrase does not decrypt this stack's secrets") ||
			!strings.Contains(err.Error(), runner.PassphraseEnv) {
			t.Errorf("%s with a wrong passphrase: %v", name, err)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret-value") {
			t.Errorf("%s: the error shows the secret: %v", name, err)
		}
	}
	unchanged("a wrong passphrase", before)

	corrupt := []byte(`{"version": 3, "checkpoint": {"latest": {"resources": [{"urn": `)
	if err := os.WriteFile(states[0], corrupt, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = runner.Up(ctx, opts)
	if err == nil || !strings.Contains(err.Error(), "stack guarded: its state file is corrupt") ||
		!strings.Contains(err.Error(), ".json.bak") {
		t.Errorf("up on a corrupt state: %v", err)
	}
	unchanged("a corrupt state", corrupt)
}
