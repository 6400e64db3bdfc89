package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// project makes a project dir with Pulumi.yaml and the given stacks' settings files.
func project(t *testing.T, stacks ...string) string {
	t.Helper()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "Pulumi.yaml"), "name: digit\nruntime: go\n")
	for _, s := range stacks {
		write(t, filepath.Join(dir, "Pulumi."+s+".yaml"), "config:\n  digit:target: existing\n")
	}
	return dir
}

// fakePulumiRoot makes a directory holding bin/pulumi (never run by these tests).
func fakePulumiRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "bin", "pulumi"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return root
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestResolveReportsEveryBadOptionByName(t *testing.T) {
	t.Setenv(PassphraseEnv, "")
	t.Setenv(passphraseFileEnv, "")
	_, err := Options{
		Stack:        "local",
		ProjectDir:   project(t), // no Pulumi.local.yaml
		StateDir:     t.TempDir(),
		Config:       map[string]string{"digit:database": "{}", "bad key": "x"},
		SecretConfig: map[string]string{"database": "dup", "digit:dbPassword": ""},
		PulumiRoot:   t.TempDir(), // no pulumi in it
	}.resolve()
	if err == nil {
		t.Fatal("expected an error for bad options; got none")
	}
	for _, want := range []string{
		"no Pulumi.local.yaml",
		"PULUMI_CONFIG_PASSPHRASE is not set (nor Options.Passphrase)",
		`Options.Config: "bad key" is not a config key`,
		"Options.SecretConfig: digit:database is also in Options.Config",
		"Options.SecretConfig: digit:dbPassword has an empty value",
		"Options.PulumiRoot",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("expected the error to say %q; it says: %v", want, err)
		}
	}
}

func TestResolveRequiresStack(t *testing.T) {
	_, err := Options{ProjectDir: project(t), Passphrase: "p", PulumiRoot: fakePulumiRoot(t)}.resolve()
	if err == nil || !strings.Contains(err.Error(), "Options.Stack is required") {
		t.Fatalf("expected an error naming Options.Stack; got %v", err)
	}
}

func TestResolveAppliesDefaults(t *testing.T) {
	t.Setenv(PassphraseEnv, "from-env")
	t.Setenv("XDG_STATE_HOME", "/xdg")
	root := fakePulumiRoot(t)
	r, err := Options{
		Stack: "local", ProjectDir: project(t, "local"), PulumiRoot: filepath.Join(root, "bin"),
		Config: map[string]string{"storageClass": "x"},
	}.resolve()
	if err != nil {
		t.Fatalf("expected valid options to resolve: %v", err)
	}
	if r.Passphrase != "from-env" {
		t.Errorf("expected the passphrase from %s; got %q", PassphraseEnv, r.Passphrase)
	}
	if r.StateDir != "/xdg/digit-iac" {
		t.Errorf("expected the state dir under XDG_STATE_HOME; got %s", r.StateDir)
	}
	if r.pulumiRoot != root {
		t.Errorf("expected PulumiRoot given as the binary's bin dir to resolve to its parent %s; got %s", root, r.pulumiRoot)
	}
	if r.config["digit:storageClass"] != "x" {
		t.Errorf("expected a key without namespace to land in digit:; config is %v", r.config)
	}
	if r.Program == nil || r.CheckConfig == nil || r.Out == nil {
		t.Errorf("expected the default program, config check and output to be set")
	}
}

func TestCopySettingsKeepsTheMintedSalt(t *testing.T) {
	proj := project(t, "local")
	work := t.TempDir()
	write(t, filepath.Join(work, "Pulumi.local.yaml"), "config:\n  digit:old: 1\nencryptionsalt: v1:abc:def\n")

	if err := copySettings(proj, work, "local", "local", nil); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(work, "Pulumi.local.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	if !strings.Contains(got, "digit:target: existing") || strings.Contains(got, "digit:old") {
		t.Errorf("expected the checkout's settings to replace the copy's; got:\n%s", got)
	}
	if salt([]byte(got)) != "v1:abc:def" {
		t.Errorf("expected the previous copy's encryption salt to be kept; got:\n%s", got)
	}
	if _, err := os.Stat(filepath.Join(work, "Pulumi.yaml")); err != nil {
		t.Errorf("expected Pulumi.yaml copied into the workspace: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(proj, "Pulumi.local.yaml")); strings.Contains(string(b), "encryptionsalt") {
		t.Errorf("expected the checkout's settings file untouched; it now holds a salt")
	}
}

func TestConciseErrorKeepsTheEndOfStderr(t *testing.T) {
	long := "failed to run update: exit status 255\ncode: 255\nstdout: " + strings.Repeat("progress\n", 100) +
		"\nstderr: line1\nerror: the real cause\n"
	got := conciseError(errString(long))
	if got != "failed to run update: exit status 255: line1\nerror: the real cause" {
		t.Errorf("expected the first line and stderr only; got %q", got)
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func TestCopySettingsWritesRunConfigIntoTheCopy(t *testing.T) {
	proj := project(t, "local")
	write(t, filepath.Join(proj, "Pulumi.local.yaml"), "config:\n  digit:target: existing\n  greeting: yes\n  digit:old: 1\n")
	work := t.TempDir()
	big := strings.Repeat("x", 300<<10) // beyond one command-line argument (128 KiB)
	if err := copySettings(proj, work, "local", "local", map[string]string{"digit:greeting": "hi", "digit:catalogue": big}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(work, "Pulumi.local.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Config map[string]any `json:"config"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Config["digit:greeting"] != "hi" || doc.Config["greeting"] != nil {
		t.Errorf("expected digit:greeting replaced by the run's value, without a second unqualified key; got %v", doc.Config)
	}
	if doc.Config["digit:catalogue"] != big || doc.Config["digit:target"] != "existing" || doc.Config["digit:old"] != float64(1) {
		t.Errorf("expected the large value and the file's other keys kept; got keys %v", len(doc.Config))
	}
}

func TestNeedsSharedStateReadsTheTargetBeforeAnythingRuns(t *testing.T) {
	proj := project(t, "local")
	write(t, filepath.Join(proj, "Pulumi.prod.yaml"), "config:\n  digit:target: aws\n  region: ap-south-1\n")
	for _, c := range []struct {
		stack     string
		overrides map[string]string
		want      bool
	}{
		{"prod", nil, true},
		{"local", nil, false},
		{"local", map[string]string{"digit:target": "aws"}, true},
		{"prod", map[string]string{"digit:target": "existing"}, false},
	} {
		cfg, err := stackConfig(proj, c.stack, c.overrides)
		if err != nil {
			t.Fatal(err)
		}
		if got := defaultNeedsSharedState(cfg); got != c.want {
			t.Errorf("stack %s with %v: needs shared state %v; want %v (config %v)", c.stack, c.overrides, got, c.want, cfg)
		}
	}
	if cfg, _ := stackConfig(proj, "prod", nil); cfg["digit:region"] != "ap-south-1" {
		t.Errorf("expected an unqualified key under the project's namespace; got %v", cfg)
	}
}
