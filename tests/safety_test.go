package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	k8smeta "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/digit-iac/digit/runner"
	"github.com/digit-iac/digit/stacks/config"
)

// safetyProject is a project dir with one stack file.
func safetyProject(t *testing.T, stack string) string {
	t.Helper()
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "Pulumi.yaml"), []byte("name: digit\nruntime: go\n"))
	mustWrite(t, filepath.Join(dir, "Pulumi."+stack+".yaml"), []byte("config:\n  digit:greeting: hello\n"))
	return dir
}

// Two runners on one stack (two people, two CI jobs): the second is refused at once, naming the first, whatever it
// was asked to do; the first completes; afterwards the stack is free again.
func TestSecondRunnerOnAStackIsRefusedNamingTheHolder(t *testing.T) {
	requireTools(t)
	ctx := context.Background()
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	var progress bytes.Buffer
	opts := runner.Options{
		Stack: "busy", ProjectDir: safetyProject(t, "busy"), StateDir: t.TempDir(), Passphrase: testPassphrase,
		Program: func(ctx *pulumi.Context) error {
			once.Do(func() { close(started) })
			<-release
			ctx.Export("greeting", pulumi.String(cfgValue(ctx, "digit:greeting")))
			return nil
		},
		Out: &progress,
	}
	done := make(chan error, 1)
	go func() {
		_, err := runner.Up(ctx, opts)
		done <- err
	}()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("expected the first up to be running its program; it ended: %v\n%s", err, progress.String())
	case <-time.After(3 * time.Minute):
		t.Fatalf("the first up never ran its program\n%s", progress.String())
	}

	want := fmt.Sprintf("stack busy is in use: up by pid %d", os.Getpid())
	second := opts
	second.Out = &bytes.Buffer{}
	second.Config = map[string]string{"digit:greeting": "from the second runner"}
	for name, op := range map[string]func(context.Context, runner.Options) (*runner.Result, error){
		"up": runner.Up, "preview": runner.Preview, "destroy": runner.Destroy, "refresh": runner.Refresh,
	} {
		// The first up holds the stack until release is closed below, so a runner that waited for the stack
		// instead of refusing would never get here: the refusal is checked without timing it.
		_, err := op(ctx, second)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("expected a second runner's %s to be refused with %q; got %v", name, want, err)
		}
	}

	close(release)
	if err := <-done; err != nil {
		t.Fatalf("expected the first up to complete despite the second runner: %v\n%s", err, progress.String())
	}
	res, err := runner.Up(ctx, opts)
	if err != nil {
		t.Fatalf("expected the stack to be free after the first up: %v", err)
	}
	if got := res.Outputs["greeting"].Value; got != "hello" {
		t.Errorf("expected the first runner's config (greeting=hello) to be what was deployed; got %v", got)
	}
}

// A pending create of a cloud resource is not dropped: the resource may exist. The up refuses, names it and gives
// the commands for both cases; the record stays in the state.
func TestPendingCloudCreateIsReportedNotDropped(t *testing.T) {
	requireTools(t)
	ctx := context.Background()
	opts := runner.Options{
		Stack: "cloud", ProjectDir: safetyProject(t, "cloud"), StateDir: t.TempDir(), Passphrase: testPassphrase,
		Program: func(ctx *pulumi.Context) error { return nil },
		Out:     &bytes.Buffer{},
	}
	if _, err := runner.Up(ctx, opts); err != nil {
		t.Fatalf("expected the first up to succeed: %v", err)
	}
	const urn = "urn:pulumi:cloud::digit::aws:s3/bucketV2:BucketV2::filestore"
	checkpoint := filepath.Join(opts.StateDir, "backend", ".pulumi", "stacks", "digit", "cloud.json")
	addPending(t, checkpoint, urn, "aws:s3/bucketV2:BucketV2", true, "urn:pulumi:cloud::digit::pulumi:pulumi:Stack::digit-cloud")

	_, err := runner.Up(ctx, opts)
	if err == nil {
		t.Fatal("expected up to refuse with a pending create of a cloud resource in the state")
	}
	for _, want := range []string{"was creating 1 cloud resource", "filestore (aws:s3/bucketV2:BucketV2)",
		"--import-pending-creates '" + urn + "' <its cloud ID>", "--clear-pending-creates", "Nothing was changed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("expected the refusal to say %q; it reads:\n%v", want, err)
		}
	}
	dep, err := runner.ExportState(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, pending, _ := parseState(dep); pending != 1 {
		t.Errorf("expected the pending create kept in the state; found %d pending operations", pending)
	}
}

