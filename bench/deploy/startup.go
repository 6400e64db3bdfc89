package main

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/digit-iac/digit/catalogue"
	"github.com/digit-iac/digit/internal/proctree"
)

// stages/ holds kwok v0.7.0's "general" Pod stages (kustomize/stage/pod/general, Apache-2.0), which simulate a
// Pod's life step by step (created, init containers, ready) with a delay each; kwok's default "fast" stages make a
// Pod ready at once. P5 replaces pod-ready by one stage per image class with that class's start-up time.
//
//go:embed stages/*.yaml
var stageFiles embed.FS

// startupClass is a class of images and how long its Pods take to become ready.
type startupClass struct {
	Name      string
	Min, Max  time.Duration
	selectors []map[string]any
}

// startupClasses: JVM services 60-90 s, the backbone 30-60 s, frontends 5 s, everything else 5-10 s.
func startupClasses(r *catalogue.Resolved) []startupClass {
	var java, frontends []string
	for _, s := range r.Services() {
		if s.Kind == catalogue.KindFrontend {
			frontends = append(frontends, s.Name)
		} else {
			java = append(java, s.Name)
		}
	}
	nsSet := map[string]bool{}
	for _, w := range r.Workloads() {
		if w.Namespace != "" && isBackboneNamespace(r, w.Namespace) {
			nsSet[w.Namespace] = true
		}
	}
	var backboneNS []string
	for ns := range nsSet {
		backboneNS = append(backboneNS, ns)
	}
	name := `.metadata.labels["app.kubernetes.io/name"]`
	expr := func(key, op string, values []string) map[string]any {
		return map[string]any{"key": key, "operator": op, "values": values}
	}
	return []startupClass{
		{"jvm", 60 * time.Second, 90 * time.Second, []map[string]any{expr(name, "In", java)}},
		{"backbone", 30 * time.Second, 60 * time.Second, []map[string]any{expr(".metadata.namespace", "In", backboneNS)}},
		{"frontend", 5 * time.Second, 5 * time.Second, []map[string]any{expr(name, "In", frontends)}},
		{"other", 5 * time.Second, 10 * time.Second, []map[string]any{
			expr(name, "NotIn", append(append([]string{}, java...), frontends...)),
			expr(".metadata.namespace", "NotIn", backboneNS),
		}},
	}
}

func isBackboneNamespace(r *catalogue.Resolved, ns string) bool {
	b := r.Backbone()
	for _, w := range []catalogue.Workload{b.Kafka.Workload, b.Zookeeper, b.ElasticsearchData, b.ElasticsearchMaster, b.Redis, b.KafkaConnect, b.Kibana} {
		if w.Namespace == ns {
			return true
		}
	}
	return false
}

// writeStages writes the kwok Pod stages of P5 to a file for DIGIT_LOCALCP_KWOK_STAGES.
func writeStages(path string, classes []startupClass) error {
	var out bytes.Buffer
	entries, err := stageFiles.ReadDir("stages")
	if err != nil {
		return err
	}
	for _, e := range entries {
		b, err := stageFiles.ReadFile("stages/" + e.Name())
		if err != nil {
			return err
		}
		if e.Name() != "pod-ready.yaml" {
			out.WriteString("---\n")
			out.Write(b)
			continue
		}
		for _, c := range classes {
			var st map[string]any
			if err := yaml.Unmarshal(b, &st); err != nil {
				return fmt.Errorf("stages/pod-ready.yaml: %w", err)
			}
			st["metadata"] = map[string]any{"name": "pod-ready-" + c.Name}
			spec := st["spec"].(map[string]any)
			sel := spec["selector"].(map[string]any)
			exprs := sel["matchExpressions"].([]any)
			for _, s := range c.selectors {
				exprs = append(exprs, s)
			}
			sel["matchExpressions"] = exprs
			spec["delay"] = map[string]any{
				"durationMilliseconds":       c.Min.Milliseconds(),
				"jitterDurationMilliseconds": (c.Max - c.Min).Milliseconds(),
			}
			y, err := yaml.Marshal(st)
			if err != nil {
				return err
			}
			out.WriteString("---\n")
			out.Write(y)
		}
	}
	return os.WriteFile(path, out.Bytes(), 0o644)
}

