package tests

import (
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

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/digit-iac/digit/qa"
	"github.com/digit-iac/digit/runner"
	"github.com/digit-iac/digit/stacks/config"
)

// qaCatalogue is what the QA stacks of this test deploy: the gateway (zuul, ingress-nginx) and one service routed
// through zuul, so that namespaces, cluster roles, an IngressClass, an Ingress and a DIGIT service whose env names
// a host in another namespace (zuul's Redis) exist several times on one cluster. The backbone is left out: its
// StatefulSets would triple the test's time, and its dynamic volumes are named by the provisioner, never by the
// stack (the static PVs of aws carry their namespace: TestQAStackIsIsolatedOnASharedCluster's rule).
var qaCatalogue = map[string]any{
	"modules": map[string]any{
		"backbone": off, "core": off, "business": off, "frontend": off, "logging": off, "monitoring": off, "tracing": off,
	},
	"add": []any{map[string]any{
		"module": "gateway", "name": "qa-probe", "image": "egovio/egov-mdms-service", "tag": "v1.3.2-44558a0-3",
		"port": 8080, "contextPath": "qa-probe", "healthPath": "/qa-probe/health", "viaZuul": true,
	}},
}

var off = map[string]any{"enabled": false}

// qaRun runs the digit command as a user does, on one state dir.
type qaRun struct {
	t        *testing.T
	state    string
	db       string
	cat      string
	secrets  string
	logDir   string
	kube     *kubernetes.Clientset
	bin      string
	mu       sync.Mutex
	sequence int
}

func (r *qaRun) digit(args ...string) (string, error) {
	r.mu.Lock()
	r.sequence++
	n := r.sequence
	r.mu.Unlock()
	args = append(args, "--dir", env.repo, "--state", r.state)
	cmd := exec.Command(r.bin, args...)
	cmd.Env = append(os.Environ(), runner.PassphraseEnv+"="+testPassphrase, "DIGIT_SECRETS="+r.secrets)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	r.t.Logf("digit %s: %s", strings.Join(args[:min(4, len(args))], " "), time.Since(start).Round(100*time.Millisecond))
	_ = os.WriteFile(filepath.Join(r.logDir, fmt.Sprintf("%02d-%s.log", n, strings.Join(args[:min(3, len(args))], "-"))), out, 0o600)
	if err != nil {
		return string(out), fmt.Errorf("digit %s: %v\n%s", strings.Join(args, " "), err, tail(string(out), 30))
	}
	return string(out), nil
}

func (r *qaRun) up(name string) error {
	_, err := r.digit("qa", "up", "--name", name, "--ttl", "2h", "--yes",
		"--config", "digit:database="+r.db, "--config", "digit:catalogue="+r.cat,
		"--secret", "digit:dbPassword=DIGIT_PG_PASSWORD", "--secret", "digit:secrets=DIGIT_SECRETS")
	return err
}

// Three QA stacks deployed at once on one cluster, each in namespaces and under cluster-scoped names of its own;
// `qa list` shows them; `qa gc` destroys the expired one only; `qa destroy` leaves nothing behind; a QA stack
// recreated under a destroyed name works.
func TestQAStacksShareOneCluster(t *testing.T) {
	requireControlPlane(t)
	// Beside TestLocalStack: QA stacks share a cluster with the stack they are a copy of.
	t.Parallel()
	ctx := context.Background()
	r := &qaRun{t: t, state: t.TempDir(), kube: newKube(t), bin: digitBinary(t), logDir: t.TempDir()}
	if d := os.Getenv("DIGIT_E2E_LOGDIR"); d != "" {
		r.logDir = filepath.Join(d, "qa")
		if err := os.MkdirAll(r.logDir, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	defer func() {
		if t.Failed() {
			kept, _ := os.MkdirTemp("", "digit-e2e-qa-logs-")
			_ = exec.Command("cp", "-r", r.logDir+"/.", kept).Run()
			t.Logf("digit's output is kept in %s", kept)
		}
	}()
	r.db, r.cat, r.secrets = qaSettings(t)
	names := []string{"qa1", "qa2", "qa3"}
	t.Cleanup(func() {
		// Whatever is left (all of it, after a failure): the cluster is shared with the tests that follow.
		out, _ := r.digit("qa", "list")
		var wg sync.WaitGroup
		for _, n := range names {
			if hasRow(out, n) {
				wg.Add(1)
				go func() { defer wg.Done(); _, _ = r.digit("qa", "destroy", "--name", n, "--yes") }()
			}
		}
		wg.Wait()
	})

	start := time.Now()
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = r.up(n) }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("three QA stacks up in parallel in %s", time.Since(start).Round(time.Second))
	for _, n := range names {
		r.isolated(ctx, n)
	}

	out, err := r.digit("qa", "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if !hasRow(out, n, "local", "in 1h5", "update succeeded") {
			t.Errorf("qa list: expected a row for %s (base local, expiring in about 2h, update succeeded); got\n%s", n, out)
		}
	}

	// qa2's record says it expired: the tag, as time would leave it.
	past := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	r.pulumi("stack", "tag", "set", "--stack", qa.StackName("qa2"), qa.TagExpires, past)
	// gc (which must take qa2 alone) and a destroy of qa1 at once: two runners, on two stacks.
	var gcOut string
	var gcErr, destroyErr error
	var ops sync.WaitGroup
	ops.Add(2)
	go func() { defer ops.Done(); gcOut, gcErr = r.digit("qa", "gc", "--yes") }()
	go func() { defer ops.Done(); _, destroyErr = r.digit("qa", "destroy", "--name", "qa1", "--yes") }()
	ops.Wait()
	if gcErr != nil || destroyErr != nil {
		t.Fatalf("qa gc: %v\nqa destroy: %v", gcErr, destroyErr)
	}
	if !strings.Contains(gcOut, "qa: qa2 destroyed and removed") || !strings.Contains(gcOut, "destroyed 1 of 1 expired") ||
		strings.Contains(gcOut, "qa3 destroyed") {
		t.Errorf("qa gc: expected qa2, and only it, destroyed; got\n%s", gcOut)
	}
	r.gone(ctx, "qa2")
	r.gone(ctx, "qa1")
	r.isolated(ctx, "qa3")
	out, err = r.digit("qa", "list")
	if err != nil {
		t.Fatal(err)
	}
	if hasRow(out, "qa1") || hasRow(out, "qa2") || !hasRow(out, "qa3") {
		t.Errorf("qa list after gc and destroy: expected qa3 only; got\n%s", out)
	}

	// The name is free again.
	if err := r.up("qa1"); err != nil {
		t.Fatalf("expected a QA stack recreated under a destroyed name to deploy: %v", err)
	}
	r.isolated(ctx, "qa1")
}