// addPending adds a pending create to a file backend checkpoint.
func addPending(t *testing.T, checkpoint, urn, typ string, custom bool, parent string) {
	t.Helper()
	b, err := os.ReadFile(checkpoint)
	if err != nil {
		t.Fatalf("reading the checkpoint: %v", err)
	}
	var cp map[string]any
	if err := json.Unmarshal(b, &cp); err != nil {
		t.Fatal(err)
	}
	inner, _ := cp["checkpoint"].(map[string]any)
	latest, _ := inner["latest"].(map[string]any)
	if latest == nil {
		t.Fatalf("unexpected checkpoint layout in %s", checkpoint)
	}
	latest["pending_operations"] = []any{map[string]any{
		"type":     "creating",
		"resource": map[string]any{"urn": urn, "custom": custom, "type": typ, "parent": parent},
	}}
	b, err = json.Marshal(cp)
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, checkpoint, b)
}

// cleanUpStack destroys a test's stack when the test ends (its objects live on the shared control plane), with
// the options as they are by then, and shows the engine's progress if the test failed.
func cleanUpStack(t *testing.T, opts *runner.Options, progress *bytes.Buffer) {
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("progress:\n%s", progress.String())
		}
		d := *opts
		d.PlanFile, d.Config = "", nil
		if _, err := runner.Destroy(context.Background(), d); err != nil {
			t.Errorf("destroying stack %s: %v", d.Stack, err)
		}
	})
}

// The replacement guard: an up whose plan would replace a PersistentVolume is refused before anything changes;
// with AllowDataLoss it goes through. (On the real engine, provider and apiserver.)
func TestUpRefusesToReplaceAPersistentVolumeUnlessAllowed(t *testing.T) {
	requireControlPlane(t)
	ctx := context.Background()
	var progress bytes.Buffer
	opts := runner.Options{
		Stack: "guard", ProjectDir: safetyProject(t, "guard"), StateDir: t.TempDir(), Passphrase: testPassphrase,
		Program: func(ctx *pulumi.Context) error {
			_, err := corev1.NewPersistentVolume(ctx, "data", &corev1.PersistentVolumeArgs{
				Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(cfgValue(ctx, "digit:pvName"))},
				Spec: &corev1.PersistentVolumeSpecArgs{
					Capacity:                      pulumi.StringMap{"storage": pulumi.String("1Gi")},
					AccessModes:                   pulumi.StringArray{pulumi.String("ReadWriteOnce")},
					PersistentVolumeReclaimPolicy: pulumi.String("Retain"),
					StorageClassName:              pulumi.String("e2e-guard"),
					HostPath:                      &corev1.HostPathVolumeSourceArgs{Path: pulumi.String("/tmp/e2e-guard")},
				},
			})
			return err
		},
		Out: &progress,
	}
	cleanUpStack(t, &opts, &progress)
	kube := newKube(t)
	exists := func(name string) bool {
		_, err := kube.CoreV1().PersistentVolumes().Get(ctx, name, k8smeta.GetOptions{})
		return err == nil
	}

	opts.Config = map[string]string{"digit:pvName": "e2e-guard-a"}
	if _, err := runner.Up(ctx, opts); err != nil {
		t.Fatalf("expected the first up to create the PV: %v", err)
	}
	// A new name is a replacement: the old volume (and what it holds) would be deleted.
	opts.Config = map[string]string{"digit:pvName": "e2e-guard-b"}
	_, err := runner.Up(ctx, opts)
	if err == nil || !strings.Contains(err.Error(), "would destroy data") ||
		!strings.Contains(err.Error(), "PersistentVolume urn:pulumi:guard::digit::kubernetes:core/v1:PersistentVolume::data") ||
		!strings.Contains(err.Error(), "--allow-data-loss") {
		t.Fatalf("expected the up to be refused, naming the PersistentVolume and --allow-data-loss; got %v", err)
	}
	if !exists("e2e-guard-a") || exists("e2e-guard-b") {
		t.Errorf("expected nothing changed by the refused up: PV a present (%v), b absent (%v)", exists("e2e-guard-a"), !exists("e2e-guard-b"))
	}

	opts.AllowDataLoss = true
	res, err := runner.Up(ctx, opts)
	if err != nil {
		t.Fatalf("expected the up with AllowDataLoss to replace the PV: %v", err)
	}
	if res.Summary["replace"] != 1 || !exists("e2e-guard-b") || exists("e2e-guard-a") {
		t.Errorf("expected the PV replaced (a gone, b present); summary %v", res.Summary)
	}
}

