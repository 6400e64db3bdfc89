package tests

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/digit-iac/digit/catalogue"
	"github.com/digit-iac/digit/internal/proctree"
	"github.com/digit-iac/digit/runner"
	"github.com/digit-iac/digit/stacks/config"
)

const (
	stackName      = "local"
	testPassphrase = "digit-e2e-test-passphrase"
	deploymentType = "kubernetes:apps/v1:Deployment"
	testTag        = "v9.9.9-test"
)

// suite is the state shared by the ordered steps of TestLocalStack.
type suite struct {
	ctx      context.Context
	stateDir string // the runner's and the CLI's state: one file backend
	logDir   string
	kube     *kubernetes.Clientset
	dbJSON   string              // digit:database for this control plane
	cat      *catalogue.Resolved // the local stack's catalogue, as the program resolves it
	catJSON  string              // digit:catalogue of Pulumi.local.yaml ("" when it sets none)
	// secretsJSON is digit:secrets: the local stack's service credentials, generated once per run as `make up`
	// does (hack/localsecrets).
	secretsJSON string
	logs        int
	timings     []string
}

// digit builds cmd/digit once for the steps that run it as a user does (and kill or interrupt it).
func (s *suite) digit(t *testing.T) string { return digitBinary(t) }

// TestLocalStack deploys the local stack through both front doors (the pulumi CLI with main.go, and the runner's
// inline program), then checks the cluster, a config change, drift, recovery from a killed update, that the
// database password never lands in plaintext, and destroy. The steps run in order and each builds on the one
// before; a failed deploy stops the rest (destroy still runs, to leave the cluster clean).
func TestLocalStack(t *testing.T) {
	requireControlPlane(t)
	// Beside TestQAStacksShareOneCluster (both wait on the engine and the control plane most of the time), after the
	// short tests, which run one by one first.
	t.Parallel()
	s := newSuite(t)
	deployed := false

	// A failed deploy (a, b) stops the rest; the later steps each start from a deployed stack, so a failed check
	// does not keep the others from reporting.
	steps := []struct {
		name     string
		fn       func(t *testing.T)
		critical bool
	}{
		{"a_cli_up", func(t *testing.T) { deployed = true; s.cliUp(t) }, true},
		{"b_runner_up_no_changes", s.runnerUpNoChanges, true},
		{"c_cluster_objects", s.clusterObjects, false},
		{"c2_digit_wiring", s.digitWiring, false},
		{"d_image_tag_override", s.imageTagOverride, false},
		{"e_drift", s.drift, false},
		{"f_interrupted_up", s.interruptedUp, false},
		{"f2_sigint_up", s.sigintUp, false},
		{"g_no_plaintext_password", s.noPlaintextPassword, false},
	}
	stopped := ""
	for _, st := range steps {
		if stopped != "" {
			t.Run(st.name, func(t *testing.T) { t.Skipf("step %s failed", stopped) })
			continue
		}
		if !s.timed(t, st.name, st.fn) && st.critical {
			stopped = st.name
		}
	}
	if deployed {
		s.timed(t, "h_destroy", s.destroy)
	}
	t.Logf("step times:\n  %s", strings.Join(s.timings, "\n  "))
	if t.Failed() {
		t.Logf("engine progress logs are kept in %s", s.logDir)
	} else if os.Getenv("DIGIT_E2E_LOGDIR") == "" {
		os.RemoveAll(s.logDir)
	}
}

func newSuite(t *testing.T) *suite {
	s := &suite{ctx: context.Background(), stateDir: t.TempDir(), kube: newKube(t)}
	s.logDir = os.Getenv("DIGIT_E2E_LOGDIR")
	if s.logDir == "" {
		d, err := os.MkdirTemp("", "digit-e2e-logs-")
		if err != nil {
			t.Fatal(err)
		}
		s.logDir = d
	}
	if err := os.MkdirAll(s.logDir, 0o700); err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(env.pg.Port)
	if err != nil {
		t.Fatalf("DIGIT_PG_PORT %q is not a port", env.pg.Port)
	}
	maxConn, err := strconv.Atoi(env.pg.MaxConnections)
	if err != nil {
		t.Fatalf("DIGIT_PG_MAX_CONNECTIONS %q is not a number", env.pg.MaxConnections)
	}
	db, _ := json.Marshal(map[string]any{"host": env.pg.Host, "port": port, "name": env.pg.DB, "user": env.pg.User,
		"maxConnections": maxConn})
	s.dbJSON = string(db)

	// The catalogue the program will deploy, resolved by the program's own loader from the same settings.
	src, err := config.StackFileSource(filepath.Join(env.repo, "Pulumi."+stackName+".yaml"),
		map[string]string{"digit:dbPassword": env.pg.Password})
	if err != nil {
		t.Fatalf("reading Pulumi.%s.yaml: %v", stackName, err)
	}
	src.Values["digit:database"] = s.dbJSON
	s.catJSON = src.Values["digit:catalogue"]
	src = withSecrets(t, src)
	s.secretsJSON = src.Values["digit:secrets"]
	cfg, err := config.Load(src, runner.ProjectName, stackName)
	if err != nil {
		t.Fatalf("Pulumi.%s.yaml does not load: %v", stackName, err)
	}
	s.cat = cfg.Services.Catalogue
	return s
}

// timed runs a step as a subtest and records how long it took.
func (s *suite) timed(t *testing.T, name string, fn func(t *testing.T)) bool {
	start := time.Now()
	ok := t.Run(name, fn)
	d := time.Since(start).Round(100 * time.Millisecond)
	status := "ok"
	if !ok {
		status = "FAILED"
	}
	s.timings = append(s.timings, fmt.Sprintf("%-28s %8s  %s", name, d, status))
	t.Logf("%s took %s", name, d)
	return ok
}