// qaSettings are digit:database, digit:catalogue and digit:secrets of the QA stacks, as newSuite derives the local
// stack's: the program's own loader checks they load for stack qa-x.
func qaSettings(t *testing.T) (db, cat, secrets string) {
	t.Helper()
	s := newSuite(t)
	b, err := json.Marshal(qaCatalogue)
	if err != nil {
		t.Fatal(err)
	}
	src, err := config.StackFileSource(filepath.Join(env.repo, "Pulumi."+stackName+".yaml"),
		map[string]string{"digit:dbPassword": env.pg.Password})
	if err != nil {
		t.Fatal(err)
	}
	src.Values["digit:database"] = s.dbJSON
	src.Values["digit:catalogue"] = string(b)
	src.Values["digit:qa"] = "x"
	src = withSecrets(t, src)
	if _, err := config.Load(src, runner.ProjectName, qa.StackName("x")); err != nil {
		t.Fatalf("the QA stacks' config does not load: %v", err)
	}
	return s.dbJSON, string(b), src.Values["digit:secrets"]
}

// pulumi runs the plain pulumi CLI on the QA stacks' backend, in a project of the program's name, and returns its
// output; a failure fails the test.
func (r *qaRun) pulumi(args ...string) []byte {
	r.t.Helper()
	cmd := exec.Command("pulumi", append(args, "--non-interactive")...)
	cmd.Dir = r.t.TempDir()
	mustWrite(r.t, filepath.Join(cmd.Dir, "Pulumi.yaml"), []byte("name: digit\nruntime: go\n"))
	cmd.Env = pulumiEnv(r.state)
	b, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("pulumi %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	return b
}

// named lists the cluster-scoped objects whose names hold the QA prefix p, as "<kind> <name>".
func named[T any](kind string, items []T, meta func(T) metav1.ObjectMeta, p string) []string {
	var out []string
	for _, o := range items {
		if m := meta(o); strings.Contains(m.Name, p) {
			out = append(out, kind+" "+m.Name)
		}
	}
	return out
}

// hasRow reports whether a line of a table starts with the first field and holds the others.
func hasRow(table string, fields ...string) bool {
	for _, line := range strings.Split(table, "\n") {
		if !strings.HasPrefix(line, fields[0]+" ") {
			continue
		}
		ok := true
		for _, f := range fields[1:] {
			ok = ok && strings.Contains(line, f)
		}
		if ok {
			return true
		}
	}
	return false
}

// qaNamespaces are the namespaces of the cluster that belong to QA stack name.
func (r *qaRun) qaNamespaces(ctx context.Context, name string) []string {
	r.t.Helper()
	list, err := r.kube.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		r.t.Fatal(err)
	}
	var out []string
	for _, ns := range list.Items {
		if strings.HasPrefix(ns.Name, qa.NamespacePrefix(name)) && ns.DeletionTimestamp == nil {
			out = append(out, ns.Name)
		}
	}
	return out
}