// An up given the plan a preview saved applies exactly that plan: if the program would now do anything else (here
// the config changed in between), it fails and changes nothing. `digit up` without --yes confirms that way.
func TestUpAppliesExactlyThePlanThePreviewShowed(t *testing.T) {
	requireControlPlane(t)
	ctx := context.Background()
	var progress bytes.Buffer
	opts := runner.Options{
		Stack: "plan", ProjectDir: safetyProject(t, "plan"), StateDir: t.TempDir(), Passphrase: testPassphrase,
		PlanFile: filepath.Join(t.TempDir(), "plan.json"),
		Program: func(ctx *pulumi.Context) error {
			_, err := corev1.NewConfigMap(ctx, "greeting", &corev1.ConfigMapArgs{
				Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("e2e-plan"), Namespace: pulumi.String("default")},
				Data:     pulumi.StringMap{"greeting": pulumi.String(cfgValue(ctx, "digit:greeting"))},
			})
			return err
		},
		Out: &progress,
	}
	cleanUpStack(t, &opts, &progress)
	if _, err := runner.Preview(ctx, opts); err != nil {
		t.Fatalf("expected the preview to save its plan: %v", err)
	}
	if _, err := os.Stat(opts.PlanFile); err != nil {
		t.Fatalf("expected a plan file: %v", err)
	}
	changed := opts
	changed.Config = map[string]string{"digit:greeting": "changed after the preview"}
	if _, err := runner.Up(ctx, changed); err == nil {
		t.Fatal("expected the up to fail: the program now differs from the plan shown")
	}
	kube := newKube(t)
	if _, err := kube.CoreV1().ConfigMaps("default").Get(ctx, "e2e-plan", k8smeta.GetOptions{}); err == nil {
		t.Error("expected nothing created by the up that violated its plan")
	}
	if _, err := runner.Up(ctx, opts); err != nil {
		t.Fatalf("expected the up of the unchanged program to apply the plan: %v", err)
	}
	cm, err := kube.CoreV1().ConfigMaps("default").Get(ctx, "e2e-plan", k8smeta.GetOptions{})
	if err != nil || cm.Data["greeting"] != "hello" {
		t.Errorf("expected ConfigMap e2e-plan with greeting=hello; got %v, %v", cm.Data, err)
	}
}

