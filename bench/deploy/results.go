package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/digit-iac/digit/runner"
	"github.com/digit-iac/digit/stacks/config"
)

type scaleRun struct {
	Factor, Services, Resources int
	Took                        time.Duration
}

type startupRun struct {
	Classes     []startupClass
	Chain, Took time.Duration
	Trace       string
}

type buildRun struct {
	Cold, Warm         time.Duration
	ColdPeak, WarmPeak int64
}

// results is what a run measured, kept in bench/results.json so that a run of some figures (-only) updates those
// and keeps the others; bench/results.md is written from it.
type results struct {
	Want     map[string]bool `json:"-"`
	Machine  []string
	Objects  string
	Failures []string

	P1Pulumi, P1Kubectl []time.Duration
	P1Resources         int
	P1Workloads         int
	P1Trace             string
	P2Up, P2Preview     []time.Duration
	P4Time              []time.Duration
	P4Touched           [][]string
	P3                  []scaleRun
	P5                  *startupRun
	P6                  *buildRun
	// Measured is when each figure was last measured.
	Measured map[string]string
}

// loadResults reads the previous results (none: empty).
func loadResults(path string) *results {
	r := &results{}
	if b, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(b, r)
	}
	if r.Measured == nil {
		r.Measured = map[string]string{}
	}
	return r
}

// reset forgets a figure's previous values before it is measured again.
func (r *results) reset(figure string) {
	switch figure {
	case "P1":
		r.P1Pulumi, r.P1Kubectl, r.P1Resources, r.P1Workloads, r.P1Trace, r.Objects = nil, nil, 0, 0, "", ""
	case "P2":
		r.P2Up, r.P2Preview = nil, nil
	case "P3":
		r.P3 = nil
	case "P4":
		r.P4Time, r.P4Touched = nil, nil
	case "P5":
		r.P5 = nil
	case "P6":
		r.P6 = nil
	}
	r.Measured[figure] = time.Now().UTC().Format("2006-01-02 15:04 MST")
}

func (r *results) save(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func (r *results) describeMachine(kubectl string) {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		fmt.Sscanf(strings.SplitN(string(b), "\n", 2)[0], "MemTotal: %d kB", &kb)
		mem = fmt.Sprintf(", %.0f GiB", float64(kb)/(1<<20))
	}
	version := func(name string, args ...string) string {
		out, err := exec.Command(name, args...).Output()
		if err != nil {
			return "?"
		}
		return strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
	}
	r.Machine = []string{
		fmt.Sprintf("%s, %d cores%s, %s/%s", cpu, runtime.NumCPU(), mem, runtime.GOOS, runtime.GOARCH),
		"Go " + goVersion() + "; pulumi " + version("pulumi", "version") + "; " + version(kubectl, "version", "--client"),
		engineSettings(),
	}
}

