package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/runner"
)

// TestRunnerRecoversFromInterruptedUpdate leaves a stack the way a killed update does — the lock file of a process
// that is gone and a pending create in the state — and checks that runner.Up clears both, says so, and succeeds.
// It needs the pulumi CLI only (the program registers no cloud resources), so it runs in seconds.
func TestRunnerRecoversFromInterruptedUpdate(t *testing.T) {
	requireTools(t)
	ctx := context.Background()
	project := t.TempDir()
	mustWrite(t, filepath.Join(project, "Pulumi.yaml"), []byte("name: digit\nruntime: go\n"))
	mustWrite(t, filepath.Join(project, "Pulumi.rec.yaml"), []byte("config:\n  digit:greeting: hello\n"))
	var progress bytes.Buffer
	opts := runner.Options{
		Stack: "rec", ProjectDir: project, StateDir: t.TempDir(), Passphrase: testPassphrase,
		SecretConfig: map[string]string{"digit:token": "tok-" + t.Name()},
		Program: func(ctx *pulumi.Context) error {
			ctx.Export("greeting", pulumi.String(cfgValue(ctx, "digit:greeting")))
			ctx.Export("token", pulumi.ToSecret(pulumi.String(cfgValue(ctx, "digit:token"))))
			return nil
		},
		Out: &progress,
	}

	first, err := runner.Up(ctx, opts)
	if err != nil {
		t.Fatalf("expected the first up to succeed: %v\n%s", err, progress.String())
	}
	if got := first.Outputs["greeting"]; got.Value != "hello" || got.Secret {
		t.Errorf("expected output greeting=hello from Pulumi.rec.yaml; got %+v", got)
	}
	if got := first.Outputs["token"]; !got.Secret {
		t.Errorf("expected output token marked secret (it comes from Options.SecretConfig); got %+v", got.Secret)
	}
	if len(first.Recovered) != 0 {
		t.Errorf("expected nothing to recover on a fresh stack; got %v", first.Recovered)
	}
	work, err := os.ReadFile(filepath.Join(opts.StateDir, "work", "rec", "Pulumi.rec.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(work, []byte("tok-")) || !bytes.Contains(work, []byte("secure:")) {
		t.Errorf("expected the secret config encrypted in the workspace copy; it reads:\n%s", work)
	}
	if b, _ := os.ReadFile(filepath.Join(project, "Pulumi.rec.yaml")); !bytes.Equal(b, []byte("config:\n  digit:greeting: hello\n")) {
		t.Errorf("expected the project's settings file untouched; it now reads:\n%s", b)
	}

	// A pending create, as the engine records it in the checkpoint when it starts creating a resource. (Written into
	// the file backend directly: `pulumi stack import` drops pending operations.)
	const pendingURN = "urn:pulumi:rec::digit::digit:test:Half::half-created"
	addPendingCreate(t, filepath.Join(opts.StateDir, "backend", ".pulumi", "stacks", "digit", "rec.json"), pendingURN)

	// The lock of a pulumi process that is gone (a pid that has just exited).
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	lockDir := filepath.Join(opts.StateDir, "backend", ".pulumi", "locks", "organization", "digit", "rec")
	if err := os.MkdirAll(lockDir, 0o700); err != nil {
		t.Fatal(err)
	}
	lock, _ := json.Marshal(map[string]any{"pid": dead.Process.Pid, "username": "root", "hostname": host,
		"timestamp": time.Now().Add(-time.Minute)})
	mustWrite(t, filepath.Join(lockDir, "0123456789abcdef.json"), lock)

	progress.Reset()
	defer func() {
		if t.Failed() {
			t.Logf("progress of the recovering up:\n%s", progress.String())
		}
	}()
	res, err := runner.Up(ctx, opts)
	if err != nil {
		t.Fatalf("expected up to recover from the interrupted update and succeed: %v\n%s", err, progress.String())
	}
	report := strings.Join(res.Recovered, "\n")
	for _, want := range []string{"was interrupted", "removed the stale lock", "pending create", pendingURN, "state recovered"} {
		if !strings.Contains(report, want) {
			t.Errorf("expected the recovery report to mention %q; it reads:\n%s", want, report)
		}
		if !strings.Contains(progress.String(), want) {
			t.Errorf("expected the progress output to mention %q", want)
		}
	}
	if files, _ := filepath.Glob(filepath.Join(lockDir, "*.json")); len(files) != 0 {
		t.Errorf("expected no lock file after up; found %v", files)
	}
	dep, err := runner.ExportState(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, pending, _ := parseState(dep); pending != 0 {
		t.Errorf("expected no pending operation after the recovered up; found %d", pending)
	}
	if bytes.Contains(dep, []byte("tok-"+t.Name())) {
		t.Errorf("expected the exported state to hold the secret output encrypted; it holds it in plaintext")
	}

	// A lock held by a live pulumi process is not touched: up refuses, naming the pid. (A copy of sleep named
	// pulumi: the runner recognises the holder by its command name.)
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatal(err)
	}
	fake := filepath.Join(t.TempDir(), "pulumi")
	b, err := os.ReadFile(sleep)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fake, b, 0o755); err != nil {
		t.Fatal(err)
	}
	live := exec.Command(fake, "60")
	if err := live.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = live.Process.Kill(); _ = live.Wait() }()
	lock, _ = json.Marshal(map[string]any{"pid": live.Process.Pid, "username": "root", "hostname": host,
		"timestamp": time.Now()})
	mustWrite(t, filepath.Join(lockDir, "fedcba9876543210.json"), lock)
	_, err = runner.Up(ctx, opts)
	if err == nil || !strings.Contains(err.Error(), "is being updated right now") {
		t.Errorf("expected up to refuse while a live process holds the lock; got %v", err)
	}
	if files, _ := filepath.Glob(filepath.Join(lockDir, "*.json")); len(files) != 1 {
		t.Errorf("expected the live lock left in place; found %v", files)
	}
}

func cfgValue(ctx *pulumi.Context, key string) string {
	v, _ := ctx.GetConfig(key)
	return v
}

// addPendingCreate adds a pending create of a component resource to a file backend checkpoint.
func addPendingCreate(t *testing.T, checkpoint, urn string) {
	t.Helper()
	addPending(t, checkpoint, urn, "digit:test:Half", false, "urn:pulumi:rec::digit::pulumi:pulumi:Stack::digit-rec")
}