// `digit up -s dev` on a laptop must not start a second, empty dev in this machine's state dir: a stack with cloud
// resources is refused before the engine starts unless its backend is named; an explicit one is taken.
func TestCloudStackNeedsAnExplicitBackend(t *testing.T) {
	requireTools(t)
	ctx := context.Background()
	src, err := config.StackFileSource(filepath.Join(env.repo, "Pulumi.dev.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	opts := runner.Options{
		Stack: "dev", ProjectDir: env.repo, StateDir: t.TempDir(), Passphrase: testPassphrase,
		SecretConfig: map[string]string{"digit:secrets": generatedSecrets(t, src)}, Out: &progress,
	}
	_, err = runner.Preview(ctx, opts)
	if err == nil || !strings.Contains(err.Error(), "stack dev holds cloud resources") || !strings.Contains(err.Error(), "--backend") {
		t.Fatalf("expected the aws stack refused without a backend, naming --backend; got %v", err)
	}
	if strings.Contains(progress.String(), "Previewing") {
		t.Errorf("expected the engine not to start; progress:\n%s", progress.String())
	}
	if files, _ := filepath.Glob(filepath.Join(opts.StateDir, "backend", ".pulumi", "stacks", "*", "*")); len(files) != 0 {
		t.Errorf("expected the refused run to create no stack in the default backend; found %v", files)
	}

	// A named backend is where the stack lives (here a file backend elsewhere, which the engine creates the
	// stack in); the refusal is gone.
	backend := t.TempDir()
	opts.Backend = "file://" + backend
	opts.Program = func(ctx *pulumi.Context) error { return nil } // the stack's own program would need AWS
	opts.NeedsSharedState = func(map[string]string) bool { return true }
	if _, err := runner.Up(ctx, opts); err != nil {
		t.Fatalf("expected the up with an explicit backend to run: %v\n%s", err, progress.String())
	}
	if files, _ := filepath.Glob(filepath.Join(backend, ".pulumi", "stacks", "digit", "dev.json*")); len(files) == 0 {
		t.Errorf("expected the stack's state in the named backend %s", backend)
	}
	if files, _ := filepath.Glob(filepath.Join(opts.StateDir, "backend", ".pulumi", "stacks", "digit", "dev.json*")); len(files) != 0 {
		t.Errorf("expected no state in the default backend; found %v", files)
	}
}

// A misspelt config key given to a run, through the runner or the command line, is refused before the engine
// starts, naming the key and the one meant; nothing is deployed.
func TestConfigTypoIsRefusedBeforeTheEngineStarts(t *testing.T) {
	requireTools(t)
	ctx := context.Background()
	state := t.TempDir()
	var progress bytes.Buffer
	opts := runner.Options{
		Stack: stackName, ProjectDir: env.repo, StateDir: state, Passphrase: testPassphrase,
		Config:       map[string]string{"digit:storageClas": "fast", "digit:database": `{"host":"127.0.0.1","port":5432}`},
		SecretConfig: map[string]string{"digit:dbPassword": "not-used"}, Out: &progress,
	}
	want := []string{"digit:storageClas: unknown key", "did you mean digit:storageClass?"}
	_, err := runner.Up(ctx, opts)
	for _, w := range want {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("runner.Up: expected the error to say %q; got %v", w, err)
		}
	}
	if strings.Contains(progress.String(), "Updating") || strings.Contains(progress.String(), "+ ") {
		t.Errorf("expected the engine not to start; progress:\n%s", progress.String())
	}
	if res, err := runner.ExportState(ctx, opts); err == nil {
		if resources, _, _ := parseState(res); len(resources) != 0 {
			t.Errorf("expected nothing deployed; the state holds %d resources", len(resources))
		}
	}

	cmd := exec.Command(digitBinary(t), "up", "-s", stackName, "--dir", env.repo, "--state", state, "--yes",
		"--config", "storageClas=fast", "--config", `digit:database={"host":"127.0.0.1","port":5432}`,
		"--secret", "dbPassword=DIGIT_TYPO_PW")
	cmd.Env = append(os.Environ(), runner.PassphraseEnv+"="+testPassphrase, "DIGIT_TYPO_PW=not-used")
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); err == nil || code != 1 {
		t.Errorf("digit up with a misspelt key: expected exit 1; got %d (%v)", code, err)
	}
	for _, w := range want {
		if !strings.Contains(string(out), w) {
			t.Errorf("digit up: expected the output to say %q; it reads:\n%s", w, out)
		}
	}
}