// p5 deploys the stack with start-ups delayed by class and compares the deploy time with the longest chain that
// must be ordered: a backbone store, then a JVM service that needs it.
func (b *bench) p5(ctx context.Context) error {
	src, err := b.stackSource()
	if err != nil {
		return err
	}
	v, _ := src.Get("digit:catalogue")
	o, err := catalogue.ParseOverrides([]byte(v))
	if err != nil {
		return err
	}
	def, err := catalogue.Default()
	if err != nil {
		return err
	}
	r, err := catalogue.Resolve(def, o)
	if err != nil {
		return err
	}
	classes := startupClasses(r)
	stages := filepath.Join(b.work, "p5-stages.yaml")
	if err := writeStages(stages, classes); err != nil {
		return err
	}
	secrets, err := localSecrets(src)
	if err != nil {
		return err
	}
	c, err := b.startCluster(ctx, "p5", map[string]string{"DIGIT_LOCALCP_KWOK_STAGES": stages})
	if err != nil {
		return err
	}
	defer b.stopCluster(c)
	d := &deployment{c: c, stateDir: filepath.Join(b.work, "state-p5"), secrets: secrets}
	start := time.Now()
	res, _, err := b.up(ctx, d, "p5-up")
	if err != nil {
		return err
	}
	if _, err := b.waitReady(ctx, c, readyTimeout); err != nil {
		return err
	}
	took := time.Since(start)
	var chain time.Duration
	for _, cl := range classes {
		if cl.Name == "backbone" || cl.Name == "jvm" {
			chain += cl.Max
		}
	}
	b.results.P5 = &startupRun{Classes: classes, Chain: chain, Took: took, Trace: summarizeSteps(res.Steps)}
	b.logf("P5: %s against a chain of %s", secs(took), secs(chain))
	return nil
}

// p6 builds the program cold (an empty build cache) and after a one-line change, sampling the build's memory.
func (b *bench) p6(ctx context.Context) error {
	src := filepath.Join(b.work, "p6-src")
	// A copy of the sources, so the one-line change never touches the checkout.
	if out, err := exec.CommandContext(ctx, "bash", "-c",
		`mkdir -p "$2" && cd "$1" && git ls-files -z | xargs -0 cp --parents -t "$2"`, "_", b.repo, src).CombinedOutput(); err != nil {
		return fmt.Errorf("copying the sources: %v: %s", err, out)
	}
	cache := filepath.Join(b.work, "p6-gocache")
	build := func(name string) (time.Duration, int64, error) {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(b.work, "p6-digit"), "./cmd/digit")
		cmd.Dir = src
		cmd.Env = append(os.Environ(), "GOCACHE="+cache)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		if err := cmd.Start(); err != nil {
			return 0, 0, err
		}
		peak := make(chan int64)
		stop := make(chan struct{})
		go func() { peak <- samplePeakRSS(cmd.Process.Pid, stop) }()
		err := cmd.Wait()
		took := time.Since(start)
		close(stop)
		p := <-peak
		if err != nil {
			return took, p, fmt.Errorf("%s build: %v: %s", name, err, lastLines(out.String(), 20))
		}
		return took, p, nil
	}
	b.logf("P6: cold build (empty GOCACHE)")
	cold, coldPeak, err := build("cold")
	if err != nil {
		return err
	}
	file := filepath.Join(src, "stacks", "program.go")
	body, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	changed := strings.Replace(string(body), "// Program is the Pulumi program", "var benchEdit = \"one line\"\n\n// Program is the Pulumi program", 1)
	if changed == string(body) {
		return fmt.Errorf("%s: the line the one-line change goes before is gone", file)
	}
	if err := os.WriteFile(file, []byte(changed), 0o644); err != nil {
		return err
	}
	b.logf("P6: warm rebuild after a one-line change in stacks/program.go")
	warm, warmPeak, err := build("warm")
	if err != nil {
		return err
	}
	b.results.P6 = &buildRun{Cold: cold, ColdPeak: coldPeak, Warm: warm, WarmPeak: warmPeak}
	b.logf("P6: cold %s (peak %d MiB), warm %s", secs(cold), coldPeak>>20, secs(warm))
	return nil
}

// samplePeakRSS polls the summed resident memory of a process tree every 200 ms until stop closes.
func samplePeakRSS(root int, stop <-chan struct{}) int64 {
	var peak int64
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		if n := treeRSS(root); n > peak {
			peak = n
		}
		select {
		case <-stop:
			return peak
		case <-tick.C:
		}
	}
}

// treeRSS sums the resident memory of root and its descendants.
func treeRSS(root int) int64 {
	var sum int64
	for _, p := range proctree.Tree(root, proctree.List()) {
		sum += p.RSS
	}
	return sum
}