func engineSettings() string {
	local, _ := config.CloudOf(config.TargetExisting)
	return fmt.Sprintf("engine settings: the local stack's defaults, digit:parallel %d, digit:checkpointEveryStep %v",
		local.DefaultParallel, local.DefaultCheckpointEveryStep)
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return a.Seconds() / b.Seconds()
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

func stat(ds []time.Duration) string {
	lo, hi := spread(ds)
	return fmt.Sprintf("%s (%s-%s, n=%d)", secs(median(ds)), secs(lo), secs(hi), len(ds))
}

func (r *results) markdown() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("# Deploy benchmark (`make bench`)")
	w("")
	w("Written by `bench/deploy` (`make bench`); rerun it to refresh. The local stack (the whole catalogue, every")
	w("municipal module) on the local control plane of `hack/localcp.sh`, each run on a fresh one. Times are medians")
	w("(min-max, n runs) of wall-clock time from the start of the operation until every workload is rolled out")
	w("(Deployments, StatefulSets and DaemonSets updated and ready, Jobs complete, Ingresses and LoadBalancer")
	w("Services given an address), checked the same way for both deployers.")
	w("")
	for _, m := range r.Machine {
		w("- %s", m)
	}
	var when []string
	for _, f := range []string{"P1", "P2", "P3", "P4", "P5", "P6"} {
		if d, ok := r.Measured[f]; ok {
			when = append(when, f+" "+d)
		}
	}
	w("- measured: %s", strings.Join(when, ", "))
	w("")
	if len(r.Failures) > 0 {
		w("**Failed:** %s", strings.Join(r.Failures, "; "))
		w("")
	}
	w("| Figure | Measured | Target | |")
	w("|---|---|---|---|")
	p1 := median(r.P1Pulumi)
	if len(r.P1Pulumi) > 0 && len(r.P1Kubectl) > 0 {
		x := ratio(p1, median(r.P1Kubectl))
		w("| P1 first up from empty: pulumi / kubectl apply --server-side | %.2fx: %s against %s | <= 1.5x | %s |",
			x, stat(r.P1Pulumi), stat(r.P1Kubectl), verdict(x <= 1.5))
	}
	if len(r.P2Up) > 0 {
		x, y := ratio(median(r.P2Up), p1), ratio(median(r.P2Preview), p1)
		w("| P2 no-op up / P1 | %.2f (%s) | <= 0.15 | %s |", x, stat(r.P2Up), verdict(x <= 0.15))
		w("| P2 preview / P1 | %.2f (%s) | <= 0.15 | %s |", y, stat(r.P2Preview), verdict(y <= 0.15))
	}
	if len(r.P4Time) > 0 {
		touched := len(r.P4Touched[0])
		same := true
		for _, t := range r.P4Touched {
			same = same && len(t) == touched
		}
		x := ratio(median(r.P4Time), p1)
		w("| P4 one image tag changed: resources touched | %d (%s) | 1 | %s |", touched, strings.Join(r.P4Touched[0], ", "), verdict(touched == 1 && same))
		w("| P4 one image tag changed: time / P1 | %.2f (%s) | <= 0.3 | %s |", x, stat(r.P4Time), verdict(x <= 0.3))
	}
	if len(r.P3) == 3 {
		x := ratio(r.P3[2].Took, r.P3[0].Took)
		parts := []string{}
		for _, s := range r.P3 {
			parts = append(parts, fmt.Sprintf("%dx: %d services, %d resources, %s", s.Factor, s.Services, s.Resources, secs(s.Took)))
		}
		w("| P3 synthetic catalogue 4x / 1x | %.2f (%s; one run each) | <= 4.4 | %s |", x, strings.Join(parts, "; "), verdict(x <= 4.4))
	}
	if p := r.P5; p != nil {
		x := ratio(p.Took, p.Chain)
		var cls []string
		for _, c := range p.Classes {
			cls = append(cls, fmt.Sprintf("%s %s-%s", c.Name, secs(c.Min), secs(c.Max)))
		}
		w("| P5 delayed start-ups (%s): deploy / longest ordered chain | %.2fx: %s against %s (backbone then JVM; one run) | <= 1.3x | %s |",
			strings.Join(cls, ", "), x, secs(p.Took), secs(p.Chain), verdict(x <= 1.3))
	}
	if p := r.P6; p != nil {
		w("| P6 cold build of the program (empty GOCACHE): peak RSS of the build | %.2f GiB (%s) | <= 4 GiB | %s |",
			float64(p.ColdPeak)/(1<<30), secs(p.Cold), verdict(p.ColdPeak <= 4<<30))
		w("| P6 rebuild after a one-line change (stacks/program.go) | %s (peak %.2f GiB) | <= 60 s | %s |",
			secs(p.Warm), float64(p.WarmPeak)/(1<<30), verdict(p.Warm <= 60*time.Second))
	}
	w("")
	if r.Objects != "" {
		w("P1 compares %d resources created by `digit up` (%d workloads and addresses waited for) with %s applied by",
			r.P1Resources, r.P1Workloads, r.Objects)
		w("kubectl (Namespaces first, then everything in one `kubectl apply --server-side`). P2 and P4 run on each P1")
		w("pulumi run's control plane after its up. P3's copies are every service but zuul, renamed, with their own")
		w("paths, on bigger simulated nodes, without the connection-budget check. P5 gives Pods kwok's step-by-step")
		w("stages with a ready delay per image class; the chain is the longest backbone start-up plus the longest JVM")
		w("start-up (kwok's 1-6 s per create and init-container step are not counted in it).")
		w("")
	}
	if r.P1Trace != "" {
		w("## Where the first up's time goes (first P1 run)")
		w("")
		w("%s", r.P1Trace)
	}
	if r.P5 != nil && r.P5.Trace != "" {
		w("## Where P5's time goes")
		w("")
		w("%s", r.P5.Trace)
	}
	return b.String()
}

// summarizeSteps turns the engine's step trace into: when the steps started (per 10 s), and the longest ones.
func summarizeSteps(steps []runner.Step) string {
	if len(steps) == 0 {
		return ""
	}
	t0 := steps[0].Start
	var b strings.Builder
	buckets := map[int]int{}
	last := 0
	var end time.Time
	for _, s := range steps {
		k := int(s.Start.Sub(t0).Seconds()) / 10
		buckets[k]++
		last = max(last, k)
		if s.End.After(end) {
			end = s.End
		}
	}
	fmt.Fprintf(&b, "Steps started per 10 s (of %d, the last ending at %s):", len(steps), secs(end.Sub(t0)))
	for k := 0; k <= last; k++ {
		fmt.Fprintf(&b, " %d", buckets[k])
	}
	b.WriteString("\n\n| started at | took | step |\n|---|---|---|\n")
	sorted := append([]runner.Step(nil), steps...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Duration() > sorted[j].Duration() })
	n := 0
	for _, s := range sorted {
		if strings.HasPrefix(s.Type, "pulumi:") || strings.HasPrefix(s.Type, "digit:") {
			continue // the stack and components span their children
		}
		fmt.Fprintf(&b, "| %s | %s | %s %s %s |\n", secs(s.Start.Sub(t0)), secs(s.Duration()), s.Op, s.Type,
			s.URN[strings.LastIndex(s.URN, "::")+2:])
		if n++; n == 12 {
			break
		}
	}
	return b.String()
}