// log opens the next progress log file; its tail is shown when the step fails.
func (s *suite) log(t *testing.T, what string) io.Writer {
	s.logs++
	path := filepath.Join(s.logDir, fmt.Sprintf("%02d-%s.log", s.logs, what))
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		f.Close()
		if t.Failed() {
			b, _ := os.ReadFile(path)
			t.Logf("last lines of %s:\n%s", path, tail(string(b), 40))
		}
	})
	return f
}

// opts are the runner options of the local stack with this control plane's database; extra config is added on top.
func (s *suite) opts(t *testing.T, what string, extra map[string]string) runner.Options {
	cfg := map[string]string{"digit:database": s.dbJSON}
	for k, v := range extra {
		cfg[k] = v
	}
	return runner.Options{
		Stack: stackName, ProjectDir: env.repo, StateDir: s.stateDir, Passphrase: testPassphrase,
		Config: cfg, SecretConfig: map[string]string{"digit:dbPassword": env.pg.Password, "digit:secrets": s.secretsJSON},
		Out: s.log(t, what),
	}
}

// catalogueWith returns digit:catalogue for a run: the settings file's value with change merged into it (a config
// value replaces the whole key, so an override given alone would drop what the file sets).
func (s *suite) catalogueWith(t *testing.T, change map[string]any) map[string]string {
	t.Helper()
	base := map[string]any{}
	if s.catJSON != "" {
		if err := json.Unmarshal([]byte(s.catJSON), &base); err != nil {
			t.Fatalf("digit:catalogue of Pulumi.%s.yaml: %v", stackName, err)
		}
	}
	b, err := json.Marshal(merge(base, change))
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"digit:catalogue": string(b)}
}

// merge merges objects recursively; other values of b win.
func merge(a, b map[string]any) map[string]any {
	for k, bv := range b {
		am, aIsMap := a[k].(map[string]any)
		bm, bIsMap := bv.(map[string]any)
		if aIsMap && bIsMap {
			a[k] = merge(am, bm)
		} else {
			a[k] = bv
		}
	}
	return a
}

// pulumiEnv is the environment of the plain pulumi CLI on the runner's file backend.
func (s *suite) pulumiEnv() []string { return pulumiEnv(s.stateDir) }

// pulumiEnv is the environment of the plain pulumi CLI on the file backend of a runner's state dir.
func pulumiEnv(stateDir string) []string {
	e := os.Environ()
	for k, v := range runner.Env(stateDir) {
		e = append(e, k+"="+v)
	}
	return append(e, runner.PassphraseEnv+"="+testPassphrase)
}

func (s *suite) state(t *testing.T) []stateResource {
	t.Helper()
	dep, err := runner.ExportState(s.ctx, s.opts(t, "export", nil))
	if err != nil {
		t.Fatalf("exporting the state: %v", err)
	}
	res, _, err := parseState(dep)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// --- a: the CLI path -------------------------------------------------------------------------------------------

// cliUp runs main.go the way a user does, `pulumi up -s local`, through the Go language host, in a copy of the
// checkout: the language host builds the program where the project is, and it lists modules with
// `go list -mod=mod`, which may rewrite go.mod and go.sum; the checkout must not be touched. Config is set with
// `pulumi config set` in the copy.
func (s *suite) cliUp(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, env.repo, dir)
	before := checksums(t, dir, "go.mod", "go.sum")
	defer func() {
		if after := checksums(t, dir, "go.mod", "go.sum"); after != before {
			t.Logf("note: the Go language host rewrote go.mod/go.sum (in the copy); run `go mod tidy` in the checkout")
		}
	}()

	out := s.log(t, "cli")
	if err := runner.PrepareStateDir(s.stateDir); err != nil {
		t.Fatal(err)
	}
	pulumi := func(stdin string, args ...string) {
		t.Helper()
		cmd := exec.CommandContext(s.ctx, "pulumi", append(args, "--non-interactive")...)
		cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, s.pulumiEnv(), out, out
		if stdin != "" {
			cmd.Stdin = strings.NewReader(stdin)
		}
		fmt.Fprintf(out, "\n$ pulumi %s\n", strings.Join(args, " "))
		if err := cmd.Run(); err != nil {
			t.Fatalf("expected `pulumi %s` to succeed; it failed: %v", strings.Join(args, " "), err)
		}
	}
	pulumi("", "stack", "init", stackName, "--secrets-provider", "passphrase")
	pulumi("", "config", "set", "-s", stackName, "digit:database", s.dbJSON)
	// The password goes through stdin, never on a command line.
	pulumi(env.pg.Password, "config", "set", "-s", stackName, "--secret", "digit:dbPassword")
	pulumi(s.secretsJSON, "config", "set", "-s", stackName, "--secret", "digit:secrets")
	pulumi("", "preview", "-s", stackName)
	pulumi("", "up", "-s", stackName, "--yes", "--skip-preview")
}

func checksums(t *testing.T, dir string, files ...string) string {
	t.Helper()
	h := sha256.New()
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		h.Write(b)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// copyTree copies the checkout's files (without .git) from src into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, info.Mode().Perm())
	})
	if err != nil {
		t.Fatalf("copying the checkout: %v", err)
	}
}

// --- b: the runner's inline program is the same program ----------------------------------------------------------

func (s *suite) runnerUpNoChanges(t *testing.T) {
	res, err := runner.Up(s.ctx, s.opts(t, "runner-up", nil))
	if err != nil {
		t.Fatalf("expected runner.Up on the stack the CLI deployed to succeed: %v", err)
	}
	if n := res.Changed(); n != 0 {
		t.Fatalf("expected runner.Up after `pulumi up` to change nothing (same program, same config); it changed %d "+
			"resource(s): %s", n, describeChanges(res.Changes))
	}
}

