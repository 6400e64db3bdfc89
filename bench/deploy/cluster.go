package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/digit-iac/digit/runner"
)

// cluster is one fresh local control plane (hack/localcp.sh).
type cluster struct {
	dir string
	env map[string]string // what <dir>/env exports: KUBECONFIG, DIGIT_PG_*
}

// startCluster starts a fresh control plane in work/<name>; extra goes into localcp.sh's environment
// (DIGIT_LOCALCP_NODE_*, DIGIT_LOCALCP_KWOK_STAGES).
func (b *bench) startCluster(ctx context.Context, name string, extra map[string]string) (*cluster, error) {
	dir := filepath.Join(b.work, "cp-"+name)
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(b.repo, "hack", "localcp.sh"), "start", dir)
	cmd.Env = os.Environ()
	for k, v := range extra {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("hack/localcp.sh start %s: %v\n%s", dir, err, lastLines(out.String(), 30))
	}
	f, err := os.Open(filepath.Join(dir, "env"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c := &cluster{dir: dir, env: map[string]string{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "export ")
		if !ok {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			c.env[k] = v
		}
	}
	if c.env["KUBECONFIG"] == "" || c.env["DIGIT_PG_PORT"] == "" {
		return nil, fmt.Errorf("%s/env lacks KUBECONFIG or DIGIT_PG_PORT", dir)
	}
	return c, nil
}

func (b *bench) stopCluster(c *cluster) {
	if c == nil {
		return
	}
	out, err := exec.Command("bash", filepath.Join(b.repo, "hack", "localcp.sh"), "stop", c.dir).CombinedOutput()
	if err != nil {
		b.logf("stopping %s: %v\n%s", c.dir, err, lastLines(string(out), 10))
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// deployment is one stack run's settings: the control plane, its state dir, secrets and config on top of the
// stack file (as `make up` passes them).
type deployment struct {
	c        *cluster
	stateDir string
	secrets  string // digit:secrets JSON
	config   map[string]string
	// noConnectionBudget leaves digit:database.maxConnections out (the synthetic catalogues exceed the local
	// server's; nothing connects to it here).
	noConnectionBudget bool
}

func (d *deployment) options(out *os.File, repo string) runner.Options {
	db := map[string]any{
		"host": d.c.env["DIGIT_PG_HOST"], "port": atoi(d.c.env["DIGIT_PG_PORT"]), "name": d.c.env["DIGIT_PG_DB"],
		"user": d.c.env["DIGIT_PG_USER"],
	}
	if !d.noConnectionBudget {
		db["maxConnections"] = atoi(d.c.env["DIGIT_PG_MAX_CONNECTIONS"])
	}
	cfg := map[string]string{"digit:database": jsonString(db)}
	maps.Copy(cfg, d.config)
	return runner.Options{
		Stack: stack, ProjectDir: repo, StateDir: d.stateDir, Out: out, Config: cfg,
		SecretConfig: map[string]string{"digit:dbPassword": d.c.env["DIGIT_PG_PASSWORD"], "digit:secrets": d.secrets},
	}
}

func atoi(s string) int {
	var n int
	fmt.Sscanf(s, "%d", &n)
	return n
}

// up runs `digit up` through the runner, as the CLI does, with the cluster's kubeconfig ambient.
func (b *bench) up(ctx context.Context, d *deployment, logName string) (*runner.Result, time.Duration, error) {
	return b.op(ctx, d, logName, runner.Up)
}

func (b *bench) op(ctx context.Context, d *deployment, logName string,
	fn func(context.Context, runner.Options) (*runner.Result, error),
) (*runner.Result, time.Duration, error) {
	f, err := b.logFile(logName)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	os.Setenv("KUBECONFIG", d.c.env["KUBECONFIG"])
	start := time.Now()
	res, err := fn(ctx, d.options(f, b.repo))
	took := time.Since(start)
	if err != nil {
		return res, took, fmt.Errorf("%s (log: %s): %v", logName, f.Name(), err)
	}
	return res, took, nil
}

// kube runs kubectl against the cluster.
func (b *bench) kube(ctx context.Context, c *cluster, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, b.kubectl, append([]string{"--kubeconfig", c.env["KUBECONFIG"]}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("kubectl %s: %v: %s", strings.Join(args, " "), err, lastLines(stderr.String(), 10))
	}
	return out, nil
}

// workloadsReady reports what is not ready yet, with the conditions `kubectl rollout status` and the provider's
// awaits use: every Deployment, StatefulSet and DaemonSet rolled out (observed, updated, ready), every Job
// complete, every Ingress and LoadBalancer Service given an address.
func (b *bench) notReady(ctx context.Context, c *cluster) ([]string, int, error) {
	out, err := b.kube(ctx, c, "get", "deployments,statefulsets,daemonsets,jobs,ingresses,services", "-A", "-o", "json")
	if err != nil {
		return nil, 0, err
	}
	var list struct {
		Items []struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name       string `json:"name"`
				Namespace  string `json:"namespace"`
				Generation int64  `json:"generation"`
			} `json:"metadata"`
			Spec struct {
				Replicas *int32 `json:"replicas"`
				Type     string `json:"type"`
			} `json:"spec"`
			Status struct {
				ObservedGeneration     int64 `json:"observedGeneration"`
				Replicas               int32 `json:"replicas"`
				ReadyReplicas          int32 `json:"readyReplicas"`
				UpdatedReplicas        int32 `json:"updatedReplicas"`
				AvailableReplicas      int32 `json:"availableReplicas"`
				CurrentRevision        string
				UpdateRevision         string
				DesiredNumberScheduled int32 `json:"desiredNumberScheduled"`
				NumberReady            int32 `json:"numberReady"`
				UpdatedNumberScheduled int32 `json:"updatedNumberScheduled"`
				Succeeded              int32 `json:"succeeded"`
				LoadBalancer           struct {
					Ingress []json.RawMessage `json:"ingress"`
				} `json:"loadBalancer"`
			} `json:"status"`
		} `json:"items"`
	}
	if err := json.Unmarshal(out, &list); err != nil {
		return nil, 0, err
	}
	var pending []string
	counted := 0
	for _, it := range list.Items {
		id := it.Kind + " " + it.Metadata.Namespace + "/" + it.Metadata.Name
		want := int32(1)
		if it.Spec.Replicas != nil {
			want = *it.Spec.Replicas
		}
		ok := true
		switch it.Kind {
		case "Deployment", "StatefulSet":
			ok = it.Status.ObservedGeneration >= it.Metadata.Generation && it.Status.UpdatedReplicas >= want &&
				it.Status.ReadyReplicas >= want && it.Status.Replicas == it.Status.UpdatedReplicas
		case "DaemonSet":
			ok = it.Status.ObservedGeneration >= it.Metadata.Generation && it.Status.DesiredNumberScheduled > 0 &&
				it.Status.NumberReady == it.Status.DesiredNumberScheduled &&
				it.Status.UpdatedNumberScheduled == it.Status.DesiredNumberScheduled
		case "Job":
			ok = it.Status.Succeeded > 0
		case "Ingress":
			ok = len(it.Status.LoadBalancer.Ingress) > 0
		case "Service":
			if it.Spec.Type != "LoadBalancer" {
				continue
			}
			ok = len(it.Status.LoadBalancer.Ingress) > 0
		}
		if it.Metadata.Namespace == "kube-system" || it.Metadata.Namespace == "default" {
			continue
		}
		counted++
		if !ok {
			pending = append(pending, id)
		}
	}
	slices.Sort(pending)
	return pending, counted, nil
}

// waitReady polls notReady every half second until nothing is pending.
func (b *bench) waitReady(ctx context.Context, c *cluster, timeout time.Duration) (int, error) {
	deadline := time.Now().Add(timeout)
	for {
		pending, n, err := b.notReady(ctx, c)
		if err == nil && len(pending) == 0 && n > 0 {
			return n, nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return n, err
			}
			if len(pending) > 5 {
				pending = append(pending[:5], "...")
			}
			return n, fmt.Errorf("not ready after %s: %s", timeout, strings.Join(pending, ", "))
		}
		time.Sleep(500 * time.Millisecond)
	}
}
