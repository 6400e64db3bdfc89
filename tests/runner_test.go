package tests

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/runner"
)

// TestRunnerReportsChanges drives the runner's operations on a program of component resources (no provider, no
// cluster): what Preview says will change is what Up changes, and a second Preview is empty.
func TestRunnerReportsChanges(t *testing.T) {
	requireTools(t)
	ctx := context.Background()
	project := t.TempDir()
	mustWrite(t, filepath.Join(project, "Pulumi.yaml"), []byte("name: digit\nruntime: go\n"))
	mustWrite(t, filepath.Join(project, "Pulumi.ops.yaml"), []byte("config:\n  digit:things: a,b\n"))
	var progress bytes.Buffer
	state := t.TempDir()
	opts := func(things string) runner.Options {
		return runner.Options{
			Stack: "ops", ProjectDir: project, StateDir: state, Passphrase: testPassphrase,
			Config: map[string]string{"digit:things": things},
			Program: func(ctx *pulumi.Context) error {
				v, _ := ctx.GetConfig("digit:things")
				for _, name := range strings.Split(v, ",") {
					var c struct{ pulumi.ResourceState }
					if err := ctx.RegisterComponentResource("digit:test:Thing", name, &c); err != nil {
						return err
					}
				}
				return nil
			},
			Out: &progress,
		}
	}
	urn := func(name string) string { return "urn:pulumi:ops::digit::digit:test:Thing::" + name }
	defer func() {
		if t.Failed() {
			t.Logf("progress:\n%s", progress.String())
		}
	}()

	if _, err := runner.Up(ctx, opts("a,b")); err != nil {
		t.Fatalf("expected the first up to succeed: %v", err)
	}
	pre, err := runner.Preview(ctx, opts("a,c"))
	if err != nil {
		t.Fatalf("expected the preview to succeed: %v", err)
	}
	want := []runner.Change{
		{URN: urn("b"), Type: "digit:test:Thing", Op: "delete", Component: true},
		{URN: urn("c"), Type: "digit:test:Thing", Op: "create", Component: true},
	}
	if !equalChanges(pre.Changes, want) || pre.Changed() != 2 {
		t.Errorf("expected the preview to create c and delete b (2 changes); it reports %d: %v", pre.Changed(), pre.Changes)
	}
	if rc := pre.ResourceChanges(); len(rc) != 0 {
		t.Errorf("expected no custom-resource changes in a program of components; got %v", rc)
	}
	up, err := runner.Up(ctx, opts("a,c"))
	if err != nil {
		t.Fatalf("expected up to succeed: %v", err)
	}
	if !equalChanges(up.Changes, want) || up.Summary["create"] != 1 || up.Summary["delete"] != 1 {
		t.Errorf("expected up to do what the preview said; it did %v (summary %v)", up.Changes, up.Summary)
	}
	again, err := runner.Preview(ctx, opts("a,c"))
	if err != nil {
		t.Fatal(err)
	}
	if again.Changed() != 0 || len(again.Changes) != 0 {
		t.Errorf("expected no changes after up; the preview reports %v", again.Changes)
	}
	if _, err := runner.Refresh(ctx, opts("a,c")); err != nil {
		t.Errorf("expected refresh to succeed: %v", err)
	}
	d, err := runner.Destroy(ctx, opts("a,c"))
	if err != nil {
		t.Fatalf("expected destroy to succeed: %v", err)
	}
	if d.Summary["delete"] != 3 { // a, c and the stack itself
		t.Errorf("expected destroy to delete a, c and the stack; summary %v, changes %v", d.Summary, d.Changes)
	}

	// A config key that the check rejects stops the run before the engine starts.
	bad := opts("a")
	bad.CheckConfig = func(project, stack string, values map[string]runner.ConfigValue) (runner.StackSettings, error) {
		if values["digit:things"].Value == "a" {
			return runner.StackSettings{}, errString("digit:things: rejected by the check")
		}
		return runner.StackSettings{}, nil
	}
	progress.Reset()
	if _, err := runner.Up(ctx, bad); err == nil || !strings.Contains(err.Error(), "rejected by the check") {
		t.Errorf("expected Options.CheckConfig's error; got %v", err)
	}
	if strings.Contains(progress.String(), "Updating") {
		t.Errorf("expected the engine not to start after a failed config check; progress:\n%s", progress.String())
	}
	// Operations that work from the state do not run the program and do not need its config.
	if _, err := runner.Outputs(ctx, bad); err != nil {
		t.Errorf("expected outputs to work whatever the config: %v", err)
	}
}

func equalChanges(got, want []runner.Change) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

type errString string

func (e errString) Error() string { return string(e) }