func describeChanges(changes []runner.Change) string {
	var parts []string
	for _, c := range changes {
		parts = append(parts, c.Op+" "+c.URN)
	}
	return shortList(parts, 15)
}

// --- c: what landed on the apiserver ------------------------------------------------------------------------------

func (s *suite) clusterObjects(t *testing.T) {
	ctx, kube := s.ctx, s.kube
	for _, ns := range expectedNamespaces {
		if _, err := kube.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); err != nil {
			t.Errorf("expected namespace %s to exist: %v", ns, err)
		}
	}
	namespaces := projectNamespaces(ctx, t, kube)

	// egov-config: the database URL DIGIT's services read.
	cm, err := kube.CoreV1().ConfigMaps("egov").Get(ctx, "egov-config", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("expected ConfigMap egov/egov-config: %v", err)
	}
	wantURL := fmt.Sprintf("jdbc:postgresql://%s:%s/%s", env.pg.Host, env.pg.Port, env.pg.DB)
	if got := cm.Data["db-url"]; got != wantURL {
		t.Errorf("egov/egov-config db-url: expected %q, found %q", wantURL, got)
	}
	if got := cm.Data["db-host"]; got != env.pg.Host {
		t.Errorf("egov/egov-config db-host: expected %q, found %q", env.pg.Host, got)
	}

	// The db Secret holds the local Postgres credentials (compared, never printed).
	sec, err := kube.CoreV1().Secrets("egov").Get(ctx, "db", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("expected Secret egov/db: %v", err)
	}
	if got := sec.Data["username"]; string(got) != env.pg.User {
		t.Errorf("Secret egov/db username: expected %q, found %q", env.pg.User, got)
	}
	if got := sec.Data["password"]; !bytes.Equal(got, []byte(env.pg.Password)) {
		t.Errorf("Secret egov/db password: expected the local Postgres password (%d bytes), found a different "+
			"value (%d bytes)", len(env.pg.Password), len(got))
	}

	// egov-service-host: one key per enabled service.
	hosts, err := kube.CoreV1().ConfigMaps("egov").Get(ctx, "egov-service-host", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("expected ConfigMap egov/egov-service-host: %v", err)
	}
	if got, want := hosts.Data["egov-user"], "http://egov-user.egov:8080/"; got != want {
		t.Errorf("egov/egov-service-host egov-user: expected %q, found %q", want, got)
	}
	var missingHosts []string
	for _, svc := range s.cat.Services() {
		ns := s.namespaceOf(svc.Name)
		if got := hosts.Data[svc.Name]; !strings.HasPrefix(got, fmt.Sprintf("http://%s.%s:", svc.Name, ns)) {
			missingHosts = append(missingHosts, fmt.Sprintf("%s=%q", svc.Name, got))
		}
	}
	if len(missingHosts) > 0 {
		t.Errorf("egov/egov-service-host: expected http://<service>.<namespace>:<port>/ for every enabled service; "+
			"wrong or missing: %s", shortList(missingHosts, 10))
	}

	lbl := &labelled{}
	var notReady, unbound, noService []string
	paths := map[string]bool{}
	statefulSets := 0
	for _, ns := range namespaces {
		nsObj, err := kube.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		if err == nil {
			lbl.check("Namespace", "", ns, nsObj.Labels)
		}
		deps, err := kube.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		svcs, err := kube.CoreV1().Services(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, svc := range svcs.Items {
			lbl.check("Service", ns, svc.Name, svc.Labels)
		}
		for _, d := range deps.Items {
			lbl.check("Deployment", ns, d.Name, d.Labels)
			lbl.check("Deployment pod template", ns, d.Name, d.Spec.Template.Labels)
			if want := replicas(d.Spec.Replicas); d.Status.ReadyReplicas != want {
				notReady = append(notReady, fmt.Sprintf("Deployment %s/%s %d/%d", ns, d.Name, d.Status.ReadyReplicas, want))
			}
			if exposesPort(d.Spec.Template.Spec) && !anySelects(svcs.Items, d.Spec.Template.Labels) {
				noService = append(noService, ns+"/"+d.Name)
			}
		}
		stss, err := kube.AppsV1().StatefulSets(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range stss.Items {
			statefulSets++
			lbl.check("StatefulSet", ns, st.Name, st.Labels)
			lbl.check("StatefulSet pod template", ns, st.Name, st.Spec.Template.Labels)
			want := replicas(st.Spec.Replicas)
			if st.Status.ReadyReplicas != want {
				notReady = append(notReady, fmt.Sprintf("StatefulSet %s/%s %d/%d", ns, st.Name, st.Status.ReadyReplicas, want))
			}
			for _, tmpl := range st.Spec.VolumeClaimTemplates {
				for i := int32(0); i < want; i++ {
					name := fmt.Sprintf("%s-%s-%d", tmpl.Name, st.Name, i)
					pvc, err := kube.CoreV1().PersistentVolumeClaims(ns).Get(ctx, name, metav1.GetOptions{})
					switch {
					case err != nil:
						unbound = append(unbound, fmt.Sprintf("%s/%s (%v)", ns, name, err))
					case pvc.Status.Phase != corev1.ClaimBound:
						unbound = append(unbound, fmt.Sprintf("%s/%s (%s)", ns, name, pvc.Status.Phase))
					}
				}
			}
		}
		for _, kind := range []string{"DaemonSet", "CronJob", "ConfigMap", "Secret", "Ingress", "ServiceAccount",
			"PersistentVolumeClaim", "HorizontalPodAutoscaler"} {
			s.checkLabels(t, lbl, kind, ns, paths)
		}
	}
	if len(notReady) > 0 {
		t.Errorf("expected readyReplicas == spec.replicas for every Deployment and StatefulSet; not ready (ready/want): %s",
			shortList(notReady, 15))
	}
	if statefulSets == 0 {
		t.Errorf("expected the backbone's StatefulSets (kafka, zookeeper, elasticsearch); found none")
	}
	if len(unbound) > 0 {
		t.Errorf("expected every StatefulSet volume claim to be Bound; not bound: %s", shortList(unbound, 15))
	}
	kafka := s.cat.Backbone().Kafka
	for i := 0; i < kafka.Replicas; i++ {
		name := fmt.Sprintf("data-%s-%d", kafka.Name, i)
		pvc, err := kube.CoreV1().PersistentVolumeClaims(kafka.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil || pvc.Status.Phase != corev1.ClaimBound {
			t.Errorf("expected PVC %s/%s Bound; found %v", kafka.Namespace, name, pvcState(pvc, err))
		}
	}
	if len(noService) > 0 {
		t.Errorf("expected a Service selecting the pods of every Deployment that exposes a port; none for: %s",
			shortList(noService, 15))
	}
	if !hasPath(paths, "user") {
		t.Errorf("expected an Ingress routing /user (egov-user's context path); paths found: %s", shortList(sortedKeys(paths), 20))
	}
	var noRoute []string
	for _, svc := range s.cat.Services() {
		if svc.ContextPath != "" && !hasPath(paths, svc.ContextPath) {
			noRoute = append(noRoute, svc.Name+" /"+svc.ContextPath)
		}
	}
	if len(noRoute) > 0 {
		t.Errorf("expected an Ingress path for every service with a context path; missing: %s", shortList(noRoute, 15))
	}
	if len(lbl.missing) > 0 {
		t.Errorf("expected %s=%s on every object; missing on: %s", partOfLabel, partOfValue, shortList(lbl.missing, 20))
	}
}

// checkLabels lists one kind in a namespace and checks its labels; Ingress paths are collected on the way.
func (s *suite) checkLabels(t *testing.T, lbl *labelled, kind, ns string, paths map[string]bool) {
	t.Helper()
	ctx, kube, all := s.ctx, s.kube, metav1.ListOptions{}
	var err error
	switch kind {
	case "DaemonSet":
		var l *appsv1.DaemonSetList
		if l, err = kube.AppsV1().DaemonSets(ns).List(ctx, all); err == nil {
			for _, o := range l.Items {
				lbl.check(kind, ns, o.Name, o.Labels)
				lbl.check(kind+" pod template", ns, o.Name, o.Spec.Template.Labels)
			}
		}
	case "CronJob":
		l, e := kube.BatchV1().CronJobs(ns).List(ctx, all)
		if err = e; err == nil {
			for _, o := range l.Items {
				lbl.check(kind, ns, o.Name, o.Labels)
			}
		}
	case "ConfigMap":
		l, e := kube.CoreV1().ConfigMaps(ns).List(ctx, all)
		if err = e; err == nil {
			for _, o := range l.Items {
				if o.Name != "kube-root-ca.crt" { // published by the controller-manager into every namespace
					lbl.check(kind, ns, o.Name, o.Labels)
				}
			}
		}
	case "Secret":
		l, e := kube.CoreV1().Secrets(ns).List(ctx, all)
		if err = e; err == nil {
			for _, o := range l.Items {
				if o.Type != corev1.SecretTypeServiceAccountToken {
					lbl.check(kind, ns, o.Name, o.Labels)
				}
			}
		}
	case "Ingress":
		l, e := kube.NetworkingV1().Ingresses(ns).List(ctx, all)
		if err = e; err == nil {
			for _, o := range l.Items {
				lbl.check(kind, ns, o.Name, o.Labels)
				for _, r := range o.Spec.Rules {
					if r.HTTP != nil {
						for _, p := range r.HTTP.Paths {
							paths[p.Path] = true
						}
					}
				}
			}
		}
	case "ServiceAccount":
		l, e := kube.CoreV1().ServiceAccounts(ns).List(ctx, all)
		if err = e; err == nil {
			for _, o := range l.Items {
				if o.Name != "default" { // created by the controller-manager
					lbl.check(kind, ns, o.Name, o.Labels)
				}
			}
		}
	case "PersistentVolumeClaim":
		l, e := kube.CoreV1().PersistentVolumeClaims(ns).List(ctx, all)
		if err = e; err == nil {
			for _, o := range l.Items {
				lbl.check(kind, ns, o.Name, o.Labels)
			}
		}
	case "HorizontalPodAutoscaler":
		var l *autoscalingv1.HorizontalPodAutoscalerList
		if l, err = kube.AutoscalingV1().HorizontalPodAutoscalers(ns).List(ctx, all); err == nil {
			for _, o := range l.Items {
				lbl.check(kind, ns, o.Name, o.Labels)
			}
		}
	}
	if err != nil {
		t.Fatalf("listing %s in %s: %v", kind, ns, err)
	}
}

func (s *suite) namespaceOf(service string) string {
	mod, _ := s.cat.ModuleOf(service)
	for _, m := range s.cat.Modules() {
		if m.Name == mod {
			return m.Namespace
		}
	}
	return ""
}

func replicas(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}

func exposesPort(spec corev1.PodSpec) bool {
	for _, c := range spec.Containers {
		if len(c.Ports) > 0 {
			return true
		}
	}
	return false
}

func anySelects(svcs []corev1.Service, podLabels map[string]string) bool {
	for _, s := range svcs {
		if selectorMatches(s.Spec.Selector, podLabels) {
			return true
		}
	}
	return false
}

func pvcState(pvc *corev1.PersistentVolumeClaim, err error) string {
	if err != nil {
		return err.Error()
	}
	return string(pvc.Status.Phase)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// --- d: an image tag override changes exactly one Deployment -------------------------------------------------------

func (s *suite) imageTagOverride(t *testing.T) {
	override := s.catalogueWith(t, map[string]any{"services": map[string]any{"egov-user": map[string]any{"tag": testTag}}})
	userURN := urnOf(s.state(t), deploymentType, "egov/egov-user")
	if userURN == "" {
		t.Fatalf("expected the state to hold the Deployment egov/egov-user; it does not")
	}

	po := s.opts(t, "tag-preview", override)
	po.Diff = true
	pre, err := runner.Preview(s.ctx, po)
	if err != nil {
		t.Fatalf("expected the preview of the tag override to succeed: %v", err)
	}
	// Component resources (digit:k8s:DigitService) record their inputs and show as updated with their children;
	// only the resources the provider manages count.
	if rc := pre.ResourceChanges(); len(rc) != 1 || rc[0].Op != "update" || rc[0].URN != userURN {
		t.Errorf("expected the preview to show exactly one resource change, an update of %s; it shows %d: %s",
			userURN, len(rc), describeChanges(rc))
	}

	up, err := runner.Up(s.ctx, s.opts(t, "tag-up", override))
	if err != nil {
		t.Fatalf("expected up with the tag override to succeed: %v", err)
	}
	if rc := up.ResourceChanges(); len(rc) != 1 || rc[0].URN != userURN {
		t.Errorf("expected up to change exactly one resource, %s; it changed %d: %s", userURN, len(rc), describeChanges(rc))
	}
	if img := s.image(t, "egov", "egov-user"); !strings.HasSuffix(img, ":"+testTag) {
		t.Errorf("expected Deployment egov/egov-user's image to end with :%s; found %s", testTag, img)
	}

	// Without the override the catalogue's tag comes back.
	if _, err := runner.Up(s.ctx, s.opts(t, "tag-revert", nil)); err != nil {
		t.Fatalf("expected up without the override to succeed: %v", err)
	}
	svc, _ := s.cat.Service("egov-user")
	if img := s.image(t, "egov", "egov-user"); !strings.HasSuffix(img, ":"+svc.Tag) {
		t.Errorf("expected Deployment egov/egov-user's image back at the catalogue tag %s; found %s", svc.Tag, img)
	}
}

// image returns the image of the Deployment's container that runs the service.
func (s *suite) image(t *testing.T, ns, name string) string {
	t.Helper()
	d, err := s.kube.AppsV1().Deployments(ns).Get(s.ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("getting Deployment %s/%s: %v", ns, name, err)
	}
	var images []string
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Name == name || len(d.Spec.Template.Spec.Containers) == 1 {
			return c.Image
		}
		images = append(images, c.Name+"="+c.Image)
	}
	t.Fatalf("Deployment %s/%s has no container named %s (containers: %s)", ns, name, name, strings.Join(images, ", "))
	return ""
}

// --- e: drift is detected and repaired ----------------------------------------------------------------------------

// drift scales two Deployments by hand. The backbone's redis has its replica count set by the program: the drift
// check must report it and an up with refresh must restore it. A DIGIT service such as egov-idgen has a
// HorizontalPodAutoscaler that owns its count (the program leaves spec.replicas out so that Pulumi does not undo
// the autoscaler): scaling it is not drift.
func (s *suite) drift(t *testing.T) {
	redis := s.cat.Backbone().Redis
	owned := kubeRef{redis.Namespace, redis.Name}
	hpaOwned := kubeRef{"egov", "egov-idgen"}
	state := s.state(t)
	ownedURN := urnOf(state, deploymentType, owned.id())
	hpaURN := urnOf(state, deploymentType, hpaOwned.id())
	if ownedURN == "" || hpaURN == "" {
		t.Fatalf("expected Deployments %s and %s in the state; found %q and %q", owned.id(), hpaOwned.id(), ownedURN, hpaURN)
	}
	want := s.replicas(t, owned)
	if int(want) != redis.Replicas {
		t.Fatalf("expected %s at the catalogue's %d replicas before the drift; found %d", owned.id(), redis.Replicas, want)
	}
	hpaBefore := s.replicas(t, hpaOwned)
	s.scale(t, owned, 3)
	s.scale(t, hpaOwned, 3)
	// Put both back by hand whatever happens, so that a failed repair does not fail the later steps too (a field
	// owned by two managers with one value does not conflict).
	defer s.scale(t, hpaOwned, hpaBefore)
	defer s.scale(t, owned, want)

	pr, err := runner.PreviewRefresh(s.ctx, s.opts(t, "drift-preview-refresh", nil))
	if err != nil {
		t.Fatalf("expected the drift check (preview refresh) to succeed: %v", err)
	}
	updated := map[string]bool{}
	for _, c := range pr.ChangesOf("update") {
		updated[c.URN] = true
	}
	if !updated[ownedURN] {
		t.Errorf("expected the drift check to report an update of %s (scaled from %d to 3); it reported: %s",
			ownedURN, want, describeChanges(pr.Changes))
	}
	if updated[hpaURN] {
		t.Errorf("expected the drift check not to report %s, whose replica count its autoscaler owns; it did", hpaURN)
	}

	o := s.opts(t, "drift-up-refresh", nil)
	o.Refresh = true
	if _, err := runner.Up(s.ctx, o); err != nil {
		t.Fatalf("expected up with refresh to succeed: %v", err)
	}
	if got := s.replicas(t, owned); got != want {
		t.Errorf("expected up with refresh to restore %s to %d replicas; found %d", owned.id(), want, got)
	}
}

type kubeRef struct{ namespace, name string }

func (r kubeRef) id() string { return r.namespace + "/" + r.name }

func (s *suite) replicas(t *testing.T, r kubeRef) int32 {
	t.Helper()
	d, err := s.kube.AppsV1().Deployments(r.namespace).Get(s.ctx, r.name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("expected Deployment %s: %v", r.id(), err)
	}
	return replicas(d.Spec.Replicas)
}

func (s *suite) scale(t *testing.T, r kubeRef, n int32) {
	t.Helper()
	sc, err := s.kube.AppsV1().Deployments(r.namespace).GetScale(s.ctx, r.name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("reading the scale of %s: %v", r.id(), err)
	}
	sc.Spec.Replicas = n
	// As `kubectl scale` does: the field manager is what a conflict with the program names.
	if _, err := s.kube.AppsV1().Deployments(r.namespace).UpdateScale(s.ctx, r.name, sc, metav1.UpdateOptions{FieldManager: "kubectl"}); err != nil {
		t.Fatalf("scaling %s to %d by hand: %v", r.id(), n, err)
	}
}

// --- f: an update killed half-way converges on the next up ---------------------------------------------------------

// firstOp matches the engine's progress line of a Deployment being created or updated, e.g.
// "    ~  kubernetes:apps/v1:Deployment egov-user updating (0s)": the engine then waits for its rollout, so the
// operation is in flight (and pending in the state) for a while.
var firstOp = regexp.MustCompile(`kubernetes:apps/v1:Deployment\s+\S+\s+(creating|updating)`)

func (s *suite) interruptedUp(t *testing.T) {
	// A change with deletes (m_fire-noc and m_dss off: no module depends on them), creates (a service added to
	// core) and updates (a new tag on every core service).
	tags := s.coreTags("v9.9.8-interrupted")
	extra := s.catalogueWith(t, map[string]any{
		"modules":  map[string]any{"m_fire-noc": map[string]any{"enabled": false}, "m_dss": map[string]any{"enabled": false}},
		"services": tags,
		"add": []any{map[string]any{
			"module": "core", "name": "e2e-probe", "image": "egovio/e2e-probe", "tag": "v1", "port": 8080,
			"contextPath": "e2e-probe", "healthPath": "/e2e-probe/health", "viaZuul": false,
			"memoryLimit": "256Mi", "heap": "-Xmx128m -Xms128m", "cpuRequest": "50m", "env": []any{},
		}},
	})
	change := extra["digit:catalogue"]
	bin := s.digit(t)

	log := s.log(t, "digit-up-killed")
	cmd := exec.Command(bin, "up", "-s", stackName, "--dir", env.repo, "--state", s.stateDir, "--yes",
		"--config", "digit:database="+s.dbJSON, "--config", "digit:catalogue="+change,
		"--secret", "digit:dbPassword=DIGIT_PG_PASSWORD", "--secret", "digit:secrets=DIGIT_SECRETS")
	cmd.Env = append(os.Environ(), runner.PassphraseEnv+"="+testPassphrase, "DIGIT_SECRETS="+s.secretsJSON)
	cmd.Stderr = log
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sawOp := ""
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		fmt.Fprintln(log, sc.Text())
		if firstOp.MatchString(sc.Text()) {
			sawOp = sc.Text()
			break
		}
	}
	// Kill the whole process tree at once, as a lost machine would: digit, the pulumi CLI it started (in a
	// process group of its own) and the provider plugins.
	killed := killTree(cmd.Process.Pid)
	_, _ = io.Copy(log, stdout)
	_ = cmd.Wait()
	if sawOp == "" {
		t.Fatalf("expected `digit up` to start operating on resources before it was killed; it ended first")
	}
	t.Logf("killed %d processes after: %s", killed, strings.TrimSpace(sawOp))

	res, err := runner.Up(s.ctx, s.opts(t, "up-after-kill", extra))
	if err != nil {
		t.Fatalf("expected runner.Up after the killed update to converge; it failed: %v", err)
	}
	if len(res.Recovered) == 0 {
		t.Errorf("expected runner.Up to report recovering from the interrupted update (a stale lock at least); it reported nothing")
	}
	t.Logf("recovery: %s", strings.Join(res.Recovered, "; "))

	o := s.opts(t, "preview-after-kill", extra)
	o.Diff = true // the log then says what differs
	pre, err := runner.Preview(s.ctx, o)
	if err != nil {
		t.Fatalf("expected the preview after recovery to succeed: %v", err)
	}
	if n := pre.Changed(); n != 0 {
		t.Errorf("expected no changes after the recovered up; the preview shows %d: %s", n, describeChanges(pre.Changes))
	}

	s.stateMatchesCluster(t, "after-kill", extra)
}

// stateMatchesCluster exports the state and checks it holds no pending operation and the same objects as the
// cluster.
func (s *suite) stateMatchesCluster(t *testing.T, when string, extra map[string]string) {
	t.Helper()
	dep, err := runner.ExportState(s.ctx, s.opts(t, "export-"+when, extra))
	if err != nil {
		t.Fatal(err)
	}
	resources, pending, err := parseState(dep)
	if err != nil {
		t.Fatal(err)
	}
	if pending != 0 {
		t.Errorf("expected no pending operations in the state %s; found %d", when, pending)
	}
	s.compareWithCluster(t, resources)
}

// coreTags is a digit:catalogue services override giving every core service the tag.
func (s *suite) coreTags(tag string) map[string]any {
	tags := map[string]any{}
	for _, m := range s.cat.Modules() {
		if m.Name == "core" {
			for _, svc := range m.Services {
				tags[svc.Name] = map[string]any{"tag": tag}
			}
		}
	}
	return tags
}

// --- f2: Ctrl-C stops an up gracefully -----------------------------------------------------------------------------

// sigintUp interrupts `digit up` once, as Ctrl-C does, while it operates on a Deployment: the engine finishes what is
// in flight and stops by itself (no forced kill, no stale lock, no pending operation), the command fails saying it
// was interrupted, and the next up converges with nothing duplicated or lost.
func (s *suite) sigintUp(t *testing.T) {
	tags := s.coreTags("v9.9.9-sigint")
	extra := s.catalogueWith(t, map[string]any{"services": tags})
	bin := s.digit(t)
	log := s.log(t, "digit-up-sigint")
	cmd := exec.Command(bin, "up", "-s", stackName, "--dir", env.repo, "--state", s.stateDir, "--yes",
		"--config", "digit:database="+s.dbJSON, "--config", "digit:catalogue="+extra["digit:catalogue"],
		"--secret", "digit:dbPassword=DIGIT_PG_PASSWORD", "--secret", "digit:secrets=DIGIT_SECRETS")
	cmd.Env = append(os.Environ(), runner.PassphraseEnv+"="+testPassphrase, "DIGIT_SECRETS="+s.secretsJSON)
	var stderr bytes.Buffer
	cmd.Stderr = io.MultiWriter(log, &stderr)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sawOp := false
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		fmt.Fprintln(log, sc.Text())
		if firstOp.MatchString(sc.Text()) {
			sawOp = true
			break
		}
	}
	if !sawOp {
		_ = cmd.Wait()
		t.Fatalf("expected `digit up` to start operating on a Deployment; it ended first")
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(log, stdout)
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err = <-waited:
	case <-time.After(5 * time.Minute):
		_ = killTree(cmd.Process.Pid)
		t.Fatal("expected `digit up` to stop within 5 minutes of one interrupt; killed it")
	}
	if err == nil {
		t.Logf("the up finished before the interrupt took effect")
	}
	if !strings.Contains(stderr.String(), "interrupted: the engine finishes the operations in flight") {
		t.Errorf("expected digit to say it stops gracefully; stderr:\n%s", stderr.String())
	}
	if strings.Contains(stderr.String(), "interrupted again") {
		t.Errorf("one interrupt must not force the stop")
	}
	if files, _ := filepath.Glob(filepath.Join(s.stateDir, "backend", ".pulumi", "locks", "*", "*", stackName, "*.json")); len(files) != 0 {
		t.Errorf("expected the engine to release its lock on a graceful stop; found %v", files)
	}

	res, err := runner.Up(s.ctx, s.opts(t, "up-after-sigint", extra))
	if err != nil {
		t.Fatalf("expected the up after the interrupted one to converge: %v", err)
	}
	if len(res.Recovered) != 0 {
		t.Errorf("expected nothing to recover after a graceful stop; the runner did: %v", res.Recovered)
	}
	s.stateMatchesCluster(t, "after-sigint", extra)
}

