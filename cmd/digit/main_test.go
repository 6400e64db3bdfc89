package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digit-iac/digit/runner"
)

func projectDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"Pulumi.yaml", "Pulumi.local.yaml"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("name: digit\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func TestParseRejectsBadFlagsNamingThem(t *testing.T) {
	dir := projectDir(t)
	file := filepath.Join(dir, "Pulumi.yaml")
	cases := []struct {
		args []string
		want string
	}{
		{nil, "missing command"},
		{[]string{"deploy", "-s", "local"}, `unknown command "deploy"`},
		{[]string{"up", "--dir", dir}, "-s/--stack is required"},
		{[]string{"up", "-s", "local", "--dir", dir, "--config", "noequals"}, `--config "noequals": want key=value`},
		{[]string{"up", "-s", "local", "--dir", dir, "--config", "=x"}, `--config "=x": want key=value`},
		{[]string{"up", "-s", "local", "--dir", dir, "--secret", "dbPassword"}, `--secret "dbPassword": want key=ENV_VAR`},
		{[]string{"up", "-s", "local", "--dir", dir, "--secret", "dbPassword=UNSET_VAR"}, "environment variable UNSET_VAR is empty or not set"},
		{[]string{"up", "-s", "local", "--dir", dir, "--secret", "dbPassword=EMPTY_VAR"}, "environment variable EMPTY_VAR is empty or not set"},
		{[]string{"up", "-s", "local", "--dir", dir, "--config", "a=1", "--secret", "digit:a=SET_VAR"}, "digit:a is already set by --config"},
		{[]string{"up", "-s", "local", "--dir", dir, "--config", "a:b:c=1"}, "--config a:b:c: not a config key"},
		{[]string{"up", "-s", "local", "--dir", dir, "--frobnicate"}, "unknown flag --frobnicate"},
		{[]string{"up", "-s", "local", "--dir", dir, "stray"}, `unexpected argument "stray"`},
		{[]string{"up", "-s", "nope", "--dir", dir}, "-s nope: no Pulumi.nope.yaml"},
		{[]string{"up", "-s", "local", "--dir", t.TempDir()}, "no Pulumi.yaml there"},
		{[]string{"up", "-s", "local", "--dir", dir, "--state", file}, "--state " + file + ": not a directory"},
		{[]string{"outputs", "-s", "local", "--dir", dir, "--config", "a=1"}, "--config has no effect on outputs"},
		{[]string{"preview", "-s", "local", "--dir", dir, "--yes"}, "--yes has no effect on preview"},
		{[]string{"refresh", "-s", "local", "--dir", dir, "--refresh"}, "--refresh has no effect on refresh"},
		{[]string{"up", "-s", "local", "--dir", dir, "--parallel", "0"}, "--parallel 0: want 1 to 256"},
		{[]string{"up", "-s", "local", "--dir", dir, "--parallel", "257"}, "--parallel 257: want 1 to 256"},
		{[]string{"up", "-s", "local", "--dir", dir, "--parallel", "many"}, "invalid value \"many\" for flag -parallel"},
		{[]string{"up", "-s", "local", "--dir", dir, "--trace", ""}, "--trace: name the file to write"},
		{[]string{"up", "-s", "local", "--dir", dir, "--trace", dir}, "--trace " + dir + ": is a directory"},
		{[]string{"outputs", "-s", "local", "--dir", dir, "--parallel", "4"}, "--parallel has no effect on outputs"},
		{[]string{"up", "-s", "local", "--dir", dir, "--backend", "my-bucket"}, "--backend my-bucket: not a backend URL"},
		{[]string{"preview", "-s", "local", "--dir", dir, "--allow-data-loss"}, "--allow-data-loss has no effect on preview"},
	}
	vars := env(map[string]string{"SET_VAR": "v", "EMPTY_VAR": ""})
	for _, c := range cases {
		_, err := parse(c.args, vars)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("digit %s: expected an error containing %q; got %v", strings.Join(c.args, " "), c.want, err)
		}
	}
}

func TestParseBuildsRunnerOptions(t *testing.T) {
	dir := projectDir(t)
	inv, err := parse([]string{"up", "-s", "local", "--dir", dir, "--state", "/tmp/st", "--yes", "--refresh",
		"--config", `digit:database={"host":"h","port":5432}`, "--config", "storageClass=fast",
		"--secret", "dbPassword=PW", "--parallel", "12", "--trace", "/tmp/trace.tsv"},
		env(map[string]string{"PW": "s3cret-value", "DIGIT_BACKEND_URL": "s3://state?region=ap-south-1"}))
	if err != nil {
		t.Fatalf("expected valid flags to parse: %v", err)
	}
	o := inv.opts
	if inv.command != "up" || !inv.yes || !o.Refresh || o.Stack != "local" || o.ProjectDir != dir || o.StateDir != "/tmp/st" {
		t.Errorf("flags not carried over: %+v", inv)
	}
	if o.Config["digit:database"] != `{"host":"h","port":5432}` || o.Config["digit:storageClass"] != "fast" {
		t.Errorf("expected --config values keyed under digit:, with '=' inside values kept; got %v", o.Config)
	}
	if o.Backend != "s3://state?region=ap-south-1" {
		t.Errorf("expected the backend from DIGIT_BACKEND_URL; got %q", o.Backend)
	}
	if o.Parallel != 12 || inv.trace != "/tmp/trace.tsv" {
		t.Errorf("expected --parallel 12 and --trace /tmp/trace.tsv to reach the run; got %d, %q", o.Parallel, inv.trace)
	}
	if o.SecretConfig["digit:dbPassword"] != "s3cret-value" {
		t.Errorf("expected --secret to read the value from the named variable")
	}
}

func TestUpWithoutTerminalNeedsYes(t *testing.T) {
	dir := projectDir(t)
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"up", "-s", "local", "--dir", dir}, strings.NewReader(""), &out, &errOut, env(nil))
	if code != exitUsage || !strings.Contains(errOut.String(), "pass --yes") {
		t.Errorf("expected exit %d and a message asking for --yes; got exit %d, %q", exitUsage, code, errOut.String())
	}
}

func TestSecretOutputsAreMasked(t *testing.T) {
	var out bytes.Buffer
	printOutputs(&out, map[string]runner.Output{
		"kubeconfig": {Value: "apiVersion: v1 token: abc", Secret: true},
		"namespaces": {Value: []any{"egov", "backbone"}},
		"endpoint":   {Value: "https://x"},
	})
	got := out.String()
	if strings.Contains(got, "token: abc") || !strings.Contains(got, "kubeconfig: [secret]") {
		t.Errorf("expected the secret output shown as [secret]; got:\n%s", got)
	}
	if !strings.Contains(got, `namespaces: ["egov","backbone"]`) || !strings.Contains(got, "endpoint: https://x") {
		t.Errorf("expected plain outputs printed (JSON for structures); got:\n%s", got)
	}
}