// isolated checks on the apiserver that QA stack name runs in its own namespaces, with its own IngressClass and
// cluster roles, and that its zuul talks to its own Redis.
func (r *qaRun) isolated(ctx context.Context, name string) {
	t := r.t
	t.Helper()
	p := qa.NamespacePrefix(name)
	nss := r.qaNamespaces(ctx, name)
	for _, want := range []string{"egov", "ingress-nginx"} {
		if !contains(nss, p+want) {
			t.Errorf("%s: no namespace %s%s (has %v)", name, p, want, nss)
		}
	}
	ic, err := r.kube.NetworkingV1().IngressClasses().Get(ctx, p+"nginx", metav1.GetOptions{})
	if err != nil {
		t.Errorf("%s: IngressClass %snginx: %v", name, p, err)
	} else if ic.Spec.Controller != "k8s.io/ingress-nginx-"+p+"nginx" || ic.Annotations["ingressclass.kubernetes.io/is-default-class"] != "" {
		t.Errorf("%s: IngressClass %s: controller %s, annotations %v; expected its own controller and not the default",
			name, ic.Name, ic.Spec.Controller, ic.Annotations)
	}
	ings, err := r.kube.NetworkingV1().Ingresses(p+"egov").List(ctx, metav1.ListOptions{})
	if err != nil || len(ings.Items) == 0 {
		t.Errorf("%s: no Ingress in %segov: %v", name, p, err)
	}
	for _, in := range ings.Items {
		if in.Spec.IngressClassName == nil || *in.Spec.IngressClassName != p+"nginx" {
			t.Errorf("%s: Ingress %s does not name class %snginx", name, in.Name, p)
		}
	}
	if _, err := r.kube.RbacV1().ClusterRoles().Get(ctx, "ingress-nginx-"+p+"ingress-nginx", metav1.GetOptions{}); err != nil {
		t.Errorf("%s: its ingress controller's ClusterRole: %v", name, err)
	}
	zuul, err := r.kube.AppsV1().Deployments(p+"egov").Get(ctx, "zuul", metav1.GetOptions{})
	if err != nil {
		t.Errorf("%s: zuul: %v", name, err)
		return
	}
	redis := ""
	for _, e := range zuul.Spec.Template.Spec.Containers[0].Env {
		if e.Name == "SPRING_REDIS_HOST" {
			redis = e.Value
		}
	}
	if redis != "redis."+p+"backbone" {
		t.Errorf("%s: zuul's SPRING_REDIS_HOST is %q; expected its own redis.%sbackbone", name, redis, p)
	}
}

// gone checks that nothing of QA stack name is left on the apiserver or in the backend.
func (r *qaRun) gone(ctx context.Context, name string) {
	t := r.t
	t.Helper()
	p := qa.NamespacePrefix(name)
	// The engine waits for each Namespace's deletion; PersistentVolumes are released by the controller after it.
	deadline := time.Now().Add(60 * time.Second)
	var left []string
	for {
		left = r.qaNamespaces(ctx, name)
		if _, err := r.kube.NetworkingV1().IngressClasses().Get(ctx, p+"nginx", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			left = append(left, "IngressClass "+p+"nginx")
		}
		crs, err := r.kube.RbacV1().ClusterRoles().List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		left = append(left, named("ClusterRole", crs.Items, func(o rbacv1.ClusterRole) metav1.ObjectMeta { return o.ObjectMeta }, p)...)
		crbs, err := r.kube.RbacV1().ClusterRoleBindings().List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		left = append(left, named("ClusterRoleBinding", crbs.Items, func(o rbacv1.ClusterRoleBinding) metav1.ObjectMeta { return o.ObjectMeta }, p)...)
		pvs, err := r.kube.CoreV1().PersistentVolumes().List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, pv := range pvs.Items {
			if pv.Spec.ClaimRef != nil && strings.HasPrefix(pv.Spec.ClaimRef.Namespace, p) {
				left = append(left, "PersistentVolume "+pv.Name+" of "+pv.Spec.ClaimRef.Namespace)
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(2 * time.Second)
	}
	if len(left) > 0 {
		t.Errorf("%s: left behind after its destroy: %v", name, left)
	}
	b := r.pulumi("stack", "ls", "--json")
	var stacks []struct{ Name string }
	if err := json.Unmarshal(b, &stacks); err != nil {
		t.Fatalf("pulumi stack ls: %v\n%s", err, b)
	}
	for _, st := range stacks {
		if st.Name == qa.StackName(name) || strings.HasSuffix(st.Name, "/"+qa.StackName(name)) {
			t.Errorf("%s: the stack is still in the backend: %s", name, st.Name)
		}
	}
	if _, err := os.Stat(filepath.Join(r.state, "work", qa.StackName(name))); !os.IsNotExist(err) {
		t.Errorf("%s: its workspace is still in the state dir (%v)", name, err)
	}
}