// compareWithCluster checks that the workloads and their companions on the apiserver and in the state are the same
// set: nothing orphaned (on the cluster, not in the state), nothing lost, nothing twice.
func (s *suite) compareWithCluster(t *testing.T, resources []stateResource) {
	ctx, kube := s.ctx, s.kube
	namespaces := projectNamespaces(ctx, t, kube)
	// Each lister returns the "namespace/name" IDs of one kind in a namespace.
	kinds := map[string]func(ns string) ([]string, error){
		deploymentType: func(ns string) ([]string, error) {
			l, err := kube.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				return nil, err
			}
			return ids(l.Items, func(o appsv1.Deployment) metav1.ObjectMeta { return o.ObjectMeta }), nil
		},
		"kubernetes:apps/v1:StatefulSet": func(ns string) ([]string, error) {
			l, err := kube.AppsV1().StatefulSets(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				return nil, err
			}
			return ids(l.Items, func(o appsv1.StatefulSet) metav1.ObjectMeta { return o.ObjectMeta }), nil
		},
		"kubernetes:core/v1:Service": func(ns string) ([]string, error) {
			l, err := kube.CoreV1().Services(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				return nil, err
			}
			return ids(l.Items, func(o corev1.Service) metav1.ObjectMeta { return o.ObjectMeta }), nil
		},
		"kubernetes:networking.k8s.io/v1:Ingress": func(ns string) ([]string, error) {
			l, err := kube.NetworkingV1().Ingresses(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				return nil, err
			}
			return ids(l.Items, func(o networkingv1.Ingress) metav1.ObjectMeta { return o.ObjectMeta }), nil
		},
	}
	for _, pulumiType := range sortedKeys(kinds) {
		inState, dups := kubeIDs(resources, pulumiType)
		if len(dups) > 0 {
			t.Errorf("%s: expected each object once in the state; twice: %s", pulumiType, shortList(dups, 10))
		}
		onCluster := map[string]bool{}
		for _, ns := range namespaces {
			objs, err := kinds[pulumiType](ns)
			if err != nil {
				t.Fatalf("listing %s in %s: %v", pulumiType, ns, err)
			}
			for _, id := range objs {
				onCluster[id] = true
			}
		}
		if orphans := setDiff(onCluster, inState); len(orphans) > 0 {
			t.Errorf("%s: expected every object in the project namespaces to be in the stack state; orphaned: %s",
				pulumiType, shortList(orphans, 15))
		}
		var lost []string
		for id := range inState {
			ns, _, _ := strings.Cut(id, "/")
			if contains(namespaces, ns) && !onCluster[id] {
				lost = append(lost, id)
			}
		}
		if len(lost) > 0 {
			sort.Strings(lost)
			t.Errorf("%s: expected every object of the state on the cluster; missing: %s", pulumiType, shortList(lost, 15))
		}
	}
}

func ids[T any](items []T, meta func(T) metav1.ObjectMeta) []string {
	out := make([]string, 0, len(items))
	for _, o := range items {
		m := meta(o)
		out = append(out, m.Namespace+"/"+m.Name)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// killTree SIGKILLs a process and all its descendants and returns how many it signalled.
func killTree(root int) int {
	tree := proctree.Tree(root, proctree.List())
	// Stop everyone first so no process reacts to another's death (a CLI noticing its plugin gone and unlocking).
	for _, p := range tree {
		_ = syscall.Kill(p.PID, syscall.SIGSTOP)
	}
	for _, p := range tree {
		_ = syscall.Kill(p.PID, syscall.SIGKILL)
	}
	// SIGKILL is asynchronous: wait until each is gone or a zombie.
	deadline := time.Now().Add(10 * time.Second)
	for _, p := range tree {
		for proctree.Running(p.PID) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
	}
	return len(tree)
}

// --- g: the database password never lands in plaintext -----------------------------------------------------------

func (s *suite) noPlaintextPassword(t *testing.T) {
	// The database password and every service credential of digit:secrets (enc-service master key, filestore
	// keys), each in plaintext and base64.
	secrets := map[string]string{"the database password": env.pg.Password}
	var svc map[string]map[string]string
	if err := json.Unmarshal([]byte(s.secretsJSON), &svc); err != nil {
		t.Fatal(err)
	}
	for name, keys := range svc {
		for k, v := range keys {
			secrets["secret "+name+" key "+k] = v
		}
	}
	if len(secrets) < 4 {
		t.Fatalf("expected generated service credentials besides the database password; digit:secrets is %d keys", len(secrets)-1)
	}
	scan := func(what string, content []byte) {
		for name, value := range secrets {
			for form, needle := range map[string][]byte{
				"plaintext": []byte(value), "base64": []byte(base64.StdEncoding.EncodeToString([]byte(value))),
			} {
				if bytes.Contains(content, needle) {
					t.Errorf("expected no %s copy of %s in %s; found one", form, name, what)
				}
			}
		}
	}

	// Render mode: the manifests written to disk, on a stack of its own with the local settings.
	proj := t.TempDir()
	for src, dst := range map[string]string{"Pulumi.yaml": "Pulumi.yaml", "Pulumi." + stackName + ".yaml": "Pulumi.render.yaml"} {
		b, err := os.ReadFile(filepath.Join(env.repo, src))
		if err != nil {
			t.Fatal(err)
		}
		mustWrite(t, filepath.Join(proj, dst), b)
	}
	renderDir := t.TempDir()
	o := s.opts(t, "render-up", map[string]string{"digit:renderDir": renderDir})
	o.Stack, o.ProjectDir = "render", proj
	// KUBECONFIG stays set, as users have it: the provider must not take it as a cluster to talk to.
	if _, err := runner.Up(s.ctx, o); err != nil {
		t.Fatalf("expected the render-mode up to succeed: %v", err)
	}
	manifests := 0
	walkFiles(t, renderDir, func(path string, b []byte) {
		manifests++
		scan("rendered manifest "+strings.TrimPrefix(path, renderDir+"/"), b)
	})
	if manifests == 0 {
		t.Errorf("expected render mode to write manifests into %s; it wrote none", renderDir)
	}
	o.Out = s.log(t, "render-destroy")
	if _, err := runner.Destroy(s.ctx, o); err != nil {
		t.Errorf("expected the render stack's destroy to succeed: %v", err)
	}

	// The stack state as exported, and every file of the backend, workspace and PULUMI_HOME.
	dep, err := runner.ExportState(s.ctx, s.opts(t, "export-secrets", nil))
	if err != nil {
		t.Fatal(err)
	}
	scan("the exported state of stack local", dep)
	walkFiles(t, s.stateDir, func(path string, b []byte) {
		scan("state file "+strings.TrimPrefix(path, s.stateDir+"/"), b)
	})
	// The engine's progress logs of every step so far.
	walkFiles(t, s.logDir, func(path string, b []byte) { scan("progress log "+filepath.Base(path), b) })
}

func walkFiles(t *testing.T, root string, fn func(path string, content []byte)) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fn(path, b)
		return nil
	})
	if err != nil {
		t.Fatalf("reading %s: %v", root, err)
	}
}

// --- h: destroy leaves nothing behind -----------------------------------------------------------------------------

func (s *suite) destroy(t *testing.T) {
	namespaces := projectNamespaces(s.ctx, t, s.kube)
	if _, err := runner.Destroy(s.ctx, s.opts(t, "destroy", nil)); err != nil {
		t.Fatalf("expected destroy to succeed: %v", err)
	}
	if res := s.state(t); len(res) > 0 {
		var urns []string
		for _, r := range res {
			urns = append(urns, r.URN)
		}
		t.Errorf("expected an empty state after destroy; it holds %d resources: %s", len(res), shortList(urns, 10))
	}

	// Namespace deletion finishes asynchronously (the namespace controller empties them first).
	deadline := time.Now().Add(5 * time.Minute)
	var left []string
	for {
		left = left[:0]
		for _, ns := range namespaces {
			_, err := s.kube.CoreV1().Namespaces().Get(s.ctx, ns, metav1.GetOptions{})
			if !apierrors.IsNotFound(err) {
				left = append(left, ns)
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(2 * time.Second)
	}
	if len(left) > 0 {
		t.Errorf("expected no project namespace after destroy (waited 5m); still there: %s", strings.Join(left, ", "))
	}

	inProject := map[string]bool{}
	for _, ns := range namespaces {
		inProject[ns] = true
	}
	var pvs []string
	for {
		pvs = pvs[:0]
		list, err := s.kube.CoreV1().PersistentVolumes().List(s.ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, pv := range list.Items {
			if pvBelongsTo(pv, inProject) {
				pvs = append(pvs, fmt.Sprintf("%s (claim %s/%s, %s)", pv.Name, pv.Spec.ClaimRef.Namespace,
					pv.Spec.ClaimRef.Name, pv.Status.Phase))
			}
		}
		if len(pvs) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(2 * time.Second)
	}
	if len(pvs) > 0 {
		t.Errorf("expected no PersistentVolume of the project after destroy; left: %s", shortList(pvs, 10))
	}
}

func mustWrite(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
